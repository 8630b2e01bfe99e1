//! Console sessions: a random id in a cookie (`HttpOnly`, `SameSite=Strict`,
//! expiring), kept in memory (a restart signs everyone out), with a one-shot
//! message for the next page. (Sign-in limits: `crate::auth::signin`.)

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The cookie's name.
pub const COOKIE: &str = "sf_console";

/// How long a session lasts after sign-in.
pub const LIFETIME: Duration = Duration::from_secs(12 * 60 * 60);

/// A message shown once on the next page (what an action did, or why not).
#[derive(Debug, Clone, PartialEq)]
pub struct Flash {
    /// True when the action failed.
    pub error: bool,
    /// One line for the user.
    pub text: String,
}

struct Session {
    expires: Instant,
    flash: Option<Flash>,
}

/// Every signed-in browser.
#[derive(Default)]
pub struct Sessions {
    live: Mutex<HashMap<String, Session>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Sessions {
    /// A new session; its id (the cookie's value).
    pub fn create(&self) -> String {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the OS gives random bytes");
        let id = hex::encode(bytes);
        let mut live = lock(&self.live);
        let now = Instant::now();
        live.retain(|_, s| s.expires > now);
        live.insert(
            id.clone(),
            Session {
                expires: now + LIFETIME,
                flash: None,
            },
        );
        id
    }

    /// Whether `id` is a live session.
    pub fn valid(&self, id: &str) -> bool {
        lock(&self.live)
            .get(id)
            .is_some_and(|s| s.expires > Instant::now())
    }

    /// Ends `id`.
    pub fn end(&self, id: &str) {
        lock(&self.live).remove(id);
    }

    /// Keeps `flash` for the session's next page.
    pub fn flash(&self, id: &str, flash: Flash) {
        if let Some(s) = lock(&self.live).get_mut(id) {
            s.flash = Some(flash);
        }
    }

    /// The kept message, once.
    pub fn take_flash(&self, id: &str) -> Option<Flash> {
        lock(&self.live).get_mut(id).and_then(|s| s.flash.take())
    }
}

/// The `Set-Cookie` value for session `id`.
pub fn set_cookie(id: &str) -> String {
    format!(
        "{COOKIE}={id}; Path=/ui; HttpOnly; SameSite=Strict; Max-Age={}",
        LIFETIME.as_secs()
    )
}

/// The `Set-Cookie` value that removes the cookie.
pub fn clear_cookie() -> String {
    format!("{COOKIE}=; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// The session id in a request's `Cookie` headers, if any.
pub fn from_headers(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == COOKIE && !value.is_empty()).then(|| value.to_string())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_live_end_and_carry_one_message() {
        let sessions = Sessions::default();
        let id = sessions.create();
        assert_eq!(id.len(), 64);
        assert!(sessions.valid(&id) && !sessions.valid("nope"));
        sessions.flash(
            &id,
            Flash {
                error: false,
                text: "done".into(),
            },
        );
        assert_eq!(sessions.take_flash(&id).unwrap().text, "done");
        assert!(sessions.take_flash(&id).is_none(), "shown once");
        sessions.end(&id);
        assert!(!sessions.valid(&id));
    }

    #[test]
    fn the_cookie_is_http_only_strict_and_expiring() {
        let c = set_cookie("abc");
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.contains("Max-Age="));
        let mut headers = axum::http::HeaderMap::new();
        headers.insert("cookie", "a=1; sf_console=abc; b=2".parse().unwrap());
        assert_eq!(from_headers(&headers).as_deref(), Some("abc"));
    }
}
