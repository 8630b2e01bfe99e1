//! `/metrics`: the relay's, the cameras' and the connections' counters in
//! Prometheus text. It names accounts and channels, so it wants the admin
//! token (`Authorization: Bearer`) unless `metrics_public = true`.

use crate::auth::AdminToken;
use crate::relay::Relay;
use crate::server::connections::Registry;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// What `/metrics` needs.
#[derive(Clone)]
pub struct MetricsRoute {
    /// The relay (and through it the cameras) whose counters are shown.
    pub relay: Arc<Relay>,
    /// The admin token scrapers send.
    pub token: AdminToken,
    /// `metrics_public` (live: a reload may change it).
    pub public: Arc<AtomicBool>,
    /// The open connections, when the server tracks them.
    pub connections: Option<Arc<Registry>>,
}

/// The `/metrics` route.
pub fn router(state: MetricsRoute) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .with_state(state)
}

async fn metrics(State(s): State<MetricsRoute>, headers: HeaderMap) -> Response {
    if !s.public.load(Ordering::Relaxed) && s.token.check(&headers).is_err() {
        return crate::auth::Refusal::Unauthenticated(
            "/metrics needs the admin token (Authorization: Bearer, from admin.token), or metrics_public = true in the config",
        )
        .into_response();
    }
    let mut text = s.relay.metrics_text().await;
    if let Some(c) = &s.connections {
        text.push_str(&format!(
            "# HELP streamforge_open_connections Client connections open now.\n\
             # TYPE streamforge_open_connections gauge\n\
             streamforge_open_connections {}\n\
             # HELP streamforge_connections_refused_total Connections refused at accept: every slot busy.\n\
             # TYPE streamforge_connections_refused_total counter\n\
             streamforge_connections_refused_total {}\n\
             # HELP streamforge_connections_closed_total Connections closed for a slow head, idleness, or to make room.\n\
             # TYPE streamforge_connections_closed_total counter\n\
             streamforge_connections_closed_total {}\n",
            c.open(),
            c.refused(),
            c.closed()
        ));
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}
