//! The relay's HTTP face: `/stream/{n}` and `/auto/v{n}` (HDHomeRun's form;
//! `/metrics` is `crate::api::metrics`). Query strings (`?transcode=`, `?duration=`) are ignored. Error
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

/// Routes for the stream endpoints of every lineup: `main`'s (or, for a
/// lineup's own listener, that lineup's) at the root, each lineup's under
/// `/lineups/{name}/`.
pub fn router(relay: Arc<Relay>, root_lineup: &str) -> Router {
    let root = Arc::new(root_lineup.to_string());
    Router::new()
        .route("/stream/{channel}", get(stream))
        .route("/auto/{channel}", get(auto))
        .route("/lineups/{lineup}/stream/{channel}", get(stream_in))
        .route("/lineups/{lineup}/auto/{channel}", get(auto_in))
        .with_state((relay, root))
}

type Relayed = (Arc<Relay>, Arc<String>);

async fn stream(
    State((relay, root)): State<Relayed>,
    Path(channel): Path<String>,
    headers: axum::http::HeaderMap,
) -> Response {
    answer(relay.tune(&channel, &root, viewer(&headers)).await)
}

async fn stream_in(
    State((relay, _)): State<Relayed>,
    Path((lineup, channel)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
) -> Response {
    answer(relay.tune(&channel, &lineup, viewer(&headers)).await)
}

/// Who asks, for `status` (this path does not know the address; the
/// listener's own stream path does).
fn viewer(headers: &axum::http::HeaderMap) -> super::hub::ViewerInfo {
    let agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    super::hub::ViewerInfo::new(None, agent)
}

/// `/auto/v5.1`: the channel after the `v`.
async fn auto(
    State((relay, root)): State<Relayed>,
    Path(channel): Path<String>,
    headers: axum::http::HeaderMap,
) -> Response {
    match channel.strip_prefix('v') {
        Some(number) => answer(relay.tune(number, &root, viewer(&headers)).await),
        None => answer(Err(TuneError::Malformed)),
    }
}

async fn auto_in(
    State((relay, _)): State<Relayed>,
    Path((lineup, channel)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
) -> Response {
    match channel.strip_prefix('v') {
        Some(number) => answer(relay.tune(number, &lineup, viewer(&headers)).await),
        None => answer(Err(TuneError::Malformed)),
    }
}

/// The response head of a stream played on its own connection (see
/// [`super::front`]): the body runs until the connection closes.
pub(crate) const STREAM_HEAD: &str = "HTTP/1.1 200 OK\r\ncontent-type: video/mp2t\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n";

/// What a refused tune answers: the status, the HDHomeRun error (an empty
/// body then: Jellyfin reads the body whatever the status), or a one-line body.
fn refusal(e: &TuneError) -> (StatusCode, Option<&'static str>, &'static str) {
    match e {
        TuneError::Malformed => (StatusCode::BAD_REQUEST, None, "not a channel number\n"),
        TuneError::Unknown => (StatusCode::NOT_FOUND, None, "no such channel\n"),
        TuneError::AllTunersInUse => (
            StatusCode::SERVICE_UNAVAILABLE,
            Some("805 All Tuners In Use"),
            "",
        ),
        TuneError::NoVideo => (
            StatusCode::SERVICE_UNAVAILABLE,
            Some("807 No Video Data"),
            "",
        ),
        TuneError::Internal(e) => {
            tracing::error!("relay: {e}");
            (StatusCode::INTERNAL_SERVER_ERROR, None, "internal error\n")
        }
    }
}

/// A refused tune's whole answer on a connection the relay serves itself.
pub(crate) fn refusal_head(e: &TuneError) -> String {
    let (status, code, body) = refusal(e);
    let mut head = format!("HTTP/1.1 {status}\r\n");
    if let Some(code) = code {
        head.push_str(&format!("{HDHOMERUN_ERROR}: {code}\r\n"));
    } else {
        head.push_str("content-type: text/plain; charset=utf-8\r\n");
    }
    head.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    ));
    head
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
        Err(e) => match refusal(&e) {
            (status, Some(code), _) => {
                (status, [(HDHOMERUN_ERROR, HeaderValue::from_static(code))]).into_response()
            }
            (status, None, body) => (status, body).into_response(),
        },
    }
}
