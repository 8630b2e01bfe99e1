//! One-line, human messages for what went wrong with a panel's answer. They
//! never carry more than a short excerpt of the body and never a URL.

use serde_json::error::Category;

/// Longest excerpt of a body a message may quote.
const EXCERPT_CHARS: usize = 80;
/// How much of a body is looked at to describe it.
const LOOK_BYTES: usize = 4096;

/// An error for an HTTP status that is not a success, or `Ok` for 2xx.
pub(crate) fn check_status(status: u16) -> Result<(), String> {
    Err(match status {
        200..=299 => return Ok(()),
        401 | 403 => format!("the panel refused these credentials (HTTP {status})"),
        404 => {
            "the panel has no player API at this address, or refused these credentials (HTTP 404)"
                .to_string()
        }
        429 => "the panel is limiting requests (HTTP 429); try again later".to_string(),
        458 | 509 | 512 | 884 => format!("the panel reports too many connections (HTTP {status})"),
        500..=599 => format!("the panel failed with a server error (HTTP {status})"),
        _ => format!("the panel answered HTTP {status}"),
    })
}

/// Describes why a body could not be read as JSON.
pub(crate) fn json_problem(error: &serde_json::Error, text: &str) -> String {
    let start = text.trim_start();
    if error.classify() == Category::Eof {
        return "the panel's answer is cut off (incomplete JSON)".to_string();
    }
    if start.starts_with(['{', '[']) {
        return format!("the panel answered with malformed JSON ({error})");
    }
    format!(
        "the panel answered with something that is not JSON: {}",
        describe(start)
    )
}

/// A short description of a body: an HTML page by its title, else an excerpt.
pub(crate) fn describe(text: &str) -> String {
    let head = prefix(text, LOOK_BYTES);
    let lower = head.to_ascii_lowercase();
    if lower.trim_start().starts_with('<') || lower.contains("<html") {
        return match html_title(head, &lower) {
            Some(title) => format!("an HTML page titled \"{title}\""),
            None => "an HTML page".to_string(),
        };
    }
    format!("\"{}\"", excerpt(head))
}

/// The text of `<title>` in an HTML head, as an excerpt.
fn html_title(head: &str, lower: &str) -> Option<String> {
    let open = lower.find("<title")?;
    let body = open + lower[open..].find('>')? + 1;
    let end = body + lower[body..].find("</title")?;
    let title = excerpt(&head[body..end]);
    (!title.is_empty()).then_some(title)
}

/// Up to [`EXCERPT_CHARS`] characters of `text`, on one line, with URLs hidden.
pub(crate) fn excerpt(text: &str) -> String {
    let mut words: Vec<&str> = Vec::new();
    let mut len = 0;
    for word in prefix(text, LOOK_BYTES).split(|c: char| c.is_whitespace() || c.is_control()) {
        if word.is_empty() {
            continue;
        }
        let word = if word.contains("://") { "<url>" } else { word };
        len += word.chars().count() + 1;
        words.push(word);
        if len > EXCERPT_CHARS {
            break;
        }
    }
    let line = words.join(" ");
    if line.chars().count() <= EXCERPT_CHARS {
        return line;
    }
    let mut short: String = line.chars().take(EXCERPT_CHARS - 1).collect();
    short.push('…');
    short
}

/// At most `max` bytes of `text`, cut on a character boundary.
fn prefix(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        assert!(check_status(200).is_ok());
        assert_eq!(
            check_status(401).unwrap_err(),
            "the panel refused these credentials (HTTP 401)"
        );
        assert!(check_status(404).unwrap_err().contains("HTTP 404"));
        assert!(check_status(503).unwrap_err().contains("server error"));
    }

    #[test]
    fn html_pages_by_title() {
        let page =
            "<!DOCTYPE html><html><head><title> 403 Forbidden </title></head><body>x</body></html>";
        assert_eq!(describe(page), "an HTML page titled \"403 Forbidden\"");
        assert_eq!(describe("<html><body>nope</body></html>"), "an HTML page");
    }

    #[test]
    fn excerpts_are_short_and_hide_urls() {
        let long = "error ".repeat(100);
        assert!(excerpt(&long).chars().count() <= EXCERPT_CHARS);
        assert_eq!(
            excerpt("go to http://panel.example/x?u={username} now"),
            "go to <url> now"
        );
        assert_eq!(excerpt("ünïcödé\n\tline"), "ünïcödé line");
    }
}
