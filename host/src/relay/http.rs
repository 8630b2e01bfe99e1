//! The relay's HTTP face: `/stream/{n}`, `/auto/v{n}` (HDHomeRun's form) and
//! `/metrics`. Query strings (`?transcode=`, `?duration=`) are ignored. Error
//! bodies are empty or one opaque line: no URL, host or credential.

use super::error::TuneError;
use super::Relay;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::sync::Arc;

/// The header HDHomeRun clients read on a refused tune.
pub const HDHOMERUN_ERROR: &str = "x-hdhomerun-error";

/// Routes for the stream endpoints and `/metrics`.
pub fn router(relay: Arc<Relay>) -> Router {
    Router::new()
        .route("/stream/{channel}", get(stream))
        .route("/auto/{channel}", get(auto))
        .route("/metrics", get(metrics))
        .with_state(relay)
}

async fn stream(State(relay): State<Arc<Relay>>, Path(channel): Path<String>) -> Response {
    answer(relay.tune(&channel).await)
}

/// `/auto/v5.1`: the channel after the `v`.
async fn auto(State(relay): State<Arc<Relay>>, Path(channel): Path<String>) -> Response {
    match channel.strip_prefix('v') {
        Some(number) => answer(relay.tune(number).await),
        None => answer(Err(TuneError::Malformed)),
    }
}

async fn metrics(State(relay): State<Arc<Relay>>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        relay.metrics_text().await,
    )
        .into_response()
}

fn answer(result: Result<axum::body::Body, TuneError>) -> Response {
    match result {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("video/mp2t")),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            ],
            body,
        )
            .into_response(),
        Err(TuneError::Malformed) => {
            (StatusCode::BAD_REQUEST, "not a channel number\n").into_response()
        }
        Err(TuneError::Unknown) => (StatusCode::NOT_FOUND, "no such channel\n").into_response(),
        Err(TuneError::AllTunersInUse) => refused("805 All Tuners In Use"),
        Err(TuneError::NoVideo) => refused("807 No Video Data"),
        Err(TuneError::Internal(e)) => {
            tracing::error!("relay: {e}");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response()
        }
    }
}

/// 503 with the HDHomeRun error header and an empty body (Jellyfin reads
/// the body whatever the status).
fn refused(code: &'static str) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(HDHOMERUN_ERROR, HeaderValue::from_static(code))],
    )
        .into_response()
}
