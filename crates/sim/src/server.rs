//! Binds the simulator's two loopback listeners (the panel and its load
//! balancer) and builds the future that serves both until shutdown.

use super::config::SimConfig;
use super::listener::{ConnTag, SimListener};
use super::provider::SimProvider;
use super::router;
use super::shutdown::Shutdown;
use super::state::{SimShared, SimState};
use axum::Router;
use std::future::Future;
use std::io;
use std::sync::Arc;

/// Binds both ports and builds the handle plus the future that serves until
/// the handle is dropped. Must run inside a tokio runtime.
pub(crate) fn prepare(
    config: SimConfig,
) -> io::Result<(SimProvider, impl Future<Output = ()> + Send)> {
    let (panel, port) = bind()?;
    let (balancer, lb_port) = bind()?;
    let (stop, shutdown) = Shutdown::new();
    let state: SimState = Arc::new(SimShared::new(config, port, lb_port, shutdown.clone()));
    let panel = serve(panel, router::build(state.clone()), &state);
    let balancer = serve(balancer, router::build_lb(state.clone()), &state);
    let serve = async move {
        tokio::select! {
            _ = async { tokio::join!(panel, balancer) } => {}
            _ = shutdown.wait() => {}
        }
    };
    let provider = SimProvider {
        state,
        stop,
        thread: None,
    };
    Ok((provider, serve))
}

/// A listener on `127.0.0.1:0` and its port.
fn bind() -> io::Result<(tokio::net::TcpListener, u16)> {
    let std_listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    std_listener.set_nonblocking(true)?;
    let port = std_listener.local_addr()?.port();
    Ok((tokio::net::TcpListener::from_std(std_listener)?, port))
}

/// Serves `app` on `tcp` with the shared connection tracking and shutdown.
fn serve(
    tcp: tokio::net::TcpListener,
    app: Router,
    state: &SimState,
) -> impl Future<Output = ()> + Send {
    let listener = SimListener::new(tcp, state.conns.clone(), state.shutdown.clone());
    let app = app.into_make_service_with_connect_info::<ConnTag>();
    async move {
        let _ = axum::serve(listener, app).await;
    }
}
