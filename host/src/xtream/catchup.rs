//! Catch-up: `/timeshift/{user}/{pass}/{minutes}/{YYYY-MM-DD:HH-MM}/{id}.ts`
//! and `/streaming/timeshift.php?username&password&stream&start&duration`
//! play a slice of the provider's archive of the user's channel through the
//! ledger (see `relay::archive`). Times are UTC here (the door's
//! `server_info.timezone` says so); the provider plugin writes them in the
//! panel's zone.
//!
//! A user has one catch-up at a time: a seek is a new request, and it ends
//! the user's slice under way (and waits for its slots to come back) before
//! it opens the next, so seeking never holds two provider connections.

use super::api::client;
use super::auth::authenticate;
use super::output::refused;
use super::XtreamState;
use crate::auth::ClientAddr;
use crate::relay::TuneError;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use dashmap::DashMap;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};

/// The longest slice asked for at once (a day).
const MAX_MINUTES: u32 = 24 * 60;
/// How long a seek waits for the slice it replaces to give its slots back.
const REPLACE_WAIT: Duration = Duration::from_secs(5);

/// Each user's catch-up under way.
#[derive(Default)]
pub(super) struct CatchUps {
    playing: DashMap<String, Arc<Playing>>,
}

/// One user's slice under way.
struct Playing {
    /// Asks it to end.
    stop: Notify,
    /// Set once its body ended and its slots are back.
    gone: watch::Sender<bool>,
}

impl CatchUps {
    /// Ends `user`'s slice under way, if any, and waits until its slots are back.
    async fn end_for(&self, user: &str) {
        let Some(old) = self.playing.get(user).map(|p| p.clone()) else {
            return;
        };
        let mut gone = old.gone.subscribe();
        old.stop.notify_one();
        let _ = tokio::time::timeout(REPLACE_WAIT, gone.wait_for(|g| *g)).await;
    }
}

/// `GET /timeshift/{user}/{pass}/{minutes}/{start}/{id}.ts`.
pub(super) async fn by_path(
    State(state): State<XtreamState>,
    addr: Option<Extension<ClientAddr>>,
    Path((name, password, minutes, start, file)): Path<(String, String, String, String, String)>,
) -> Response {
    let id = file.strip_suffix(".ts").unwrap_or(&file).to_string();
    play(&state, addr, &name, &password, &minutes, &start, &id).await
}

/// `GET /streaming/timeshift.php?username&password&stream&start&duration`.
pub(super) async fn by_query(
    State(state): State<XtreamState>,
    addr: Option<Extension<ClientAddr>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let field = |k: &str| q.get(k).map(String::as_str).unwrap_or_default();
    play(
        &state,
        addr,
        field("username"),
        field("password"),
        field("duration"),
        field("start"),
        field("stream"),
    )
    .await
}

/// Signs in, checks the slice, then plays it.
async fn play(
    state: &XtreamState,
    addr: Option<Extension<ClientAddr>>,
    name: &str,
    password: &str,
    minutes: &str,
    start: &str,
    id: &str,
) -> Response {
    let authed = match authenticate(state, client(addr), name, password).await {
        Ok(a) => a,
        Err(denied) => return refused(denied),
    };
    let (Some(minutes), Some(start), Ok(id)) = (
        minutes
            .parse::<u32>()
            .ok()
            .filter(|m| (1..=MAX_MINUTES).contains(m)),
        parse_start(start),
        id.parse::<u32>(),
    ) else {
        return (
            StatusCode::BAD_REQUEST,
            "a catch-up asks for MINUTES (1-1440), a START as YYYY-MM-DD:HH-MM (UTC) and a stream id\n",
        )
            .into_response();
    };
    let Some(number) = authed.channel(id) else {
        return (StatusCode::NOT_FOUND, "no such channel\n").into_response();
    };
    let user = &authed.user;
    // Checked before the slice under way is ended: a request for what is
    // not kept ends nothing.
    let days = i64::from(
        authed
            .snapshot
            .table
            .channels
            .get(&number)
            .map_or(0, |route| route.archive_days()),
    );
    let now = crate::clock::now_unix() as i64;
    if start > now || now - start > days * 86_400 {
        return (
            StatusCode::NOT_FOUND,
            "the channel keeps no archive of that time\n",
        )
            .into_response();
    }
    // A seek: the slice under way goes first, so one connection serves both.
    state.catchups.end_for(&user.name).await;
    let key = format!("archive:{number}");
    let Some(slot) = state.take_slot(user, &key).await else {
        return (
            StatusCode::FORBIDDEN,
            "this user is at their connection limit\n",
        )
            .into_response();
    };
    let slice = match state
        .relay
        .archive(&number, &user.lineup, start, minutes)
        .await
    {
        Ok(slice) => slice,
        Err(TuneError::Unknown) | Err(TuneError::Malformed) => {
            return (
                StatusCode::NOT_FOUND,
                "the channel keeps no archive of that time\n",
            )
                .into_response()
        }
        Err(TuneError::AllTunersInUse) | Err(TuneError::NoVideo) => {
            return StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
        Err(TuneError::Internal(e)) => {
            tracing::error!("xtream catch-up: {e}");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let playing = Arc::new(Playing {
        stop: Notify::new(),
        gone: watch::Sender::new(false),
    });
    state
        .catchups
        .playing
        .insert(user.name.clone(), playing.clone());
    let guard = Gone {
        catchups: state.catchups.clone(),
        user: user.name.clone(),
        playing: playing.clone(),
    };
    let stopped = async move { playing.stop.notified().await };
    let bytes = slice.into_stream().take_until(Box::pin(stopped));
    // The slot and the guard go with the body (the slice's slots with it).
    let body = bytes.map(move |chunk| {
        let _held = (&slot, &guard);
        chunk
    });
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("video/mp2t")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        Body::from_stream(body),
    )
        .into_response()
}

/// Marks a user's slice gone when its body is dropped.
struct Gone {
    catchups: Arc<CatchUps>,
    user: String,
    playing: Arc<Playing>,
}

impl Drop for Gone {
    fn drop(&mut self) {
        self.catchups
            .playing
            .remove_if(&self.user, |_, p| Arc::ptr_eq(p, &self.playing));
        self.playing.gone.send_replace(true);
    }
}

/// `YYYY-MM-DD:HH-MM` (UTC) as Unix seconds.
fn parse_start(text: &str) -> Option<i64> {
    let format = time::macros::format_description!("[year]-[month]-[day]:[hour]-[minute]");
    let at = time::PrimitiveDateTime::parse(text.trim(), &format).ok()?;
    Some(at.assume_utc().unix_timestamp())
}

#[cfg(test)]
mod tests {
    #[test]
    fn starts_read_as_utc() {
        assert_eq!(super::parse_start("2026-12-08:08-30"), Some(1_796_718_600));
        assert_eq!(super::parse_start("2026-12-08 08:30"), None);
        assert_eq!(super::parse_start("2026-13-08:08-30"), None);
    }
}
