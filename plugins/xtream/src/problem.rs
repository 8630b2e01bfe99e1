//! One-line, human messages for what went wrong with a panel's answer. They
//! never carry more than a short excerpt of the body and never a URL; the
//! wording every adapter shares lives in the kit.

use serde_json::error::Category;
use streamforge_plugin_kit::problem::{describe, Server};

pub(crate) use streamforge_plugin_kit::problem::excerpt;

/// An Xtream panel, as messages name it.
const PANEL: Server = Server {
    name: "the panel",
    not_found:
        "the panel has no player API at this address, or refused these credentials (HTTP 404)",
};

/// An error for an HTTP status that is not a success, or `Ok` for 2xx.
pub(crate) fn check_status(status: u16) -> Result<(), String> {
    PANEL.check_status(status)
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
}
