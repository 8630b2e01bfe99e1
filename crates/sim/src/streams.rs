//! Live stream routes: `/live/{user}/{pass}/{id}.ts`, `/{user}/{pass}/{id}.ts`
//! and `/{user}/{pass}/{id}` answer an endless, paced MPEG-TS body (or a
//! `302` to the load balancer when the config asks for it), through the
//! stream faults in force.
//!
//! Order of checks: connect-time faults (`Status`, `Close`: the
//! infrastructure in front of the panel), credentials (401, empty body),
//! stream id (404; `.m3u8` is a 404 too, unless the panel is HLS-only:
//! then `{id}.m3u8` redirects to the configured HLS playlist and MPEG-TS
//! paths answer 403).

use super::clip::Clip;
use super::config::AccountStatus;
use super::deliver::Reply;
use super::faults::{Endpoint, Fault};
use super::listener::ConnTag;
use super::live_body::LiveBody;
use super::state::SimState;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// The stream routes, merged into the panel's router.
pub(crate) fn routes() -> Router<SimState> {
    Router::new()
        .route("/live/{user}/{pass}/{file}", get(handle))
        .route("/{user}/{pass}/{file}", get(handle))
}

/// `GET` on any of the stream paths.
async fn handle(
    State(state): State<SimState>,
    ConnectInfo(conn): ConnectInfo<ConnTag>,
    Path((user, pass, file)): Path<(String, String, String)>,
) -> Response {
    let stream_id = stream_id(&file);
    if let Some(refusal) = connect_fault(&state, &conn, stream_id) {
        return refusal;
    }
    let config = state.config();
    if !config.accepts(Some(&user), Some(&pass)) || config.status != AccountStatus::Active {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    if let Some(hls) = &config.hls_only {
        let listed = file
            .strip_suffix(".m3u8")
            .and_then(|id| id.parse::<u32>().ok())
            .is_some_and(|id| config.clip_for(id).is_some());
        return match (listed, HeaderValue::from_str(hls)) {
            (true, Ok(location)) => {
                let mut response = StatusCode::FOUND.into_response();
                response.headers_mut().insert(header::LOCATION, location);
                response
            }
            _ if file.ends_with(".m3u8") => page(StatusCode::NOT_FOUND),
            _ => page(StatusCode::FORBIDDEN),
        };
    }
    let Some((stream_id, clip)) = stream_id.and_then(|id| Some((id, config.clip_for(id)?))) else {
        return page(StatusCode::NOT_FOUND);
    };
    if let Some(ttl) = config.stream_redirect {
        let token = state.tokens.issue(stream_id, ttl);
        let location = format!(
            "http://127.0.0.1:{}/lb/{stream_id}.ts?token={token}",
            state.lb_port
        );
        let mut response = StatusCode::FOUND.into_response();
        if let Ok(value) = HeaderValue::from_str(&location) {
            response.headers_mut().insert(header::LOCATION, value);
        }
        return response;
    }
    serve(&state, conn, stream_id, clip)
}

/// The stream id in a last path segment: `123.ts` or `123`; `None` for
/// anything else (`123.m3u8` included).
pub(crate) fn stream_id(file: &str) -> Option<u32> {
    let id = file.strip_suffix(".ts").unwrap_or(file);
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    id.parse().ok()
}

/// The answer a connect-time fault (`Status`, `Close`) gives instead of the
/// stream, if one is in force for this stream (or all streams).
pub(crate) fn connect_fault(
    state: &SimState,
    conn: &ConnTag,
    stream_id: Option<u32>,
) -> Option<Response> {
    let fault = match stream_id {
        Some(id) => state.stream_fault(id),
        None => state.fault(Endpoint::Live),
    };
    match fault {
        Fault::Status(code) => Some(page(
            StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        )),
        Fault::Close => {
            conn.kill();
            // Never sent: the connection fails on hyper's first write.
            Some(StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
        _ => None,
    }
}

/// `200 video/mp2t` with the endless paced body (no `Content-Length`).
pub(crate) fn serve(state: &SimState, conn: ConnTag, stream_id: u32, clip: Clip) -> Response {
    let config = state.config();
    let ticket = state.streams.open(config.eviction_limit());
    let body = LiveBody::new(
        state.clone(),
        stream_id,
        conn,
        ticket,
        clip,
        config.stream_burst,
    );
    let chunks = futures_util::stream::unfold(body, |mut body| async move {
        let item = body.next().await?;
        Some((item, body))
    });
    let mut response = Response::new(Body::from_stream(chunks));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("video/mp2t"));
    response
}

/// An nginx-style page with this status.
pub(crate) fn page(status: StatusCode) -> Response {
    let reply = Reply::status_page(status);
    (
        reply.status,
        [(header::CONTENT_TYPE, "text/html")],
        reply.body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_ids_from_path_segments() {
        assert_eq!(stream_id("11001.ts"), Some(11001));
        assert_eq!(stream_id("11001"), Some(11001));
        assert_eq!(stream_id("11001.m3u8"), None);
        assert_eq!(stream_id("+5.ts"), None);
        assert_eq!(stream_id(".ts"), None);
        assert_eq!(stream_id("99999999999.ts"), None);
    }
}
