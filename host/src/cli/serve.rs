//! `serve`: owns the data dir and answers on one listener (admin API now;
//! the tuner endpoints join it).

use crate::api::{self, ServerFile};
use crate::app::App;
use crate::config::DataDir;
use crate::store::StoreError;
use anyhow::{bail, Context};
use clap::Args;
use std::net::SocketAddr;
use std::sync::Arc;

/// `serve` options.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, default_value = "0.0.0.0:5004")]
    listen: SocketAddr,
}

/// Runs until Ctrl-C or SIGTERM.
pub async fn run(data: &DataDir, args: ServeArgs) -> anyhow::Result<()> {
    let app = match App::open(data.clone()) {
        Ok(app) => Arc::new(app),
        Err(e) if matches!(e.downcast_ref::<StoreError>(), Some(StoreError::Locked(_))) => {
            bail!(
                "another StreamForge already serves the data dir {}",
                data.root().display()
            )
        }
        Err(e) => return Err(e),
    };
    let token = api::load_or_create_token(&data.admin_token())?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr()?;
    let admin_host = if addr.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else {
        addr.ip().to_string()
    };
    let admin_host = if admin_host.contains(':') {
        format!("[{admin_host}]")
    } else {
        admin_host
    };
    let server_file = ServerFile {
        url: format!("http://{admin_host}:{}", addr.port()),
        pid: std::process::id(),
    };
    server_file
        .write(&data.server_file())
        .context("writing server.json in the data dir")?;

    let router = axum::Router::new().nest("/api/v1", api::router(app.clone(), token));
    println!(
        "StreamForge {} listening on {addr}",
        env!("CARGO_PKG_VERSION")
    );
    println!(
        "  admin API: {}/api/v1 (token in {})",
        server_file.url,
        data.admin_token().display()
    );
    let result = axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await;
    let _ = std::fs::remove_file(data.server_file());
    app.store.flush()?;
    result.context("the server stopped with an error")
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
