//! Catch-up: `/timeshift/{user}/{pass}/{minutes}/{YYYY-MM-DD:HH-MM}/{id}.ts`
//! and `/streaming/timeshift.php?username&password&stream&start&duration`,
//! the two forms Xtream panels serve their archive under. The start is in
//! the panel's own time zone (`server_info.timezone`), as on real panels;
//! the simulator checks its shape and the channel's archive and plays the
//! channel's clip (an archive slice plays like live here). Tests read which
//! slice was asked for from the request log.

use super::config::AccountStatus;
use super::listener::ConnTag;
use super::state::SimState;
use super::streams::{connect_fault, page, serve};
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::collections::HashMap;

/// The archive routes, merged into the panel's router.
pub(crate) fn routes() -> Router<SimState> {
    Router::new()
        .route(
            "/timeshift/{user}/{pass}/{minutes}/{start}/{file}",
            get(by_path),
        )
        .route("/streaming/timeshift.php", get(by_query))
}

/// `GET /timeshift/{user}/{pass}/{minutes}/{start}/{id}.ts`.
async fn by_path(
    State(state): State<SimState>,
    ConnectInfo(conn): ConnectInfo<ConnTag>,
    Path((user, pass, minutes, start, file)): Path<(String, String, String, String, String)>,
) -> Response {
    let id = file.strip_suffix(".ts").unwrap_or(&file).to_string();
    play(&state, conn, &user, &pass, &minutes, &start, &id)
}

/// `GET /streaming/timeshift.php?username&password&stream&start&duration`.
async fn by_query(
    State(state): State<SimState>,
    ConnectInfo(conn): ConnectInfo<ConnTag>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let field = |k: &str| q.get(k).map(String::as_str).unwrap_or_default();
    play(
        &state,
        conn,
        field("username"),
        field("password"),
        field("duration"),
        field("start"),
        field("stream"),
    )
}

/// Checks the request as a panel does, then plays the channel's clip.
fn play(
    state: &SimState,
    conn: ConnTag,
    user: &str,
    pass: &str,
    minutes: &str,
    start: &str,
    id: &str,
) -> Response {
    let stream_id = id.parse::<u32>().ok();
    if let Some(refusal) = connect_fault(state, &conn, stream_id) {
        return refusal;
    }
    let config = state.config();
    if !config.accepts(Some(user), Some(pass)) || config.status != AccountStatus::Active {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let minutes_ok = minutes
        .parse::<u32>()
        .is_ok_and(|m| (1..=24 * 60).contains(&m));
    if !minutes_ok || !start_ok(start) {
        return page(StatusCode::BAD_REQUEST);
    }
    let archived = stream_id.and_then(|id| {
        let ch = config.channels.iter().find(|c| c.stream_id == id)?;
        (ch.archive_days > 0).then_some(id)
    });
    let Some((id, clip)) = archived.and_then(|id| Some((id, config.clip_for(id)?))) else {
        return page(StatusCode::NOT_FOUND);
    };
    serve(state, conn, id, clip)
}

/// Whether `start` reads `YYYY-MM-DD:HH-MM`.
fn start_ok(start: &str) -> bool {
    let b = start.as_bytes();
    b.len() == 16
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b':',
            13 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn starts_read_as_panels_write_them() {
        assert!(super::start_ok("2026-12-08:09-30"));
        assert!(!super::start_ok("2026-12-08 09:30"));
        assert!(!super::start_ok("2026-12-08:9-30"));
    }
}
