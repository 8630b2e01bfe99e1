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

/// A byte count as people read it: `94 MB`, `1.5 MB`, `512 kB`, `7 B`
/// (decimal units, whole above 10).
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "kB", "MB", "GB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    match unit {
        0 => format!("{bytes} B"),
        _ if value >= 10.0 => format!("{value:.0} {}", UNITS[unit]),
        _ => format!("{value:.1} {}", UNITS[unit]),
    }
}

#[cfg(test)]
mod tests {
    use super::{one_line, size};

    #[test]
    fn sizes_read_as_people_count_them() {
        assert_eq!(size(7), "7 B");
        assert_eq!(size(1_500_000), "1.5 MB");
        assert_eq!(size(94_400_000), "94 MB");
        assert_eq!(size(100_000_000), "100 MB");
        assert_eq!(size(2_000_000_000), "2.0 GB");
    }

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
