//! The events page: the event log, newest first, filtered by kind or
//! account (`?kind=`, `?account=`), with new events added live.

use super::{layout, read, Console, SessionId};
use crate::events::Event;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::Extension;
use maud::{html, Markup};
use serde::Deserialize;

/// Rows the events page shows at most (keeps it under 100 KB).
pub const PAGE_ROWS: usize = 200;

/// `?kind=` and `?account=`.
#[derive(Deserialize, Default)]
pub struct Filter {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    account: String,
}

impl Filter {
    fn keeps(&self, e: &Event) -> bool {
        (self.kind.is_empty() || e.kind == self.kind)
            && (self.account.is_empty() || e.account.as_deref() == Some(self.account.as_str()))
    }
}

/// Unix milliseconds as `HH:MM:SS` (UTC) with the date in its title.
fn when(ms: u64) -> Markup {
    let secs = (ms / 1000) as i64;
    let full = super::date_time(secs);
    let t = time::OffsetDateTime::from_unix_timestamp(secs).ok();
    let short = t
        .map(|t| format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second()))
        .unwrap_or_default();
    html! { time title=(full) { (short) } }
}

/// One event as a table row (also sent live).
pub fn row(e: &Event) -> Markup {
    html! {
        tr data-id=(e.id) data-kind=(e.kind) data-account=(e.account.as_deref().unwrap_or_default()) .bad[e.is_failure()] {
            td { (when(e.time_ms)) }
            td { code { (e.kind) } }
            td.wrap {
                @if let Some(a) = &e.account { span.tag { (a) } " " }
                @if let Some(c) = &e.channel { span.tag { (c) } " " }
                (e.detail)
            }
        }
    }
}

/// A table of `events` (newest first), live when the page's script runs.
pub fn table(events: &[Event], keep: usize, filter_kind: &str, filter_account: &str) -> Markup {
    html! {
        div.scroll {
            table.events {
                thead { tr { th { "Time" } th { "Kind" } th { "What" } } }
                tbody #event-rows data-keep=(keep) data-kind=(filter_kind) data-account=(filter_account) {
                    @for e in events.iter().rev() { (row(e)) }
                }
            }
        }
        @if events.is_empty() { p.muted #no-events { "No events yet." } }
    }
}

/// The newest `limit` events that `keep` lets through, oldest first.
pub fn latest(all: Vec<Event>, limit: usize, keep: impl Fn(&Event) -> bool) -> Vec<Event> {
    let mut kept: Vec<Event> = all
        .into_iter()
        .rev()
        .filter(|e| keep(e))
        .take(limit)
        .collect();
    kept.reverse();
    kept
}

/// `GET /ui/events`.
pub async fn page(
    State(console): State<Console>,
    Extension(session): Extension<SessionId>,
    Query(filter): Query<Filter>,
) -> Response {
    let events = console.app.events.clone();
    let last = read(&console, move |_| Ok(events.snapshot()))
        .await
        .unwrap_or_default();
    let after = last.last().map_or(0, |e| e.id);
    let kinds: std::collections::BTreeSet<String> = last.iter().map(|e| e.kind.clone()).collect();
    let shown = latest(last, PAGE_ROWS, |e| filter.keeps(e));
    let body = html! {
        h1 { "Events" }
        form.filters method="get" action="/ui/events" {
            label { "Kind " select name="kind" {
                option value="" { "all" }
                @for k in &kinds { option value=(k) selected[*k == filter.kind] { (k) } }
            } }
            label { "Account " input type="text" name="account" value=(filter.account) size="10"; }
            button type="submit" { "Filter" }
        }
        div data-live=(after) {
            (table(&shown, PAGE_ROWS, &filter.kind, &filter.account))
        }
    };
    let flash = console.sessions.take_flash(&session.0);
    layout::answer(layout::page("Events", "Events", flash, body))
}
