//! The address a request really comes from: the TCP peer, or, when the peer
//! is a reverse proxy the admin trusts (`trusted_proxies` in the config),
//! the nearest address before it in `Forwarded` / `X-Forwarded-For` that is
//! not itself a trusted proxy. Headers from anyone else are ignored: a
//! client could otherwise pick its own address and escape its sign-in limit.
//! Reading the headers and deciding whom to believe is the
//! `streamforge-httpsafe` crate's ([`TrustedProxies`]); here the middleware
//! puts the answer on every request.

use axum::extract::{ConnectInfo, Request};
use axum::middleware::Next;
use axum::response::Response;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

pub use streamforge_httpsafe::forwarded::{forwarded_for, x_forwarded_for, TrustedProxies};

/// The client address of a request, put in its extensions by [`layer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// An axum middleware that puts the request's [`ClientAddr`] in its
/// extensions (from the connection's peer, which the server puts there as
/// [`ConnectInfo`]; a request without one counts as from `0.0.0.0`).
pub async fn layer(
    axum::extract::State(trusted): axum::extract::State<Arc<TrustedProxies>>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
    let client = trusted.client(peer, request.headers());
    request.extensions_mut().insert(ClientAddr(client));
    next.run(request).await
}
