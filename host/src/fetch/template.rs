//! Filling a plugin's URL template with an account's values.
//!
//! Plugins never see credentials: they return templates such as
//! `{server}/live/{username}/{password}/{key}.ts` and the host fills them here,
//! right before a request, percent-encoding the user name and password. A
//! filled URL must stay on an origin the host allows for the account (its
//! server's, by default), so a plugin cannot send credentials elsewhere.
//! Request bodies ([`fill_body`]) are filled the same way, each value escaped
//! for the body's kind; camera stream URLs ([`fill_stream`]) may use another
//! scheme (rtsp, rtsps) and port but must stay on the server's host.

use crate::model::BodyTemplate;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use url::Url;

/// Characters left as they are in an encoded value (RFC 3986 unreserved).
const VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// What a template may be filled with.
#[derive(Clone)]
pub struct Fill<'a> {
    /// The account's server URL, no trailing slash (`{server}`).
    pub server: &'a str,
    /// The account URL as given (`{url}`).
    pub url: &'a str,
    /// The account's user name (`{username}`), percent-encoded when filled.
    pub username: &'a str,
    /// The account's password (`{password}`), percent-encoded when filled.
    pub password: &'a str,
    /// Origins besides the server's that this account's URLs may use
    /// (as read by the host itself, e.g. CDN hosts in a playlist).
    pub extra_origins: &'a [String],
}

impl std::fmt::Debug for Fill<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fill")
            .field("server", &self.server)
            .field("username", &"<hidden>")
            .field("password", &"<hidden>")
            .finish()
    }
}

/// Why a template could not be used. Never contains a filled value.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum TemplateError {
    /// A `{...}` other than `server`, `host`, `url`, `username`, `password`:
    /// the template, then the name (cut to 40 characters).
    #[error("URL template `{0}` names an unknown placeholder `{{{1}}}`")]
    UnknownPlaceholder(String, String),
    /// A `{` without its `}`: the template.
    #[error("URL template `{0}` has an unclosed `{{`")]
    Unclosed(String),
    /// Filled, it is not an http(s) URL with a host: the template.
    #[error("URL template `{0}` does not make a valid http(s) URL")]
    NotHttp(String),
    /// Filled, it points to an origin the account does not allow: the
    /// template, then the server's origin.
    #[error("URL template `{0}` points away from the account's server ({1}); refused")]
    ForeignOrigin(String, String),
    /// A camera stream template that, filled, is not an rtsp(s) URL with a
    /// host: the template.
    #[error("stream URL template `{0}` does not make a valid rtsp:// or rtsps:// URL")]
    NotRtsp(String),
    /// A camera stream template on another host than the controller's: the
    /// template, then the controller's host.
    #[error(
        "stream URL template `{0}` points away from the controller's host ({1}); refused \
         (a camera stream must be on the controller itself, any port)"
    )]
    ForeignHost(String, String),
    /// A body template that, filled, is too large or not what its kind says:
    /// the request's URL template, then why.
    #[error("the body of request `{0}` {1}")]
    Body(String, String),
}

/// `scheme://host:port` of a URL, the unit of trust.
pub fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// The server's host name or IP literal (`{host}`): what camera stream URLs
/// on the controller's machine are built from. Empty when the server is not a URL.
pub fn server_host(with: &Fill<'_>) -> String {
    Url::parse(with.server)
        .or_else(|_| Url::parse(with.url))
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default()
}

/// The value of placeholder `name` as it goes into a URL, or `None` when the
/// contract names no such placeholder.
fn url_value(name: &str, with: &Fill<'_>, out: &mut String) -> Option<()> {
    match name {
        "server" => out.push_str(with.server.trim_end_matches('/')),
        "host" => out.push_str(&server_host(with)),
        "url" => out.push_str(with.url),
        "username" => out.extend(utf8_percent_encode(with.username, VALUE)),
        "password" => out.extend(utf8_percent_encode(with.password, VALUE)),
        _ => return None,
    }
    Some(())
}

/// Replaces every placeholder of a URL template, without judging the result.
fn substitute(template: &str, with: &Fill<'_>) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let end = after
            .find('}')
            .ok_or_else(|| TemplateError::Unclosed(template.to_string()))?;
        let name = &after[..end];
        url_value(name, with, &mut out).ok_or_else(|| {
            TemplateError::UnknownPlaceholder(template.to_string(), name.chars().take(40).collect())
        })?;
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Fills `template` and checks where it points. The error names the template only.
pub fn fill(template: &str, with: &Fill<'_>) -> Result<Url, TemplateError> {
    let out = substitute(template, with)?;
    let url = Url::parse(&out).map_err(|_| TemplateError::NotHttp(template.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(TemplateError::NotHttp(template.to_string()));
    }
    let server = Url::parse(with.server)
        .or_else(|_| Url::parse(with.url))
        .map(|u| origin(&u))
        .unwrap_or_default();
    let target = origin(&url);
    if target != server && !with.extra_origins.contains(&target) {
        return Err(TemplateError::ForeignOrigin(template.to_string(), server));
    }
    Ok(url)
}

/// Fills a camera stream template and checks it: an `rtsp` or `rtsps` URL
/// whose host is the server's (any port). The error names the template only.
pub fn fill_stream(template: &str, with: &Fill<'_>) -> Result<Url, TemplateError> {
    let out = substitute(template, with)?;
    let not_rtsp = || TemplateError::NotRtsp(template.to_string());
    let url = Url::parse(&out).map_err(|_| not_rtsp())?;
    if !matches!(url.scheme(), "rtsp" | "rtsps") {
        return Err(not_rtsp());
    }
    let Some(host) = url.host_str().filter(|h| !h.is_empty()) else {
        return Err(not_rtsp());
    };
    let server = server_host(with);
    if server.is_empty() || !same_host(host, &server) {
        return Err(TemplateError::ForeignHost(template.to_string(), server));
    }
    Ok(url)
}

/// Whether two hosts name the same machine as written: IP literals compared
/// as addresses, names case-insensitively (`rtsp:` URLs keep hosts as written).
fn same_host(a: &str, b: &str) -> bool {
    let bare = |h: &str| {
        h.trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase()
    };
    let (a, b) = (bare(a), bare(b));
    match (a.parse::<std::net::IpAddr>(), b.parse::<std::net::IpAddr>()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Bodies larger than this, filled, are refused.
pub const MAX_BODY: usize = 64 * 1024;

/// Fills a request body: JSON bodies get each value JSON-escaped (without
/// quotes), form bodies percent-encoded. Only `{name}` with a lower-case
/// name is a placeholder; other braces (JSON objects) stay as they are.
/// Returns the content type and the bytes; `request` (the URL template)
/// names the request in errors, which never hold a filled value.
pub fn fill_body(
    body: &BodyTemplate,
    request: &str,
    with: &Fill<'_>,
) -> Result<(&'static str, Vec<u8>), TemplateError> {
    let (kind, text) = match body {
        BodyTemplate::Json(text) => ("application/json", text),
        BodyTemplate::Form(text) => ("application/x-www-form-urlencoded", text),
    };
    let json = matches!(body, BodyTemplate::Json(_));
    let escape = |value: &str, out: &mut String| {
        if json {
            let quoted = serde_json::Value::from(value).to_string();
            out.push_str(&quoted[1..quoted.len() - 1]);
        } else {
            out.extend(utf8_percent_encode(value, VALUE));
        }
    };
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text.as_str();
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let name_len = after
            .bytes()
            .take_while(|b| b.is_ascii_lowercase() || *b == b'-' || *b == b'_')
            .count();
        if name_len == 0 || after.as_bytes().get(name_len) != Some(&b'}') {
            out.push('{');
            rest = after;
            continue;
        }
        let name = &after[..name_len];
        let host = server_host(with);
        let value = match name {
            "server" => with.server.trim_end_matches('/'),
            "host" => host.as_str(),
            "url" => with.url,
            "username" => with.username,
            "password" => with.password,
            other => {
                return Err(TemplateError::UnknownPlaceholder(
                    request.to_string(),
                    other.chars().take(40).collect(),
                ))
            }
        };
        escape(value, &mut out);
        rest = &after[name_len + 1..];
    }
    out.push_str(rest);
    if out.len() > MAX_BODY {
        return Err(TemplateError::Body(
            request.to_string(),
            format!("is larger than {} KiB once filled", MAX_BODY / 1024),
        ));
    }
    if json && serde_json::from_str::<serde::de::IgnoredAny>(&out).is_err() {
        return Err(TemplateError::Body(
            request.to_string(),
            "is not valid JSON once filled (placeholders belong inside string literals)".into(),
        ));
    }
    Ok((kind, out.into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account() -> Fill<'static> {
        Fill {
            server: "http://panel.example:8080",
            url: "http://panel.example:8080/get.php",
            username: "al ice",
            password: "p@ss/w?rd&x=1#",
            extra_origins: &[],
        }
    }

    #[test]
    fn fills_and_percent_encodes_credentials() {
        let url = fill("{server}/live/{username}/{password}/42.ts", &account()).unwrap();
        assert_eq!(
            url.as_str(),
            "http://panel.example:8080/live/al%20ice/p%40ss%2Fw%3Frd%26x%3D1%23/42.ts"
        );
    }

    #[test]
    fn refuses_a_foreign_origin_and_hides_the_secret() {
        let err = fill("http://evil.example/?p={password}", &account()).unwrap_err();
        assert!(matches!(err, TemplateError::ForeignOrigin(..)));
        assert!(!err.to_string().contains("p@ss"));
        // Same host, other port: a different origin.
        assert!(fill("http://panel.example:9999/{password}", &account()).is_err());
        // userinfo tricks do not change the origin check.
        assert!(fill(
            "http://panel.example:8080@evil.example/{password}",
            &account()
        )
        .is_err());
    }

    #[test]
    fn allows_origins_the_host_vouched_for() {
        let extra = vec!["http://cdn.example".to_string()];
        let with = Fill {
            extra_origins: &extra,
            ..account()
        };
        assert!(fill("http://cdn.example/x/{username}.ts", &with).is_ok());
    }

    #[test]
    fn stream_urls_stay_on_the_servers_host_any_port() {
        let with = account();
        let url = fill_stream("rtsp://{host}:7447/abc", &with).unwrap();
        assert_eq!(url.as_str(), "rtsp://panel.example:7447/abc");
        let url = fill_stream("rtsps://{username}:{password}@PANEL.example/s1", &with).unwrap();
        assert_eq!(url.password(), Some("p%40ss%2Fw%3Frd%26x%3D1%23"));
        for foreign in [
            "rtsp://evil.example:7447/abc",
            "rtsp://panel.example@evil.example/{password}",
            "rtsp://panel.example.evil.example/x",
        ] {
            let err = fill_stream(foreign, &with).unwrap_err();
            assert!(matches!(err, TemplateError::ForeignHost(..)), "{foreign}");
            assert!(err.to_string().contains(foreign) && !err.to_string().contains("p@ss"));
        }
        for not_rtsp in [
            "http://{host}/x",
            "{server}/x",
            "rtsp:///x",
            "file:///etc/passwd",
        ] {
            assert!(
                matches!(fill_stream(not_rtsp, &with), Err(TemplateError::NotRtsp(_))),
                "{not_rtsp}"
            );
        }
        let ip = Fill {
            server: "http://127.0.0.1:9000",
            ..account()
        };
        assert!(fill_stream("rtsp://127.0.0.1:8554/cam", &ip).is_ok());
        assert!(fill_stream("rtsp://127.0.0.2:8554/cam", &ip).is_err());
    }

    #[test]
    fn bodies_are_filled_escaped_for_their_kind() {
        let with = Fill {
            password: "p\"a\\ss{x}",
            ..account()
        };
        let json =
            BodyTemplate::Json(r#"{"username":"{username}","password":"{password}"}"#.into());
        let (kind, bytes) = fill_body(&json, "{server}/login", &with).unwrap();
        assert_eq!(kind, "application/json");
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(value["username"], "al ice");
        assert_eq!(value["password"], "p\"a\\ss{x}");

        let form = BodyTemplate::Form("user={username}&pass={password}".into());
        let (kind, bytes) = fill_body(&form, "{server}/login", &with).unwrap();
        assert_eq!(kind, "application/x-www-form-urlencoded");
        assert_eq!(bytes, b"user=al%20ice&pass=p%22a%5Css%7Bx%7D");

        let typo = BodyTemplate::Json(r#"{"p":"{pasword}"}"#.into());
        assert!(matches!(
            fill_body(&typo, "{server}/login", &with),
            Err(TemplateError::UnknownPlaceholder(..))
        ));
        // A placeholder outside a string literal makes no JSON: refused, secret unshown.
        let bare = BodyTemplate::Json(r#"{"p":{password}}"#.into());
        let err = fill_body(&bare, "{server}/login", &with).unwrap_err();
        assert!(matches!(err, TemplateError::Body(..)));
        assert!(!err.to_string().contains("ss{x}"));
    }

    #[test]
    fn rejects_unknown_placeholders_and_non_http() {
        assert!(matches!(
            fill("{server}/{token}", &account()),
            Err(TemplateError::UnknownPlaceholder(..))
        ));
        assert!(matches!(
            fill("{server}/{user", &account()),
            Err(TemplateError::Unclosed(_))
        ));
        assert!(matches!(
            fill("file:///etc/passwd", &account()),
            Err(TemplateError::NotHttp(_))
        ));
    }
}
