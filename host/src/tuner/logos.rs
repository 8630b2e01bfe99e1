//! `/logos/{id}`: a cached channel logo, with its type, an ETag and a long
//! cache lifetime; 404 while it is not fetched (or could not be).

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
        return (StatusCode::NOT_FOUND, "no such logo (yet)\n").into_response();
    };
    let cache_control = "public, max-age=86400";
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == logo.etag));
    if fresh {
        return (
            StatusCode::NOT_MODIFIED,
            [
                (header::ETAG, logo.etag),
                (header::CACHE_CONTROL, cache_control.to_string()),
            ],
        )
            .into_response();
    }
    (
        [
            (header::CONTENT_TYPE, logo.content_type),
            (header::ETAG, logo.etag),
            (header::CACHE_CONTROL, cache_control.to_string()),
        ],
        logo.bytes,
    )
        .into_response()
}
