//! Request headers from a plugin, and response headers back to it.

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use super::{AccountAccess, FetchError, Scrubber};
use crate::model::HttpRequest;

/// A header ready to send, and whether it must stay on the account's origin.
#[derive(Clone)]
pub(crate) struct RequestHeader {
    pub name: HeaderName,
    pub value: HeaderValue,
    /// Carries a credential: not sent after a redirect to another origin.
    pub sensitive: bool,
}

/// Headers the HTTP layer owns; a plugin may not set them.
const RESERVED: &[&str] = &[
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "upgrade",
    "te",
    "trailer",
    "proxy-authorization",
    "proxy-connection",
];

/// Whether the HTTP layer owns the header `name_lc` (lower case).
pub(crate) fn is_reserved(name_lc: &str) -> bool {
    RESERVED.contains(&name_lc)
}

/// Credentials by nature, whatever their value says.
const ALWAYS_SENSITIVE: &[&str] = &["authorization", "cookie"];

/// Response headers a plugin never gets (session tokens it cannot use).
const WITHHELD: &[&str] = &["set-cookie", "set-cookie2"];

/// Fills the placeholders of every header value. Values are inserted as they
/// are (a header is not a URL, so no percent-encoding).
pub(crate) fn prepare(
    request: &HttpRequest,
    access: &AccountAccess<'_>,
) -> Result<Vec<RequestHeader>, FetchError> {
    let refuse = |name: &str, reason: String| FetchError::Header {
        template: request.url_template.clone(),
        name: name.chars().take(64).collect(),
        reason,
    };
    request
        .headers
        .iter()
        .map(|(name, value)| {
            let name_lc = name.to_ascii_lowercase();
            if is_reserved(&name_lc) {
                return Err(refuse(name, "is set by the host".into()));
            }
            let name = HeaderName::from_bytes(name_lc.as_bytes())
                .map_err(|_| refuse(name, "is not a valid header name".into()))?;
            let (filled, has_secret) =
                fill_value(value, access).map_err(|r| refuse(name.as_str(), r))?;
            let mut value = HeaderValue::from_str(&filled).map_err(|_| {
                refuse(
                    name.as_str(),
                    "has a value that is not a valid header value".into(),
                )
            })?;
            let sensitive = has_secret || ALWAYS_SENSITIVE.contains(&name.as_str());
            value.set_sensitive(sensitive);
            Ok(RequestHeader {
                name,
                value,
                sensitive,
            })
        })
        .collect()
}

/// The same placeholders as URL templates; returns the value and whether a
/// credential went into it. The error never contains a filled value.
fn fill_value(template: &str, access: &AccountAccess<'_>) -> Result<(String, bool), String> {
    let mut out = String::with_capacity(template.len());
    let mut has_secret = false;
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let end = after.find('}').ok_or("has an unclosed `{`")?;
        match &after[..end] {
            "server" => out.push_str(access.server.trim_end_matches('/')),
            "host" => out.push_str(&crate::fetch::template::server_host(&access.fill())),
            "url" => out.push_str(access.url),
            "username" => {
                has_secret = true;
                out.push_str(access.username)
            }
            "password" => {
                has_secret = true;
                out.push_str(access.password.expose())
            }
            other => {
                let other: String = other.chars().take(40).collect();
                return Err(format!("names an unknown placeholder `{{{other}}}`"));
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok((out, has_secret))
}

/// Response headers as a plugin may see them: cookies withheld, credentials
/// replaced by placeholders, values read as (lossy) UTF-8.
pub(super) fn for_plugin(headers: &HeaderMap, scrubber: &Scrubber) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(name, _)| !WITHHELD.contains(&name.as_str()))
        .map(|(name, value)| {
            let text = String::from_utf8_lossy(&scrubber.scrub(value.as_bytes())).into_owned();
            (name.as_str().to_string(), text)
        })
        .collect()
}
