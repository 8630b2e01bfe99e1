//! The web console under `/ui/` (DESIGN.md section 11): sign-in and sessions
//! (`session`, `password`, `login`), the cross-site and sign-in checks
//! (`guard`), one file per page (`dashboard`, `channels`, `sources`,
//! `events`, `cameras`) drawn in one `layout`, and live updates (`live`,
//! server-sent events). Pages are rendered on the server (maud); the small
//! script and style sheet in `assets/` are embedded in the binary.
//!
//! Every action calls the same [`App`] methods as the CLI and the admin API,
//! on the blocking pool, and answers with a redirect carrying a one-line
//! message, so the console works without JavaScript.

mod cameras;
mod channels;
mod dashboard;
mod events;
mod guard;
mod jobs;
mod layout;
mod lineups;
mod live;
mod login;
pub mod password;
pub mod session;
mod sources;

use crate::app::App;
use crate::relay::Relay;
use crate::tokens::TokenKeys;
use crate::tuner::SharedDevice;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use session::{Flash, Sessions};
use std::sync::Arc;
use std::time::Duration;

/// What every console page and action shares.
pub struct ConsoleState {
    /// The application (the same services the CLI and the admin API call).
    pub app: Arc<App>,
    /// The running relay: status, tuners, sessions.
    pub relay: Arc<Relay>,
    /// The admin token, accepted at sign-in.
    pub admin_token: crate::auth::AdminToken,
    /// Signed-in browsers.
    pub sessions: Sessions,
    /// Sign-in limits per client address (shared with other doors).
    pub signin: Arc<crate::auth::SignInLimiter>,
    /// The tuner's identity and base URL (for the setup addresses).
    pub device: SharedDevice,
    /// Signs the short-lived camera tokens the cameras page hands its pictures.
    pub camera_keys: Arc<TokenKeys>,
    /// Becomes true when the server stops: live streams end then.
    pub stopping: tokio::sync::watch::Receiver<bool>,
    /// The sync or match started from the sources page (one at a time).
    pub jobs: jobs::Jobs,
}

/// The shared state, as handlers get it.
pub type Console = Arc<ConsoleState>;

/// The session id of a signed-in request (put there by the guard).
#[derive(Clone)]
pub struct SessionId(pub String);

/// The console's routes, with full paths under `/ui`.
pub fn router(state: ConsoleState) -> Router {
    let state: Console = Arc::new(state);
    Router::new()
        .route("/ui", get(|| async { Redirect::to("/ui/") }))
        .route("/ui/", get(dashboard::page))
        .route("/ui/login", get(login::form).post(login::sign_in))
        .route("/ui/logout", post(login::sign_out))
        .route("/ui/channels", get(channels::page))
        .route("/ui/channels/suggest", get(channels::suggestions))
        .route("/ui/channels/pin", post(channels::pin))
        .route("/ui/channels/move", post(channels::move_pin))
        .route("/ui/channels/unmap", post(channels::unmap))
        .route("/ui/sources", get(sources::page))
        .route("/ui/accounts/add", post(sources::add_account))
        .route("/ui/accounts/test", post(sources::test_account))
        .route("/ui/accounts/remove", post(sources::remove_account))
        .route("/ui/accounts/disable", post(sources::disable_account))
        .route("/ui/accounts/enable", post(sources::enable_account))
        .route("/ui/channels/disable", post(channels::disable))
        .route("/ui/channels/enable", post(channels::enable))
        .route("/ui/guides/add", post(sources::add_guide))
        .route("/ui/guides/remove", post(sources::remove_guide))
        .route("/ui/sync", post(sources::sync))
        .route("/ui/match", post(sources::run_match))
        .route("/ui/plugins/remove", post(sources::remove_plugin))
        .route(
            "/ui/plugins/upload",
            post(sources::upload_plugin)
                .layer(axum::extract::DefaultBodyLimit::max(sources::UPLOAD_LIMIT)),
        )
        .route("/ui/plugins/fetch", post(sources::fetch_plugin))
        .route("/ui/api/job", get(jobs::status))
        .route("/ui/events", get(events::page))
        .route("/ui/lineups", get(lineups::page))
        .route("/ui/lineups/create", post(lineups::create))
        .route("/ui/lineups/set", post(lineups::set))
        .route("/ui/lineups/remove", post(lineups::remove))
        .route("/ui/lineups/split", post(lineups::split))
        .route("/ui/users/add", post(lineups::add_user))
        .route("/ui/users/disable", post(lineups::disable_user))
        .route("/ui/users/enable", post(lineups::enable_user))
        .route("/ui/users/remove", post(lineups::remove_user))
        .route("/ui/cameras", get(cameras::page))
        .route("/ui/live", get(live::stream))
        .route("/ui/api/status", get(live::status))
        .route("/ui/assets/console.css", get(css))
        .route("/ui/assets/console.js", get(js))
        // Only on the console's own routes: as a plain `layer` it also wrapped
        // the merged router's fallback, so every unknown path on the tuner's
        // listener redirected to the sign-in page instead of answering 404.
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::check,
        ))
        // CSP without inline script, no framing, no sniffing, Referer to itself only.
        .route_layer(axum::middleware::from_fn(
            crate::auth::page_headers::add_for_forms,
        ))
        .with_state(state)
}

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=300"),
        ],
        include_str!("assets/console.css"),
    )
        .into_response()
}

async fn js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=300"),
        ],
        include_str!("assets/console.js"),
    )
        .into_response()
}

/// Runs `op` on the blocking pool (the async thread answers every other
/// page), waits until the lineup serves what it changed, keeps its outcome
/// as the next page's message and sends the browser `back`.
pub(crate) async fn act<T: Send + 'static>(
    console: &Console,
    session: &SessionId,
    back: &str,
    op: impl FnOnce(&App, &tokio::runtime::Handle) -> anyhow::Result<T> + Send + 'static,
    done: impl FnOnce(T) -> String,
) -> Response {
    let (app, handle) = (console.app.clone(), tokio::runtime::Handle::current());
    let outcome = crate::blocking::run(move || op(&app, &handle)).await;
    let version = console.app.store.version_in_memory();
    if !console
        .relay
        .routing
        .caught_up(version, Duration::from_secs(60))
        .await
    {
        tracing::warn!("the lineup did not catch up with a console change within 60 s");
    }
    let flash = match outcome {
        Ok(value) => Flash {
            error: false,
            text: done(value),
        },
        Err(e) => Flash {
            error: true,
            text: format!("{e:#}"),
        },
    };
    console.sessions.flash(&session.0, flash);
    Redirect::to(back).into_response()
}

/// Keeps `text` as the session's next page message.
pub(crate) fn flash(console: &Console, session: &SessionId, error: bool, text: String) {
    console.sessions.flash(&session.0, Flash { error, text });
}

/// Runs a read on the blocking pool; a failure becomes a page's error text.
pub(crate) async fn read<T: Send + 'static>(
    console: &Console,
    op: impl FnOnce(&App) -> anyhow::Result<T> + Send + 'static,
) -> Result<T, String> {
    let app = console.app.clone();
    crate::blocking::run(move || op(&app))
        .await
        .map_err(|e| format!("{e:#}"))
}

/// Unix seconds as `YYYY-MM-DD HH:MM` UTC.
pub(crate) fn date_time(unix: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(unix) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        ),
        Err(_) => "-".into(),
    }
}

/// A byte count for people (`1.5 MB`).
pub(crate) fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1000.0 && unit + 1 < UNITS.len() {
        v /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_and_dates_read_well() {
        assert_eq!(super::bytes(999), "999 B");
        assert_eq!(super::bytes(1_500_000), "1.5 MB");
        assert_eq!(super::date_time(0), "1970-01-01 00:00 UTC");
    }
}
