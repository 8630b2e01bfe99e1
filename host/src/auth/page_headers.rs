//! Headers on every page the server renders for a browser (the console,
//! the camera pages and their API): a Content-Security-Policy that allows
//! no inline script and nothing from another origin, no framing
//! (clickjacking), no MIME sniffing, and no `Referer` to anyone (a camera
//! page's URL may carry its token). The console's pages send a `Referer`
//! to their own origin only (`same-origin`): under `no-referrer` browsers
//! send `Origin: null` with a same-origin form post, which the console's
//! cross-site check must refuse, so no form could be posted.

use axum::extract::Request;
use axum::http::header::{
    HeaderName, HeaderValue, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::middleware::Next;
use axum::response::Response;

/// The policy: scripts, styles and connections from this origin only (a
/// WebSocket to the same host counts), pictures also from `blob:` (camera
/// frames) and `data:`, no plugins, no `<base>`, forms posting here only,
/// and never inside a frame.
pub const CONTENT_SECURITY_POLICY_VALUE: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; connect-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The headers, as pairs, with `referrer` as the `Referrer-Policy`.
fn headers(referrer: &'static str) -> [(HeaderName, HeaderValue); 4] {
    [
        (
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY_VALUE),
        ),
        (X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (REFERRER_POLICY, HeaderValue::from_static(referrer)),
    ]
}

/// An axum middleware adding the headers, with no `Referer` at all, to
/// every answer that does not set them itself (camera pages and API).
pub async fn add(request: Request, next: Next) -> Response {
    with(next.run(request).await, "no-referrer")
}

/// [`add`] for pages that post forms to themselves (the console): a
/// `Referer` to this origin only.
pub async fn add_for_forms(request: Request, next: Next) -> Response {
    with(next.run(request).await, "same-origin")
}

fn with(mut response: Response, referrer: &'static str) -> Response {
    let map = response.headers_mut();
    for (name, value) in headers(referrer) {
        if !map.contains_key(&name) {
            map.insert(name, value);
        }
    }
    response
}
