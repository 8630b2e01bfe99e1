//! The simulator's route tables. Each endpoint file exposes its handler and is
//! wired here; stream routes (MPEG-TS with faults) come as their own `Router`
//! from `streams`, merged in [`build`]. The load balancer's listener gets
//! [`build_lb`].

use super::deliver::Reply;
use super::state::{SimRequest, SimState};
use super::{archive, control, lb, player_api, playlist, streams, xmltv};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// The panel API routes: `player_api.php`, `xmltv.php`, `get.php`.
fn panel_routes() -> Router<SimState> {
    Router::new()
        .route("/player_api.php", get(player_api::handle))
        .route("/xmltv.php", get(xmltv::handle))
        .route("/get.php", get(playlist::handle))
}

/// The whole panel app: every route group, the request log, an nginx-style 404.
pub(crate) fn build(state: SimState) -> Router {
    finish(
        panel_routes()
            .merge(streams::routes())
            .merge(archive::routes())
            .merge(control::routes()),
        state,
    )
}

/// The load balancer's app: its stream route, the same log and 404.
pub(crate) fn build_lb(state: SimState) -> Router {
    finish(lb::routes(), state)
}

/// Adds the nginx 404, the request log and the state to a route group.
fn finish(routes: Router<SimState>, state: SimState) -> Router {
    routes
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), log_request))
        .with_state(state)
}

/// Records every request (any route, before any fault) in the request log.
async fn log_request(State(state): State<SimState>, request: Request, next: Next) -> Response {
    state.record(SimRequest {
        method: request.method().to_string(),
        path: request.uri().path().to_owned(),
        query: request.uri().query().unwrap_or("").to_owned(),
    });
    next.run(request).await
}

/// Unknown paths answer like the nginx in front of a panel.
async fn not_found() -> Response {
    let reply = Reply::status_page(StatusCode::NOT_FOUND);
    (reply.status, [("content-type", "text/html")], reply.body).into_response()
}
