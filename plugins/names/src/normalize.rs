//! First pass over a name: turns look-alike letters into ASCII and drops noise,
//! so the tokenizer and marker tables only ever see plain text.

use crate::chars::is_ignorable;

/// Maps superscript, small-capital, circled and squared letters (used as
/// decorations: `ᴴᴰ`, `ᶠᴴᴰ`, `ᵁᴴᴰ`, `ˢᴰ`, `ʜᴅ`, `🅷🅳`) to ASCII capitals,
/// superscript digits to digits and `⁺` to `+`.
pub(crate) fn decorative(c: char) -> Option<char> {
    let u = c as u32;
    let letter = |i: u32| char::from_u32('A' as u32 + i);
    match u {
        0x24B6..=0x24CF => return letter(u - 0x24B6),
        0x24D0..=0x24E9 => return letter(u - 0x24D0),
        0x1F130..=0x1F149 => return letter(u - 0x1F130),
        0x1F150..=0x1F169 => return letter(u - 0x1F150),
        0x1F170..=0x1F189 => return letter(u - 0x1F170),
        0x2074..=0x2079 => return char::from_u32('4' as u32 + (u - 0x2074)),
        _ => {}
    }
    let mapped = match c {
        // Superscript capitals.
        'ᴬ' => 'A',
        'ᴮ' => 'B',
        'ᴰ' => 'D',
        'ᴱ' => 'E',
        'ᴳ' => 'G',
        'ᴴ' => 'H',
        'ᴵ' => 'I',
        'ᴶ' => 'J',
        'ᴷ' => 'K',
        'ᴸ' => 'L',
        'ᴹ' => 'M',
        'ᴺ' => 'N',
        'ᴼ' => 'O',
        'ᴾ' => 'P',
        'ᴿ' => 'R',
        'ᵀ' => 'T',
        'ᵁ' => 'U',
        'ⱽ' => 'V',
        'ᵂ' => 'W',
        'ᶦ' => 'I',
        'ᶫ' => 'L',
        'ᶰ' => 'N',
        'ᶸ' => 'U',
        // Superscript small letters.
        'ᵃ' => 'A',
        'ᵇ' => 'B',
        'ᶜ' => 'C',
        'ᵈ' => 'D',
        'ᵉ' => 'E',
        'ᶠ' => 'F',
        'ᵍ' => 'G',
        'ʰ' => 'H',
        'ⁱ' => 'I',
        'ʲ' => 'J',
        'ᵏ' => 'K',
        'ˡ' => 'L',
        'ᵐ' => 'M',
        'ⁿ' => 'N',
        'ᵒ' => 'O',
        'ᵖ' => 'P',
        'ʳ' => 'R',
        'ˢ' => 'S',
        'ᵗ' => 'T',
        'ᵘ' => 'U',
        'ᵛ' => 'V',
        'ʷ' => 'W',
        'ˣ' => 'X',
        'ʸ' => 'Y',
        'ᶻ' => 'Z',
        // Small capitals.
        'ᴀ' => 'A',
        'ʙ' => 'B',
        'ᴄ' => 'C',
        'ᴅ' => 'D',
        'ᴇ' => 'E',
        'ꜰ' => 'F',
        'ɢ' => 'G',
        'ʜ' => 'H',
        'ɪ' => 'I',
        'ᴊ' => 'J',
        'ᴋ' => 'K',
        'ʟ' => 'L',
        'ᴍ' => 'M',
        'ɴ' => 'N',
        'ᴏ' => 'O',
        'ᴘ' => 'P',
        'ʀ' => 'R',
        'ꜱ' => 'S',
        'ᴛ' => 'T',
        'ᴜ' => 'U',
        'ᴠ' => 'V',
        'ᴡ' => 'W',
        'ʏ' => 'Y',
        'ᴢ' => 'Z',
        // Superscript digits and plus.
        '⁰' => '0',
        '¹' => '1',
        '²' => '2',
        '³' => '3',
        '⁺' => '+',
        _ => return None,
    };
    Some(mapped)
}

/// Maps "fancy text" (mathematical bold/italic/script letters and digits,
/// full-width forms) to the ASCII character it imitates, keeping case.
pub(crate) fn fancy(c: char) -> Option<char> {
    let u = c as u32;
    match u {
        0x1D400..=0x1D6A3 => {
            let i = (u - 0x1D400) % 52;
            if i < 26 {
                char::from_u32('A' as u32 + i)
            } else {
                char::from_u32('a' as u32 + i - 26)
            }
        }
        0x1D7CE..=0x1D7FF => char::from_u32('0' as u32 + (u - 0x1D7CE) % 10),
        0xFF01..=0xFF5E => char::from_u32(u - 0xFEE0),
        0x3000 => Some(' '),
        _ => None,
    }
}

/// The ASCII letter of a regional-indicator symbol (two of them make a flag emoji).
fn regional_indicator(c: char) -> Option<char> {
    match c as u32 {
        u @ 0x1F1E6..=0x1F1FF => char::from_u32('A' as u32 + (u - 0x1F1E6)),
        _ => None,
    }
}

/// Rewrites a name into plain text the tokenizer understands:
/// - a run of decorative letters becomes its own ASCII word (`Oneᴴᴰ` → `One HD `);
/// - a flag emoji becomes a bracketed country (`🇬🇧` → ` [UK] `);
/// - fancy and full-width letters become ASCII;
/// - `_` and control characters become spaces; invisible characters vanish.
pub(crate) fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 8);
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(d) = decorative(c) {
            let mut run = String::new();
            let mut raw = String::new();
            let mut has_letter = d.is_ascii_alphabetic();
            run.push(d);
            raw.push(c);
            while let Some(&n) = chars.peek() {
                let Some(d) = decorative(n) else { break };
                has_letter |= d.is_ascii_alphabetic();
                run.push(d);
                raw.push(n);
                chars.next();
            }
            if has_letter {
                out.push(' ');
                out.push_str(&run);
                out.push(' ');
            } else {
                out.push_str(&raw);
            }
            continue;
        }
        if let Some(first) = regional_indicator(c) {
            if let Some(second) = chars.peek().copied().and_then(regional_indicator) {
                chars.next();
                let code: String = [first, second].iter().collect();
                out.push_str(" [");
                out.push_str(if code == "GB" { "UK" } else { &code });
                out.push_str("] ");
            } else {
                out.push(' ');
            }
            continue;
        }
        if let Some(a) = fancy(c) {
            out.push(a);
        } else if c == '_' || c.is_control() {
            out.push(' ');
        } else if !is_ignorable(c) {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decorative_runs_become_words() {
        assert_eq!(normalize("Oneᴴᴰ").trim(), "One HD");
        assert_eq!(normalize("Sky ᶠᴴᴰ"), "Sky  FHD ");
        assert_eq!(normalize("x ˢᴰ").trim(), "x  SD");
        assert_eq!(normalize("ʜᴇᴠᴄ").trim(), "HEVC");
    }

    #[test]
    fn lone_superscript_digits_stay() {
        assert_eq!(normalize("M²"), "M²");
    }

    #[test]
    fn flags_and_fancy_text() {
        assert_eq!(normalize("🇬🇧 BBC"), " [UK]  BBC");
        assert_eq!(normalize("𝐁𝐁𝐂"), "BBC");
        assert_eq!(normalize("ＢＢＣ｜"), "BBC|");
    }
}
