//! One-line, human messages for what went wrong with a playlist answer. They
//! never carry more than a short excerpt of the body and never a URL; the
//! wording every adapter shares lives in the kit.

use streamforge_plugin_kit::problem::{describe, Server};

/// A playlist server, as messages name it.
const PLAYLIST_SERVER: Server = Server {
    name: "the playlist server",
    not_found: "the playlist server has no playlist at this address (HTTP 404)",
};

/// An error for an HTTP status that is not a success, or `Ok` for 2xx.
pub(crate) fn check_status(status: u16) -> Result<(), String> {
    PLAYLIST_SERVER.check_status(status)
}

/// Why a body is not an M3U playlist, in one line.
pub(crate) fn not_a_playlist(text: &str) -> String {
    let start = text.trim_start();
    if start.is_empty() {
        return "the playlist is empty".to_string();
    }
    if start.starts_with(['{', '[']) {
        return "the playlist URL answered with JSON, not an M3U playlist".to_string();
    }
    format!(
        "the playlist URL answered with {}, not an M3U playlist",
        describe(start)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        assert!(check_status(200).is_ok());
        assert_eq!(
            check_status(401).unwrap_err(),
            "the playlist server refused these credentials (HTTP 401)"
        );
        assert!(check_status(404).unwrap_err().contains("HTTP 404"));
        assert!(check_status(503).unwrap_err().contains("server error"));
    }
}
