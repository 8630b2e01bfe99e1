//! `/live/{user}/{pass}/{id}.ts` (and without the extension): the user's
//! channel through the relay's shared session and the ledger (the user's
//! lineup's tuners, the accounts' connections), counted against the user's
//! own limit; a channel outside their lineup is 404, a user at their limit
//! gets 403 and nothing is opened at the provider.

use super::api::client;
use super::auth::authenticate;
use super::output::refused;
use super::XtreamState;
use crate::auth::ClientAddr;
use crate::relay::{TuneError, ViewerInfo};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use futures_util::StreamExt;

/// `GET /live/{user}/{pass}/{stream}`.
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
    let id = match stream.strip_suffix(".ts").unwrap_or(&stream).parse::<u32>() {
        Ok(id) => id,
        Err(_) => return StatusCode::NOT_FOUND.into_response(),
    };
    let number = super::number_of_stream(id);
    let user = &authed.user;
    let in_lineup = authed
        .snapshot
        .lineup_named(&user.lineup)
        .is_some_and(|l| l.contains(&number));
    if !in_lineup {
        return (StatusCode::NOT_FOUND, "no such channel\n").into_response();
    }
    let Some(slot) = state.slots.take(&user.name, &number, user.max_connections) else {
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
    let viewer = ViewerInfo::new(Some(std::net::SocketAddr::new(ip, 0)), agent);
    match state.relay.tune(&number, &user.lineup, viewer).await {
        Ok(body) => {
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
        Err(TuneError::Unknown) | Err(TuneError::Malformed) => {
            StatusCode::NOT_FOUND.into_response()
        }
        Err(TuneError::AllTunersInUse) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        Err(TuneError::NoVideo) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        Err(TuneError::Internal(e)) => {
            tracing::error!("xtream stream: {e}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
