//! One-line, human messages for what went wrong with a provider's answer.
//! They never carry more than a short excerpt of the body and never a URL.

/// Longest excerpt of a body a message may quote.
pub const EXCERPT_CHARS: usize = 80;
/// How much of a body is looked at to describe it.
const LOOK_BYTES: usize = 4096;

/// Who answered, in the words a message uses, so each adapter words HTTP
/// failures for its own kind of server with one shared table of statuses.
#[derive(Debug, Clone, Copy)]
pub struct Server {
    /// How messages name the server: "the panel", "the playlist server".
    pub name: &'static str,
    /// The whole message for HTTP 404, whose likely cause differs per provider.
    pub not_found: &'static str,
}

impl Server {
    /// An error for an HTTP status that is not a success, or `Ok` for 2xx.
    pub fn check_status(&self, status: u16) -> Result<(), String> {
        let name = self.name;
        Err(match status {
            200..=299 => return Ok(()),
            401 | 403 => format!("{name} refused these credentials (HTTP {status})"),
            404 => self.not_found.to_string(),
            429 => format!("{name} is limiting requests (HTTP 429); try again later"),
            458 | 509 | 512 | 884 => {
                format!("{name} reports too many connections (HTTP {status})")
            }
            500..=599 => format!("{name} failed with a server error (HTTP {status})"),
            _ => format!("{name} answered HTTP {status}"),
        })
    }
}

/// A short description of a body: an HTML page by its title, else an excerpt;
/// what a message quotes when an answer is not what was asked for.
pub fn describe(text: &str) -> String {
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

/// Up to [`EXCERPT_CHARS`] characters of `text`, on one line, with URLs
/// hidden, so a message can quote a provider without leaking addresses.
pub fn excerpt(text: &str) -> String {
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

    const SERVER: Server = Server {
        name: "the server",
        not_found: "nothing here (HTTP 404)",
    };

    #[test]
    fn statuses() {
        assert!(SERVER.check_status(200).is_ok());
        assert!(SERVER.check_status(299).is_ok());
        for (status, message) in [
            (401, "the server refused these credentials (HTTP 401)"),
            (403, "the server refused these credentials (HTTP 403)"),
            (404, "nothing here (HTTP 404)"),
            (
                429,
                "the server is limiting requests (HTTP 429); try again later",
            ),
            (884, "the server reports too many connections (HTTP 884)"),
            (503, "the server failed with a server error (HTTP 503)"),
            (302, "the server answered HTTP 302"),
        ] {
            assert_eq!(SERVER.check_status(status).unwrap_err(), message);
        }
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
