//! `/playlist.m3u`: the lineup as an extended M3U (rendered in `rendered`).

use super::TunerState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

pub(super) async fn playlist(State(s): State<TunerState>, door: super::door::Door) -> Response {
    match super::rendered::current(&s, door).await {
        Ok(r) => (
            [(header::CONTENT_TYPE, "audio/x-mpegurl; charset=utf-8")],
            r.playlist.clone(),
        )
            .into_response(),
        Err(e) => super::internal(e),
    }
}
