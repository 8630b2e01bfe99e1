//! Character classes: what joins a word, what separates words, what is noise.

/// Invisible characters that carry no meaning in a name (BOM, zero-width space,
/// variation selectors, direction marks, soft hyphen, keycap combiner).
pub(crate) fn is_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'
            | '\u{2060}'
            | '\u{FEFF}'
            | '\u{FE0E}'
            | '\u{FE0F}'
            | '\u{00AD}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{20E3}'
    )
}

/// Punctuation that belongs to a word when it touches one
/// ("A&E", "E!", "H.265", "+1", "HD+", "Al-Jazeera", "Nick Jr.").
pub(crate) fn is_joiner(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2018}'
            | '\u{2019}'
            | '`'
            | '.'
            | '&'
            | '+'
            | '!'
            | '?'
            | '-'
            | '/'
            | '#'
            | '@'
            | '$'
            | '%'
            | '\u{200C}'
            | '\u{200D}'
    )
}

/// Symbols, emoji and punctuation that decorate names and separate words
/// (`|`, `:`, `★`, `•`, `»`, brackets, arrows, box drawing, emoji, icon fonts,
/// and `�` left by lossy decoding).
pub(crate) fn is_symbol(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_punctuation() && !is_joiner(c);
    }
    if c.is_alphanumeric() || is_joiner(c) {
        return false;
    }
    matches!(
        c as u32,
        0xA1..=0xBF
            | 0xD7
            | 0xF7
            | 0x2010..=0x2027
            | 0x2030..=0x205E
            | 0x2100..=0x214F
            | 0x2190..=0x2BFF
            | 0x2E00..=0x2E7F
            | 0x3000..=0x303F
            | 0xE000..=0xF8FF
            | 0xFE30..=0xFE4F
            | 0xFF01..=0xFF0F
            | 0xFF1A..=0xFF20
            | 0xFF3B..=0xFF40
            | 0xFF5B..=0xFF65
            | 0xFFF0..=0xFFFF
            | 0x1F000..=0x1FAFF
    )
}

/// Characters that make up the body of a word: letters and digits of any
/// script, plus combining marks and other non-ASCII characters that are not
/// symbols (so Arabic, Devanagari or Thai words stay whole).
pub(crate) fn is_core(c: char) -> bool {
    c.is_alphanumeric()
        || (!c.is_ascii()
            && !c.is_whitespace()
            && !c.is_control()
            && !is_symbol(c)
            && !is_joiner(c)
            && !is_ignorable(c))
}
