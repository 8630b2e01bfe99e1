//! The HTTP server loop: every connection the listener in front hands over
//! is served by hyper with the axum router, inside the bounds of
//! [`super::connections`]: its socket tracked, each request counted while
//! it is answered (a response still streaming keeps it busy), a body that
//! stops arriving for [`Timeouts::body`] cut, and the client's address put
//! in every request as [`ConnectInfo`]. On shutdown, connections finish the
//! request they are answering and close.

use super::connections::{Connection, Registry, Timeouts};
use super::io::TrackedIo;
use crate::relay::Front;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tower::ServiceExt;

/// How long connections get to finish their request after a shutdown
/// signal before the server stops anyway.
const DRAIN: Duration = Duration::from_secs(10);

/// Serves `router` on the connections of `front` until `shutdown` resolves,
/// then lets the open connections finish (within [`DRAIN`]).
pub async fn serve(
    mut front: Front,
    router: Router,
    registry: Arc<Registry>,
    shutdown: impl Future<Output = ()>,
) {
    let timeouts = registry.timeouts();
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            handed = front.accept() => {
                let Some((io, addr, conn)) = handed else { break };
                let (router, stopping) = (router.clone(), stopping.clone());
                tasks.spawn(serve_connection(io, addr, conn, router, timeouts, stopping));
                // Finished connections leave the set as they go.
                while tasks.try_join_next().is_some() {}
            }
            () = &mut shutdown => break,
        }
    }
    drop(front);
    let _ = stop.send(true);
    let drained =
        tokio::time::timeout(DRAIN, async { while tasks.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tracing::warn!(
            "{} connection(s) still open {} s after the shutdown signal; closing them",
            tasks.len(),
            DRAIN.as_secs()
        );
        tasks.abort_all();
    }
}

/// One connection, HTTP/1.1 with upgrades (WebSockets).
async fn serve_connection<T>(
    io: T,
    addr: SocketAddr,
    conn: Arc<Connection>,
    router: Router,
    timeouts: Timeouts,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let io = TokioIo::new(TrackedIo::new(io, conn.clone()));
    let tracked = conn.clone();
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let in_flight = InFlight::begin(tracked.clone());
        let router = router.clone();
        async move {
            let mut request = request
                .map(|body| Body::new(tower_http::timeout::TimeoutBody::new(timeouts.body, body)));
            request.extensions_mut().insert(ConnectInfo(addr));
            let response = match router.oneshot(request).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            if response.status() == StatusCode::SWITCHING_PROTOCOLS {
                // A WebSocket: its own pings and frames keep it alive.
                in_flight.conn.set_streaming();
            }
            Ok::<_, Infallible>(response.map(|body| {
                Body::new(Answering {
                    body,
                    _in_flight: in_flight,
                })
            }))
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        // Heads are timed by the connection watchdog, idle time too.
        .header_read_timeout(None)
        .keep_alive(true);
    let connection = builder.serve_connection(io, service).with_upgrades();
    tokio::pin!(connection);
    let mut draining = false;
    loop {
        tokio::select! {
            _ = connection.as_mut() => break,
            changed = stopping.changed(), if !draining => {
                if changed.is_err() || *stopping.borrow() {
                    draining = true;
                    connection.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// A request being answered: the connection counts it busy until its
/// response body is sent whole or dropped.
struct InFlight {
    conn: Arc<Connection>,
}

impl InFlight {
    fn begin(conn: Arc<Connection>) -> InFlight {
        conn.begin_request();
        InFlight { conn }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.conn.end_request();
    }
}

/// A response body that holds its request's [`InFlight`].
struct Answering {
    body: Body,
    /// Held until the body is dropped (sent whole, or the client left).
    _in_flight: InFlight,
}

impl http_body::Body for Answering {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}
