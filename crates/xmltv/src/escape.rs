//! XML escaping for output and the entity policy for input.
//!
//! Entity policy (decided here, used everywhere): XML's five predefined entities and
//! character references are resolved; a short list of HTML names that real feeds
//! emit (`&nbsp;`, `&eacute;`, ...) is resolved to the character; any other name,
//! including entities declared in an internal DTD subset, is kept as literal text
//! (`&name;` shows as such) and counted. Nothing is ever expanded recursively, so
//! "billion laughs" costs nothing, and one sloppy description cannot cost the user
//! the whole guide.

/// Appends `text` escaped for XML text or attribute content, dropping characters
/// XML 1.0 forbids (and C1 controls, which XMLTV validators reject). Line breaks
/// and tabs become character references so a programme stays on one line.
pub(crate) fn escape_into(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let special = b < 0x20 || matches!(b, b'&' | b'<' | b'>' | b'"' | 0xC2 | 0xEF);
        if !special {
            i += 1;
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        let mut width = 1;
        match b {
            b'&' => out.extend_from_slice(b"&amp;"),
            b'<' => out.extend_from_slice(b"&lt;"),
            b'>' => out.extend_from_slice(b"&gt;"),
            b'"' => out.extend_from_slice(b"&quot;"),
            b'\n' => out.extend_from_slice(b"&#10;"),
            b'\r' => out.extend_from_slice(b"&#13;"),
            b'\t' => out.extend_from_slice(b"&#9;"),
            0xC2 => {
                // U+0080..U+009F (C1 controls) are dropped; other U+00xx kept.
                width = 2;
                let next = bytes.get(i + 1).copied().unwrap_or(0);
                if !(0x80..=0x9F).contains(&next) {
                    out.extend_from_slice(&bytes[i..i + 2]);
                }
            }
            0xEF => {
                // U+FFFE and U+FFFF are not XML characters.
                width = 3;
                let tail = (bytes.get(i + 1), bytes.get(i + 2));
                if !matches!(tail, (Some(0xBF), Some(0xBE | 0xBF))) {
                    out.extend_from_slice(&bytes[i..i + 3]);
                }
            }
            _ => {} // other C0 controls: dropped
        }
        i += width;
        start = i;
    }
    out.extend_from_slice(&bytes[start..]);
}

/// What an entity reference `&name;` turned into.
pub(crate) enum Resolved {
    /// A character to insert.
    Char(char),
    /// A character reference to a character XML forbids: insert nothing.
    Nothing,
    /// Unknown name: keep `&name;` as literal text.
    Literal,
}

/// Resolves the name between `&` and `;` according to the module's policy.
pub(crate) fn resolve_entity(name: &str) -> Resolved {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => num.parse::<u32>().ok(),
        };
        return match code.and_then(char::from_u32) {
            Some(c) if is_xml_char(c) => Resolved::Char(c),
            Some(_) => Resolved::Nothing,
            None => Resolved::Literal,
        };
    }
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "ndash" => '\u{2013}',
        "mdash" => '\u{2014}',
        "hellip" => '\u{2026}',
        "lsquo" => '\u{2018}',
        "rsquo" => '\u{2019}',
        "ldquo" => '\u{201c}',
        "rdquo" => '\u{201d}',
        "laquo" => '\u{ab}',
        "raquo" => '\u{bb}',
        "copy" => '\u{a9}',
        "reg" => '\u{ae}',
        "trade" => '\u{2122}',
        "euro" => '\u{20ac}',
        "deg" => '\u{b0}',
        "middot" => '\u{b7}',
        "bull" => '\u{2022}',
        "eacute" => 'é',
        "egrave" => 'è',
        "aacute" => 'á',
        "agrave" => 'à',
        "oacute" => 'ó',
        "uacute" => 'ú',
        "iacute" => 'í',
        "ntilde" => 'ñ',
        "ccedil" => 'ç',
        "auml" => 'ä',
        "ouml" => 'ö',
        "uuml" => 'ü',
        "Auml" => 'Ä',
        "Ouml" => 'Ö',
        "Uuml" => 'Ü',
        "szlig" => 'ß',
        _ => return Resolved::Literal,
    };
    Resolved::Char(c)
}

/// Whether XML 1.0 allows `c` in a document.
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

/// `text` without the characters [`escape_into`] drops (those XML forbids,
/// and C1 controls), so an id compares equal before and after a round trip
/// through the prepared files.
pub(crate) fn keep_xml_chars(text: &str) -> std::borrow::Cow<'_, str> {
    let dropped = |c: char| !is_xml_char(c) || ('\u{80}'..='\u{9f}').contains(&c);
    if text.chars().any(dropped) {
        text.chars()
            .filter(|&c| !dropped(c))
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}

/// Counters the entity policy reports back to the summary.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct EntityStats {
    pub unknown: u64,
    pub bare_amp: u64,
}

/// Unescapes an attribute value (raw, as in the file) under the entity policy.
pub(crate) fn unescape_attr(raw: &str, stats: &mut EntityStats) -> String {
    if !raw.contains('&') {
        return raw.to_owned();
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after
            .find(';')
            .filter(|&e| e > 0 && e <= 32 && !after[..e].contains(['&', ' ']));
        match end {
            Some(e) => {
                let name = &after[..e];
                match resolve_entity(name) {
                    Resolved::Char(c) => out.push(c),
                    Resolved::Nothing => {}
                    Resolved::Literal => {
                        stats.unknown += 1;
                        out.push('&');
                        out.push_str(name);
                        out.push(';');
                    }
                }
                rest = &after[e + 1..];
            }
            None => {
                stats.bare_amp += 1;
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esc(s: &str) -> String {
        let mut v = Vec::new();
        escape_into(&mut v, s);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn escapes_markup_and_line_breaks() {
        assert_eq!(esc("a<b>&\"c\"\n"), "a&lt;b&gt;&amp;&quot;c&quot;&#10;");
        assert_eq!(esc("Café «x»"), "Café «x»");
    }

    #[test]
    fn drops_forbidden_characters() {
        assert_eq!(esc("a\u{1}b\u{85}c\u{fffe}d"), "abcd");
    }

    #[test]
    fn attribute_entities_follow_the_policy() {
        let mut st = EntityStats::default();
        assert_eq!(
            unescape_attr("A &amp; B&#233;&nbsp;&foo; & x", &mut st),
            "A & Bé\u{a0}&foo; & x"
        );
        assert_eq!(st.unknown, 1);
        assert_eq!(st.bare_amp, 1);
    }
}
