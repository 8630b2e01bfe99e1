//! The simulated load balancer: a second loopback listener that panels
//! redirect streams to, `GET /lb/{id}.ts?token=T`. It serves the stream for
//! a token issued for that id and not yet expired (checked at connect only)
//! and answers 403 otherwise. Stream faults apply here as on the panel.

use super::listener::ConnTag;
use super::state::SimState;
use super::streams::{connect_fault, page, serve, stream_id};
use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

/// The load balancer's only route.
pub(crate) fn routes() -> Router<SimState> {
    Router::new().route("/lb/{file}", get(handle))
}

/// `GET /lb/{id}.ts?token=T`.
async fn handle(
    State(state): State<SimState>,
    ConnectInfo(conn): ConnectInfo<ConnTag>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let stream_id = stream_id(&file);
    if let Some(refusal) = connect_fault(&state, &conn, stream_id) {
        return refusal;
    }
    let token = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(key, _)| key == "token")
        .map(|(_, value)| value.into_owned());
    let Some(stream_id) = stream_id.filter(|&id| {
        token
            .as_deref()
            .is_some_and(|token| state.tokens.valid(token, id))
    }) else {
        return page(StatusCode::FORBIDDEN);
    };
    match state.config().clip_for(stream_id) {
        Some(clip) => serve(&state, conn, stream_id, clip),
        None => page(StatusCode::NOT_FOUND),
    }
}
