//! `/logos/{id}`: a cached channel logo, with the type its bytes showed, an
//! ETag and a long cache lifetime; 404 while it is not fetched (or could
//! not be). The answer can never run as a page: `nosniff` and a sandboxing
//! CSP go with every one, so even a browser sent to it by another site
//! only ever shows an image.

use super::TunerState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

pub(super) async fn logo(
    State(s): State<TunerState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let cache = s.logos.clone();
    // A small file read, off the async threads that move video.
    let found = tokio::task::spawn_blocking(move || cache.get(&id))
        .await
        .ok()
        .flatten();
    let Some(logo) = found else {
        return (StatusCode::NOT_FOUND, IMAGE_ONLY, "no such logo (yet)\n").into_response();
    };
    let cache_control = "public, max-age=86400";
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == logo.etag));
    if fresh {
        return (
            StatusCode::NOT_MODIFIED,
            IMAGE_ONLY,
            [
                (header::ETAG, logo.etag),
                (header::CACHE_CONTROL, cache_control.to_string()),
            ],
        )
            .into_response();
    }
    (
        IMAGE_ONLY,
        [
            (header::CONTENT_TYPE, logo.content_type.to_string()),
            (header::ETAG, logo.etag),
            (header::CACHE_CONTROL, cache_control.to_string()),
        ],
        logo.bytes,
    )
        .into_response()
}

/// Headers that keep a browser from treating the answer as anything but an
/// image: no type sniffing, no script, no plugin, no form, a unique origin.
const IMAGE_ONLY: [(header::HeaderName, &str); 2] = [
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; sandbox",
    ),
];
