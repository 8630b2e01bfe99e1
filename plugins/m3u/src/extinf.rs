//! Reads one `#EXTINF` line: duration, `key="value"` attributes in any order
//! and quoting, and the display name after them.

/// What an `#EXTINF` line says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extinf<'a> {
    /// Attributes as written (`tvg-id`, `group-title`, ...), in line order.
    pub attrs: Vec<(&'a str, &'a str)>,
    /// The display name: the text after the comma that ends the attributes.
    pub title: &'a str,
}

impl<'a> Extinf<'a> {
    /// The trimmed, non-empty value of attribute `key` (any case).
    pub fn attr(&self, key: &str) -> Option<&'a str> {
        self.attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }
}

/// Parses the text of an `#EXTINF:` line after the colon. Attribute values
/// may be double-quoted, single-quoted or bare; quoted values may hold commas.
/// The name is everything after the first comma outside quotes, so a name
/// with commas of its own stays whole.
pub fn parse_extinf(rest: &str) -> Extinf<'_> {
    let b = rest.as_bytes();
    let mut info = Extinf::default();
    let mut i = skip_ws(b, 0);
    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b',' {
        i += 1; // the duration, "-1" or "0" or "12.5"
    }
    loop {
        i = skip_ws(b, i);
        if i >= b.len() {
            return info;
        }
        if b[i] == b',' {
            info.title = rest[i + 1..].trim();
            return info;
        }
        let key_start = i;
        while i < b.len() && b[i] != b'=' && b[i] != b',' && !b[i].is_ascii_whitespace() {
            i += 1;
        }
        let key = &rest[key_start..i];
        if i >= b.len() || b[i] != b'=' {
            continue; // a bare word: ignored
        }
        i += 1;
        if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
            let quote = b[i];
            let start = i + 1;
            match b[start..].iter().position(|&c| c == quote) {
                Some(len) => {
                    info.attrs.push((key, &rest[start..start + len]));
                    i = start + len + 1;
                }
                None => {
                    // Unterminated quote: the value runs to the last comma.
                    match rest[start..].rfind(',') {
                        Some(comma) => {
                            info.attrs.push((key, &rest[start..start + comma]));
                            info.title = rest[start + comma + 1..].trim();
                        }
                        None => info.attrs.push((key, &rest[start..])),
                    }
                    return info;
                }
            }
        } else {
            let start = i;
            while i < b.len() && b[i] != b',' && !b[i].is_ascii_whitespace() {
                i += 1;
            }
            info.attrs.push((key, &rest[start..i]));
        }
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_quoted_attributes() {
        let e = parse_extinf(
            r#"-1 tvg-id="bbc1.uk" tvg-name='BBC One' group-title=UK tvg-chno="101",BBC One HD"#,
        );
        assert_eq!(e.attr("tvg-id"), Some("bbc1.uk"));
        assert_eq!(e.attr("TVG-NAME"), Some("BBC One"));
        assert_eq!(e.attr("group-title"), Some("UK"));
        assert_eq!(e.attr("tvg-chno"), Some("101"));
        assert_eq!(e.title, "BBC One HD");
    }

    #[test]
    fn commas_inside_quotes_and_in_the_name() {
        let e =
            parse_extinf(r#"-1 tvg-name="News, Weather" group-title="A, B",CNN, International"#);
        assert_eq!(e.attr("tvg-name"), Some("News, Weather"));
        assert_eq!(e.attr("group-title"), Some("A, B"));
        assert_eq!(e.title, "CNN, International");
    }

    #[test]
    fn odd_lines() {
        assert_eq!(parse_extinf("-1,Simple").title, "Simple");
        assert_eq!(parse_extinf("0 ,  Spaced  ").title, "Spaced");
        assert_eq!(parse_extinf("-1 tvg-id=\"x\"").title, "");
        assert_eq!(parse_extinf("").title, "");
        let e = parse_extinf(r#"-1 tvg-name="Broken,Name"#);
        assert_eq!((e.attr("tvg-name"), e.title), (Some("Broken"), "Name"));
        let e = parse_extinf(r#"-1 junk tvg-id=x= =y ,Name"#);
        assert_eq!(e.title, "Name");
        assert_eq!(parse_extinf("-1 tvg-logo=\"\",X").attr("tvg-logo"), None);
    }
}
