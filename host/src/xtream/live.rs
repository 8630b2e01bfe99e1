//! `/live/{user}/{pass}/{id}.ts` (and without the extension, and `.m3u8` as
//! live HLS, see [`crate::hls_output`]): the user's
//! channel through the relay's shared session and the ledger (the user's
//! lineup's tuners, the accounts' connections), counted against the user's
//! own limit; a channel outside their lineup is 404, a user at their limit
//! gets 403 and nothing is opened at the provider.

use super::api::client;
use super::auth::authenticate;
use super::output::refused;
use super::XtreamState;
use crate::auth::ClientAddr;
use crate::hls_output::{Output, PlaylistError};
use crate::relay::{TuneError, ViewerInfo};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use futures_util::StreamExt;

/// `GET /live/{user}/{pass}/{stream}`: `{id}.ts` or `{id}` (MPEG-TS), or
/// `{id}.m3u8` (live HLS cut from the same shared session).
pub(super) async fn stream(
    State(state): State<XtreamState>,
    addr: Option<Extension<ClientAddr>>,
    Path((name, password, stream)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let ip = client(addr);
    let authed = match authenticate(&state, ip, &name, &password).await {
        Ok(a) => a,
        Err(denied) => return refused(denied),
    };
    let (id, hls) = match stream.strip_suffix(".m3u8") {
        Some(id) => (id, true),
        None => (stream.strip_suffix(".ts").unwrap_or(&stream), false),
    };
    let Ok(id) = id.parse::<u32>() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(number) = authed.channel(id) else {
        return (StatusCode::NOT_FOUND, "no such channel\n").into_response();
    };
    let user = &authed.user;
    if hls {
        if let Some(output) = state.hls.find(&user.name, &number) {
            return playlist(&output).await;
        }
    }
    let Some(slot) = state.take_slot(user, &number).await else {
        tracing::info!(
            "xtream user {} is at their limit of {} channel(s)",
            user.name,
            user.max_connections
        );
        return (
            StatusCode::FORBIDDEN,
            "this user is at their connection limit\n",
        )
            .into_response();
    };
    let agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let viewer = ViewerInfo::new(Some(std::net::SocketAddr::new(ip, 0)), agent).with_priority(
        authed
            .snapshot
            .priority_of(&user.lineup)
            .0
            .saturating_add(user.priority),
    );
    let body = match state.relay.tune(&number, &user.lineup, viewer).await {
        Ok(body) => body,
        Err(TuneError::Unknown) | Err(TuneError::Malformed) => {
            return StatusCode::NOT_FOUND.into_response()
        }
        Err(TuneError::AllTunersInUse) | Err(TuneError::NoVideo) => {
            return StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
        Err(TuneError::Internal(e)) => {
            tracing::error!("xtream stream: {e}");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    if hls {
        // The output holds the user's slot until its player stops asking.
        let output = state.hls.start(&user.name, &number, body, Box::new(slot));
        return playlist(&output).await;
    }
    // The user's slot goes with the body: back when the viewer leaves.
    let held = body.into_data_stream().map(move |chunk| {
        let _held = &slot;
        chunk
    });
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("video/mp2t")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        Body::from_stream(held),
    )
        .into_response()
}

/// The live playlist of `output`, its segments under `/hls/{token}/`.
async fn playlist(output: &Output) -> Response {
    match output
        .playlist(|token, seq| format!("/hls/{token}/{seq}.ts"))
        .await
    {
        Ok(text) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/vnd.apple.mpegurl"),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            ],
            text,
        )
            .into_response(),
        Err(PlaylistError::NoSegment) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "the channel brought no segment in time\n",
        )
            .into_response(),
    }
}

/// `GET /hls/{token}/{seq}.ts`: a segment of a running live HLS output (the
/// token names it; no credential in the URL).
pub(super) async fn segment(
    State(state): State<XtreamState>,
    Path((token, segment)): Path<(String, String)>,
) -> Response {
    let seq = segment
        .strip_suffix(".ts")
        .and_then(|s| s.parse::<u64>().ok());
    let (Some(output), Some(seq)) = (state.hls.by_token(&token), seq) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match output.segment(seq) {
        Some(bytes) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("video/mp2t")),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("max-age=60"),
                ),
            ],
            bytes,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
