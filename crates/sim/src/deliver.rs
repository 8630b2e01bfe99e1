//! Turns an endpoint's answer into an HTTP response, through whatever fault is
//! in force: the one place where status pages, garbage, truncation, trickling,
//! stalls and dropped connections are made.

use super::faults::Fault;
use super::listener::ConnTag;
use super::shutdown::Shutdown;
use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use std::io;
use std::time::Duration;

/// What an endpoint would answer when nothing goes wrong.
pub(crate) struct Reply {
    /// HTTP status.
    pub(crate) status: StatusCode,
    /// `Content-Type`, or none.
    pub(crate) content_type: Option<&'static str>,
    /// `Content-Disposition`, or none.
    pub(crate) disposition: Option<&'static str>,
    /// The body.
    pub(crate) body: Bytes,
}

impl Reply {
    /// HTTP 200 with a body of the given type.
    pub(crate) fn ok(content_type: &'static str, body: impl Into<Bytes>) -> Self {
        Reply {
            status: StatusCode::OK,
            content_type: Some(content_type),
            disposition: None,
            body: body.into(),
        }
    }

    /// JSON answer.
    pub(crate) fn json(body: Vec<u8>) -> Self {
        Reply::ok("application/json", body)
    }

    /// A bare status with an empty body.
    pub(crate) fn empty(status: StatusCode) -> Self {
        Reply {
            status,
            content_type: None,
            disposition: None,
            body: Bytes::new(),
        }
    }

    /// An nginx-style error page with this status.
    pub(crate) fn status_page(status: StatusCode) -> Self {
        let line = format!(
            "{} {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("Error")
        );
        let page = format!(
            "<html>\r\n<head><title>{line}</title></head>\r\n<body>\r\n\
             <center><h1>{line}</h1></center>\r\n<hr><center>nginx</center>\r\n\
             </body>\r\n</html>\r\n"
        );
        Reply {
            status,
            content_type: Some("text/html"),
            disposition: None,
            body: page.into(),
        }
    }
}

/// The HTML a panel's PHP answers when it falls over (`Fault::Garbage`);
/// garbage streams repeat it.
pub(crate) const GARBAGE: &str = "<html><body><br />\n<b>Fatal error</b>:  Allowed memory size of \
     134217728 bytes exhausted (tried to allocate 20480 bytes) in \
     <b>/home/xtreamcodes/iptv_xtream_codes/wwwdir/player_api.php</b> on line <b>313</b><br />\n\
     </body></html>\n";

/// Builds the response for a request under `fault`; `make` is only called
/// when the fault needs the real answer.
pub(crate) fn deliver(
    fault: Fault,
    conn: &ConnTag,
    shutdown: &Shutdown,
    make: impl FnOnce() -> Reply,
) -> Response {
    match fault {
        Fault::None | Fault::Rate(_) | Fault::FrozenVideo | Fault::SilentAudio => {
            finish(make(), Body::from)
        }
        Fault::Status(code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            finish(Reply::status_page(status), Body::from)
        }
        Fault::Garbage => finish(Reply::ok("text/html; charset=UTF-8", GARBAGE), Body::from),
        Fault::Truncated => {
            let mut reply = make();
            reply.body = reply.body.slice(..reply.body.len() / 2);
            finish(reply, Body::from)
        }
        Fault::Slow(total) => finish(make(), |body| trickle(body, total)),
        Fault::Stall => {
            let shutdown = shutdown.clone();
            finish(make(), move |body| stall(body, shutdown))
        }
        Fault::Close => {
            conn.kill();
            // Never sent: the connection fails on hyper's first write.
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Assembles status, headers and a body made from the reply's bytes.
fn finish(reply: Reply, body: impl FnOnce(Bytes) -> Body) -> Response {
    let mut response = Response::new(body(reply.body));
    *response.status_mut() = reply.status;
    let headers = response.headers_mut();
    if let Some(ct) = reply.content_type {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    }
    if let Some(cd) = reply.disposition {
        headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static(cd));
    }
    response
}

/// Most pieces a slow body is cut into.
const SLOW_PIECES: usize = 100;

/// A body sent in up to [`SLOW_PIECES`] pieces evenly spread over `total`.
fn trickle(body: Bytes, total: Duration) -> Body {
    let pieces = body.len().clamp(1, SLOW_PIECES);
    let size = body.len().div_ceil(pieces).max(1);
    let gap = total / pieces as u32;
    let stream = futures_util::stream::unfold(body, move |mut rest| async move {
        if rest.is_empty() {
            return None;
        }
        tokio::time::sleep(gap).await;
        let piece = rest.split_to(size.min(rest.len()));
        Some((Ok::<_, io::Error>(piece), rest))
    });
    Body::from_stream(stream)
}

/// Most bytes a stalled body sends before hanging.
const STALL_PREFIX: usize = 16 * 1024;

/// The first part of a body (half, at most [`STALL_PREFIX`]), then silence
/// until the simulator stops, when the body fails.
fn stall(body: Bytes, shutdown: Shutdown) -> Body {
    let prefix = body.slice(..(body.len() / 2).clamp(body.len().min(1), STALL_PREFIX));
    let first = futures_util::stream::once(async move { Ok::<_, io::Error>(prefix) });
    let hang = futures_util::stream::once(async move {
        shutdown.wait().await;
        Err(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "simulator stopped",
        ))
    });
    Body::from_stream(futures_util::StreamExt::chain(first, hang))
}
