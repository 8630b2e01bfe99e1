//! The cookies an account's server sets during one run of requests (a
//! camera controller's login, then its bootstrap). Cookies are session
//! secrets: plugins never see `set-cookie`; the host keeps them here and
//! sends them back with the run's later requests to the same origin.

use std::fmt;

use reqwest::header::{HeaderMap, HeaderValue, SET_COOKIE};
use zeroize::Zeroizing;

/// Most cookies one run keeps.
const MAX_COOKIES: usize = 32;
/// Longest `name=value` kept, in bytes.
const MAX_COOKIE: usize = 4096;

/// Cookies set by one account's server during one run. It exists so a login
/// cookie reaches the next request without passing through a plugin. Its
/// `Debug` shows cookie names only.
#[derive(Default, Clone)]
pub struct CookieJar {
    /// The origin (`scheme://host:port`) the jar belongs to: the first one
    /// that set a cookie. Cookies of other origins are neither kept nor sent.
    origin: Option<String>,
    /// `(name, value)`, in the order first set.
    cookies: Vec<(String, Zeroizing<String>)>,
}

impl fmt::Debug for CookieJar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.cookies.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("CookieJar")
            .field("origin", &self.origin)
            .field("names", &names)
            .finish()
    }
}

impl CookieJar {
    /// An empty jar, for one run.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many cookies the jar holds.
    pub fn len(&self) -> usize {
        self.cookies.len()
    }

    /// Whether the jar holds no cookie.
    pub fn is_empty(&self) -> bool {
        self.cookies.is_empty()
    }

    /// Keeps every `set-cookie` of a response from the account's origin: a
    /// cookie replaces one of the same name; an empty value or `Max-Age=0`
    /// removes it. Attributes (path, domain, expiry) are not kept: the jar
    /// lives for one run and only ever talks to one origin.
    pub(super) fn store(&mut self, origin: &str, headers: &HeaderMap) {
        if !headers.contains_key(SET_COOKIE) {
            return;
        }
        match &self.origin {
            Some(own) if own != origin => return,
            Some(_) => {}
            None => self.origin = Some(origin.to_string()),
        }
        for value in headers.get_all(SET_COOKIE) {
            let Ok(text) = value.to_str() else { continue };
            let mut parts = text.split(';');
            let Some((name, value)) = parts.next().and_then(|p| p.split_once('=')) else {
                continue;
            };
            let (name, value) = (name.trim(), value.trim());
            if name.is_empty() || name.len() + value.len() + 1 > MAX_COOKIE {
                continue;
            }
            let expired = parts.any(|a| {
                let a = a.trim().to_ascii_lowercase();
                a == "max-age=0" || a.starts_with("max-age=-")
            });
            self.cookies.retain(|(n, _)| n != name);
            if !expired && !value.is_empty() && self.cookies.len() < MAX_COOKIES {
                self.cookies
                    .push((name.to_string(), Zeroizing::new(value.to_string())));
            }
        }
    }

    /// The `cookie` header for a request to `origin` (none unless it is the
    /// jar's), joined after the plugin's own `cookie` value if it set one.
    pub(super) fn header(&self, origin: &str, own: Option<&HeaderValue>) -> Option<HeaderValue> {
        if self.cookies.is_empty() || self.origin.as_deref() != Some(origin) {
            return None;
        }
        let mut text = Zeroizing::new(String::new());
        if let Some(own) = own.and_then(|v| v.to_str().ok()) {
            text.push_str(own);
        }
        for (name, value) in &self.cookies {
            if !text.is_empty() {
                text.push_str("; ");
            }
            text.push_str(name);
            text.push('=');
            text.push_str(value);
        }
        let mut value = HeaderValue::from_str(&text).ok()?;
        value.set_sensitive(true);
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for v in values {
            map.append(SET_COOKIE, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    const HOME: &str = "http://nvr.example:7080";

    #[test]
    fn keeps_replaces_and_expires_cookies() {
        let mut jar = CookieJar::new();
        jar.store(HOME, &set(&["TOKEN=abc; Path=/; HttpOnly", "lang=en"]));
        assert_eq!(jar.header(HOME, None).unwrap(), "TOKEN=abc; lang=en");
        jar.store(HOME, &set(&["TOKEN=def; Secure", "lang=; Max-Age=0"]));
        assert_eq!(jar.header(HOME, None).unwrap(), "TOKEN=def");
        let own = HeaderValue::from_static("mine=1");
        assert_eq!(jar.header(HOME, Some(&own)).unwrap(), "mine=1; TOKEN=def");
        assert!(!format!("{jar:?}").contains("def"));
        assert!(CookieJar::new().header(HOME, None).is_none());
    }

    #[test]
    fn cookies_stay_with_the_origin_that_set_them() {
        let mut jar = CookieJar::new();
        jar.store(HOME, &set(&["TOKEN=abc"]));
        jar.store("http://cdn.example", &set(&["OTHER=1"]));
        assert_eq!(jar.len(), 1);
        assert!(jar.header("http://cdn.example", None).is_none());
        assert!(jar.header("http://nvr.example:7081", None).is_none());
        assert_eq!(jar.header(HOME, None).unwrap(), "TOKEN=abc");
    }
}
