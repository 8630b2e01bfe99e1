//! `demo`: a simulated Xtream panel and its guide on loopback, a throw-away
//! data dir, sync, match, and the tuner served — StreamForge end to end on a
//! fresh machine, with nothing to configure.

use super::progress::TermProgress;
use crate::app::App;
use crate::catalog::NewAccount;
use crate::data_dir::DataDir;
use crate::server::Settings;
use anyhow::Context;
use clap::Args;
use std::net::SocketAddr;
use std::sync::Arc;
use streamforge_sim::{SimConfig, SimProvider};

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
    let panel = sim.config();
    let account = NewAccount::xtream("demo", sim.base_url(), &panel.username, &panel.password);
    app.catalog.add_account(account).await?;
    app.guides
        .add_guide("demo", &sim.xmltv_url(), crate::guide::GuideShift::ZERO)
        .await?;
    let report = app.sync(None, &TermProgress::new()).await?;
    let channels: usize = report.accounts.iter().map(|a| a.channels).sum();
    let summary = app.matching.run_match(false).await?;
    println!(
        "demo: {channels} provider streams, {} of {} guide channels matched",
        summary.matched, summary.guide_channels
    );
    // A user of the Xtream door, so a player (TiviMate, IPTV Smarters) can sign in.
    let viewer = crate::users::UserChange {
        password: Some("demo-viewer".into()),
        max_connections: Some(2),
        ..Default::default()
    };
    app.users.add("viewer", &viewer)?;
    // Suggest a channel with a backup source, so a forced stall shows a failover.
    let snapshot = crate::routing::Snapshot::build(&app.routing_sources(), None)?;
    let routes = &snapshot.table;
    let mut numbered: Vec<_> = routes.channels.values().collect();
    numbered.sort_by_key(|c| {
        (
            c.streams.len() < 2,
            c.number.parse::<u64>().unwrap_or(u64::MAX),
        )
    });
    let pick = numbered.first().map(|c| {
        (
            c.number.clone(),
            c.name.clone(),
            c.streams[0].channel.key.clone(),
        )
    });
    let sim_base = sim.base_url().to_string();
    let banner = move |base: &str| {
        if let Some((number, name, key)) = &pick {
            println!("  watch channel {number} ({name}): `ffplay {base}/stream/{number}` or `mpv {base}/stream/{number}`");
            println!("  make its source stall while it plays (the relay switches to a backup): `curl -X POST '{sim_base}/_sim/fault?stream={key}&fault=stall'` (fault=none heals it)");
        }
        println!(
            "  in an Xtream Codes player: server {base}, user `viewer`, password `demo-viewer`"
        );
        println!("  Ctrl-C stops the demo and removes its data");
    };
    let mut settings = Settings::defaults();
    settings.listen = args.listen;
    settings.tuner.friendly_name = Some("StreamForge demo".into());
    settings.discovery = false;
    let result = crate::server::run(Arc::new(app), &data, settings, None, banner).await;
    drop(sim);
    result
}
