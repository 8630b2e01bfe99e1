//! The admin token: compared in constant time here and nowhere else, taken
//! from `Authorization: Bearer` only (never from a URL, where it would end
//! up in history, `Referer`s and logs), and the middleware that puts
//! [`Principal::Admin`] on every admin request or answers 401.

use super::{constant_time_eq, Principal, Refusal};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use zeroize::Zeroizing;

/// The server's admin token (from `admin.token`), shared by every check.
#[derive(Clone)]
pub struct AdminToken(Arc<Zeroizing<String>>);

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken(<hidden>)")
    }
}

/// Why an admin request is refused.
const WRONG: &str = "missing or wrong admin token";

impl AdminToken {
    /// The token `token` (an empty one matches nothing).
    pub fn new(token: impl Into<String>) -> AdminToken {
        AdminToken(Arc::new(Zeroizing::new(token.into())))
    }

    /// Whether `presented` is the admin token.
    pub fn matches(&self, presented: &str) -> bool {
        !self.0.is_empty() && constant_time_eq(presented.as_bytes(), self.0.as_bytes())
    }

    /// [`Principal::Admin`] when `headers` carry the token as a bearer.
    pub fn check(&self, headers: &HeaderMap) -> Result<Principal, Refusal> {
        match bearer(headers) {
            Some(token) if self.matches(token) => Ok(Principal::Admin),
            _ => Err(Refusal::Unauthenticated(WRONG)),
        }
    }
}

/// The token of an `Authorization: Bearer <t>` header (scheme in any case).
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty())
}

/// An axum middleware: admin requests only (401 otherwise), with
/// [`Principal::Admin`] in the request's extensions.
pub async fn require(
    State(admin): State<AdminToken>,
    mut request: Request,
    next: Next,
) -> Response {
    match admin.check(request.headers()) {
        Ok(principal) => {
            request.extensions_mut().insert(principal);
            next.run(request).await
        }
        Err(refusal) => refusal.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(auth: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, auth.parse().unwrap());
        h
    }

    #[test]
    fn only_the_bearer_token_itself_is_admin() {
        let admin = AdminToken::new("s3cret-token-of-some-length");
        assert_eq!(
            admin.check(&headers("Bearer s3cret-token-of-some-length")),
            Ok(Principal::Admin)
        );
        assert_eq!(
            admin.check(&headers("bearer s3cret-token-of-some-length")),
            Ok(Principal::Admin)
        );
        assert!(admin
            .check(&headers("Bearer s3cret-token-of-some-lengtH"))
            .is_err());
        assert!(admin
            .check(&headers("Basic s3cret-token-of-some-length"))
            .is_err());
        assert!(admin.check(&HeaderMap::new()).is_err());
        assert!(
            !AdminToken::new("").matches(""),
            "an empty token matches nothing"
        );
        assert!(!format!("{admin:?}").contains("s3cret"));
    }
}
