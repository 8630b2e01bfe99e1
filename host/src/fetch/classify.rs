//! Turning a reqwest error into a [`FetchError`] that names only the template
//! and `host:port`.

use std::error::Error as _;

use url::Url;

use super::{FetchError, Scrubber};

/// `host:port` of a URL, what errors may show (never path or query).
pub(super) fn host_port(url: &Url) -> String {
    let host = url.host_str().unwrap_or("?");
    match url.port_or_known_default() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

/// Classifies a failed request or body read. The URL is stripped first and
/// any detail text is scrubbed and cut to one short line.
pub(super) fn classify(
    err: reqwest::Error,
    template: &str,
    at: &str,
    connect_timeout: f64,
    scrubber: &Scrubber,
    account: &str,
) -> FetchError {
    let err = err.without_url();
    let (template, at) = (template.to_string(), at.to_string());
    if let Some(problem) = super::certificate_problem(&err) {
        return FetchError::Untrusted {
            template,
            at,
            account: account.to_string(),
            problem,
        };
    }
    let chain = chain_text(&err);
    let detail = detail(&err, scrubber);
    if err.is_connect() {
        if err.is_timeout() {
            return FetchError::ConnectTimeout {
                template,
                at,
                secs: connect_timeout,
            };
        }
        if refused(&err) {
            return FetchError::Refused { template, at };
        }
        if chain.contains("dns error") {
            return FetchError::Dns { template, at };
        }
        if is_tls(&chain) {
            return FetchError::Tls {
                template,
                at,
                detail,
            };
        }
        return FetchError::Connect {
            template,
            at,
            detail,
        };
    }
    if is_tls(&chain) {
        return FetchError::Tls {
            template,
            at,
            detail,
        };
    }
    FetchError::Http {
        template,
        at,
        detail,
    }
}

fn refused(err: &reqwest::Error) -> bool {
    let mut source = err.source();
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::ConnectionRefused {
                return true;
            }
        }
        source = e.source();
    }
    false
}

fn chain_text(err: &reqwest::Error) -> String {
    let mut text = String::new();
    let mut source = err.source();
    while let Some(e) = source {
        text.push_str(&e.to_string().to_ascii_lowercase());
        text.push('\n');
        source = e.source();
    }
    text
}

fn is_tls(chain: &str) -> bool {
    [
        "tls",
        "certificate",
        "handshake",
        "invalidcontenttype",
        "corrupt message",
    ]
    .iter()
    .any(|w| chain.contains(w))
}

/// The innermost cause, scrubbed, on one line of at most 160 characters.
fn detail(err: &reqwest::Error, scrubber: &Scrubber) -> String {
    let mut inner: &dyn std::error::Error = err;
    while let Some(next) = inner.source() {
        inner = next;
    }
    let text = inner.to_string();
    let text = scrubber.scrub_str(&text);
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    one_line.chars().take(160).collect()
}
