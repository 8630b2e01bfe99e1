//! Filling a plugin's URL template with an account's values.
//!
//! Plugins never see credentials: they return templates such as
//! `{server}/live/{username}/{password}/{key}.ts` and the host fills them here,
//! right before a request, percent-encoding the user name and password. A
//! filled URL must stay on an origin the host allows for the account (its
//! server's, by default), so a plugin cannot send credentials elsewhere.

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
    /// A `{...}` other than `server`, `url`, `username`, `password`: the
    /// template, then the name (cut to 40 characters).
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
}

/// `scheme://host:port` of a URL, the unit of trust.
pub fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// Fills `template` and checks where it points. The error names the template only.
pub fn fill(template: &str, with: &Fill<'_>) -> Result<Url, TemplateError> {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let end = after
            .find('}')
            .ok_or_else(|| TemplateError::Unclosed(template.to_string()))?;
        let name = &after[..end];
        match name {
            "server" => out.push_str(with.server.trim_end_matches('/')),
            "url" => out.push_str(with.url),
            "username" => out.extend(utf8_percent_encode(with.username, VALUE)),
            "password" => out.extend(utf8_percent_encode(with.password, VALUE)),
            other => {
                return Err(TemplateError::UnknownPlaceholder(
                    template.to_string(),
                    other.chars().take(40).collect(),
                ))
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);

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
