//! A switch for people trying the demo: `POST /_sim/fault?stream=ID&fault=stall`
//! sets a live stream's fault from outside the process (`stall`, `close`,
//! `garbage`, `slow`, `frozen-video`, `silent-audio`, `none`), so a user can watch the relay fail over while
//! a player keeps playing. The simulator binds loopback only.

use super::faults::{Endpoint, Fault};
use super::state::SimState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use serde::Deserialize;

/// The control route, merged into the panel's router.
pub(crate) fn routes() -> Router<SimState> {
    Router::new().route("/_sim/fault", post(set_fault))
}

#[derive(Deserialize)]
struct FaultQuery {
    stream: u32,
    fault: String,
}

async fn set_fault(
    State(state): State<SimState>,
    Query(q): Query<FaultQuery>,
) -> (StatusCode, String) {
    let fault = match q.fault.as_str() {
        "stall" => Fault::Stall,
        "close" => Fault::Close,
        "garbage" => Fault::Garbage,
        "slow" => Fault::Rate(10),
        "frozen-video" => Fault::FrozenVideo,
        "silent-audio" => Fault::SilentAudio,
        "none" => Fault::None,
        other => {
            return (
                StatusCode::BAD_REQUEST,
                format!("unknown fault `{other}`: use stall, close, garbage, slow, frozen-video, silent-audio or none\n"),
            )
        }
    };
    state.with_faults(|t| t.set(Endpoint::LiveStream(q.stream), fault));
    (
        StatusCode::OK,
        format!("stream {}: {}\n", q.stream, q.fault),
    )
}
