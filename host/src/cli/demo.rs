//! `demo`: a simulated Xtream panel and its guide on loopback, a throw-away
//! data dir, sync, match, and the tuner served — StreamForge end to end on a
//! fresh machine, with nothing to configure.

use super::progress::TermProgress;
use super::serve::{serve_app, ServeArgs};
use crate::app::App;
use crate::config::DataDir;
use crate::sim::{SimConfig, SimProvider};
use anyhow::Context;
use clap::Args;
use std::net::SocketAddr;
use std::sync::Arc;

/// `demo` options.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Address and port for the tuner.
    #[arg(long, default_value = "127.0.0.1:5004")]
    listen: SocketAddr,
}

/// Runs the demo until Ctrl-C.
pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let mut config = SimConfig::demo();
    config.max_connections = config.max_connections.max(4);
    let sim = SimProvider::try_start(config)
        .await
        .context("starting the simulated provider on 127.0.0.1")?;
    let dir = tempfile::Builder::new()
        .prefix("streamforge-demo-")
        .tempdir()?;
    let data = DataDir::new(dir.path());
    let app = App::open(data.clone())?;
    println!(
        "demo: simulated Xtream panel at {} (data dir {}, removed on exit)",
        sim.base_url(),
        dir.path().display()
    );
    app.add_account(sim.account("demo")).await?;
    app.add_guide("demo", &sim.xmltv_url()).await?;
    let report = app.sync(None, &TermProgress::new()).await?;
    let channels: usize = report.accounts.iter().map(|a| a.channels).sum();
    let summary = app.run_match(false).await?;
    println!(
        "demo: {channels} provider streams, {} of {} guide channels matched",
        summary.matched, summary.guide_channels
    );
    let lineup = crate::tuner::lineup::build(&app.store)?;
    let first = lineup
        .entries
        .first()
        .map(|e| (e.number.clone(), e.name.clone()));
    let banner = move |base: &str| {
        if let Some((number, name)) = &first {
            println!("  watch channel {number} ({name}): `ffplay {base}/stream/{number}` or `mpv {base}/stream/{number}`");
        }
        println!("  Ctrl-C stops the demo and removes its data");
    };
    let args = ServeArgs {
        listen: args.listen,
        base_url: None,
        device_id: None,
        tuner_count: None,
        friendly_name: Some("StreamForge demo".into()),
        no_discovery: true,
        ..ServeArgs::defaults()
    };
    let result = serve_app(Arc::new(app), &data, args, banner).await;
    drop(sim);
    result
}
