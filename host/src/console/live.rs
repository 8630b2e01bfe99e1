//! Live updates for the open pages, as server-sent events: every second the
//! dashboard's live part (rendered by the same template as the page) and the
//! events recorded since the page was drawn. Also the relay's status as
//! JSON (`/ui/api/status`, what `streamforge status --json` shows).

use super::{dashboard, events, Console, SessionId};
use axum::extract::{Query, State};
use axum::response::sse::{Event as Sse, KeepAlive};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use futures_util::StreamExt;
use serde::Deserialize;
use std::convert::Infallible;
use std::time::Duration;

/// How often an open page is brought up to date.
const EVERY: Duration = Duration::from_secs(1);

/// `?after=` (the last event id the page has) and `?dashboard=1`.
#[derive(Deserialize)]
pub struct LiveQuery {
    #[serde(default)]
    after: u64,
    #[serde(default)]
    dashboard: u8,
}

/// `GET /ui/api/status`.
pub async fn status(State(console): State<Console>) -> Response {
    Json(console.relay.status().await).into_response()
}

/// `GET /ui/live`: the update stream; it ends when the session does.
pub async fn stream(
    State(console): State<Console>,
    Extension(session): Extension<SessionId>,
    Query(q): Query<LiveQuery>,
) -> Response {
    let start = (console, session, q.after, q.dashboard == 1, true);
    let updates =
        futures_util::stream::unfold(start, |(console, session, after, dash, first)| async move {
            if !first {
                tokio::time::sleep(EVERY).await;
            }
            if !console.sessions.valid(&session.0) || *console.stopping.borrow() {
                return None;
            }
            let mut out = Vec::new();
            if dash {
                let markup = dashboard::live_part(&console).await;
                out.push(Sse::default().event("dashboard").data(markup.into_string()));
            }
            let log = console.app.events.clone();
            let new = super::read(&console, move |_| Ok(log.since(after, 200)))
                .await
                .unwrap_or_default();
            let after = new.last().map_or(after, |e| e.id);
            if !new.is_empty() {
                let rows: String = new.iter().map(|e| events::row(e).into_string()).collect();
                out.push(Sse::default().event("events").data(rows));
            }
            Some((out, (console, session, after, dash, false)))
        })
        .flat_map(|batch| futures_util::stream::iter(batch.into_iter().map(Ok::<_, Infallible>)));
    axum::response::sse::Sse::new(updates)
        .keep_alive(KeepAlive::default())
        .into_response()
}
