//! The checks in front of every console route: a state-changing request
//! whose `Origin` (or, without one, `Referer`) is not the console's own is
//! refused with 403; without a session, pages send the browser to
//! `/ui/login` and the console's API answers 401. The sign-in form and the
//! assets are open.

use super::{session, Console, SessionId};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;

/// The guard itself (an axum middleware).
pub async fn check(State(console): State<Console>, mut request: Request, next: Next) -> Response {
    let writes = !matches!(*request.method(), Method::GET | Method::HEAD);
    if writes && !same_origin(request.headers()) {
        return (
            StatusCode::FORBIDDEN,
            "refused: this request came from another site (its Origin or Referer is not this console)",
        )
            .into_response();
    }
    let path = request.uri().path();
    if path == "/ui/login" || path.starts_with("/ui/assets/") {
        return next.run(request).await;
    }
    let api = path.starts_with("/ui/api/") || path == "/ui/live";
    match session::from_headers(request.headers()) {
        Some(id) if console.sessions.valid(&id) => {
            request
                .extensions_mut()
                .insert(crate::auth::Principal::Console(id.clone()));
            request.extensions_mut().insert(SessionId(id));
            next.run(request).await
        }
        _ if api => (
            StatusCode::UNAUTHORIZED,
            Json(crate::api::ApiError {
                error: "sign in to the console first (/ui/login)".into(),
            }),
        )
            .into_response(),
        _ => Redirect::to("/ui/login").into_response(),
    }
}

/// Whether the request names this console (the `Host` it was sent to) as
/// its origin. No `Origin` and no `Referer` counts as another site: every
/// browser sends one of them with a form or a script's POST.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let ours =
        |origin: &str| origin == format!("http://{host}") || origin == format!("https://{host}");
    if let Some(origin) = headers.get(header::ORIGIN) {
        return origin.to_str().is_ok_and(ours);
    }
    let Some(referer) = headers.get(header::REFERER).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let Some((scheme, rest)) = referer.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    ours(&format!("{scheme}://{authority}"))
}

#[cfg(test)]
mod tests {
    use super::same_origin;
    use axum::http::HeaderMap;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn only_the_consoles_own_origin_may_change_things() {
        let host = ("host", "127.0.0.1:5004");
        assert!(same_origin(&headers(&[
            host,
            ("origin", "http://127.0.0.1:5004")
        ])));
        assert!(!same_origin(&headers(&[
            host,
            ("origin", "http://evil.example")
        ])));
        assert!(!same_origin(&headers(&[host, ("origin", "null")])));
        assert!(same_origin(&headers(&[
            host,
            ("referer", "http://127.0.0.1:5004/ui/channels?q=1")
        ])));
        assert!(!same_origin(&headers(&[
            host,
            ("referer", "http://127.0.0.1:5004.evil.example/ui/")
        ])));
        assert!(!same_origin(&headers(&[host])), "neither header");
        assert!(
            !same_origin(&headers(&[("origin", "http://127.0.0.1:5004")])),
            "no Host"
        );
    }
}
