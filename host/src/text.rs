//! Text from outside (a plugin's error, a parser's message quoting the
//! input) made safe to show in one log line, event or error: no control
//! characters, bounded length.

/// `text` on one line: control characters become spaces, at most
/// `max_chars` characters (an ellipsis marks a cut), trimmed.
pub fn one_line(text: &str, max_chars: usize) -> String {
    let mut line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max_chars)
        .collect();
    if text.chars().nth(max_chars).is_some() {
        line.push('…');
    }
    line.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn controls_become_spaces_and_length_is_bounded() {
        assert_eq!(one_line("a\nb\r\tc\u{1}", 100), "a b  c");
        assert_eq!(
            one_line(&"x".repeat(500), 10),
            format!("{}…", "x".repeat(10))
        );
        assert_eq!(one_line("  short  ", 10), "short");
    }
}
