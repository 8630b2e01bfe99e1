//! `serve`: parses its flags, resolves the settings from every source
//! (flags, then the environment, the config file and the defaults) and
//! hands them to `crate::server::run`, which builds and runs the server.
//! `urls` prints the addresses such a server has (or would have).

use crate::api::ServerFile;
use crate::app::App;
use crate::data_dir::DataDir;
use crate::server::Settings;
use crate::store::StoreError;
use crate::tuner::{base_url, settings};
use anyhow::bail;
use clap::Args;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

/// `serve` options.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, default_value = "0.0.0.0:5004")]
    pub listen: SocketAddr,
    /// The address clients use (default: this machine's LAN address and the port).
    #[arg(long)]
    pub base_url: Option<String>,
    /// Use this DeviceID (8 hex digits with a valid HDHomeRun checksum).
    #[arg(long)]
    pub device_id: Option<String>,
    /// Tuners to advertise (default: the sum of enabled accounts' connection limits).
    #[arg(long)]
    pub tuner_count: Option<u32>,
    /// The name media servers show.
    #[arg(long)]
    pub friendly_name: Option<String>,
    /// Do not answer or send UDP/SSDP discovery (add the tuner by address instead).
    #[arg(long)]
    pub no_discovery: bool,
    /// Connections open at once, at most (default: the open-file limit less 256).
    #[arg(long, value_parser = clap::value_parser!(u32).range(16..=1_000_000))]
    pub max_open_connections: Option<u32>,
    /// Reverse proxies whose X-Forwarded-For / Forwarded name the client (comma-separated addresses or networks).
    #[arg(long, default_value = "")]
    pub trusted_proxies: String,
    /// Serve /metrics without the admin token.
    #[arg(long)]
    pub metrics_public: bool,
    /// Seconds a client may take to send a whole request head.
    #[arg(long, default_value = "10", value_parser = seconds)]
    pub head_timeout: f64,
    /// Seconds an idle kept-alive connection stays open between requests.
    #[arg(long, default_value = "60", value_parser = seconds)]
    pub idle_timeout: f64,
    /// Seconds a request body may pause before the connection is closed.
    #[arg(long, default_value = "30", value_parser = seconds)]
    pub body_timeout: f64,
    /// Seconds to wait for a source's first video before trying the next one.
    #[arg(long, default_value = "5", value_parser = seconds)]
    pub stream_timeout: f64,
    /// Seconds without data from a source before it counts as stalled.
    #[arg(long, default_value = "2", value_parser = seconds)]
    pub stall_timeout: f64,
    /// Seconds a source may run far below its own usual rate before it is given up.
    #[arg(long, default_value = "5", value_parser = seconds)]
    pub slow_timeout: f64,
    /// Seconds a channel stays connected after its last viewer left.
    #[arg(long, default_value = "3", value_parser = seconds)]
    pub idle_grace: f64,
    /// Most MiB kept per channel for viewers who join: the bytes since the last keyframe.
    #[arg(long, default_value = "4", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub channel_buffer_mib: u32,
    /// Seconds a viewer that is behind may make no progress before it is let go
    /// (so a stuck client never holds a tuner).
    #[arg(long, default_value = "15", value_parser = seconds)]
    pub stuck_viewer_timeout: f64,
    /// Seconds a source that failed (at connect or mid-stream) is skipped by
    /// failovers and tried after the others by fresh tunes.
    #[arg(long, default_value = "60", value_parser = seconds)]
    pub failover_cooldown: f64,
    /// When a source's audio goes silent while its video plays: `off`, `event`
    /// (say so, keep playing) or `failover` (switch source). A frozen picture
    /// always fails over after the stall timeout.
    #[arg(long, default_value = "event")]
    pub audio_missing: crate::relay::AudioPolicy,
    /// Seconds without an eviction or limit refusal before an account limit
    /// lowered by the provider's behaviour comes back up.
    #[arg(long, default_value = "3600", value_parser = seconds)]
    pub limit_quiet_time: f64,
    /// Seconds between returns of a channel to a better-ranked stream that is
    /// healthy again (after a failover); 0: stay on the stream it failed over to.
    #[arg(long, default_value = "600", value_parser = seconds)]
    pub restore_period: f64,
    /// Cameras streaming at once, at most (one RTSP session each); one more is refused with 503.
    #[arg(long, env = "STREAM_MAX_CONCURRENT", default_value = "10", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub camera_max_streams: u32,
    /// Camera quality a viewer gets when it names none (low, medium, high).
    #[arg(long, env = "STREAM_DEFAULT_QUALITY", default_value = "medium")]
    pub camera_default_quality: String,
    /// JPEG frames kept per camera quality level (a joining viewer gets the newest at once).
    #[arg(long, env = "STREAM_FRAME_BUFFER_SIZE", default_value = "5", value_parser = clap::value_parser!(u32).range(1..=100))]
    pub camera_frame_buffer: u32,
    /// Seconds a camera keeps streaming after its last viewer left.
    #[arg(long, default_value = "10", value_parser = seconds)]
    pub camera_grace: f64,
    /// The flags typed on the command line (clap id, text): they outrank the
    /// environment and the config file.
    #[arg(skip)]
    pub typed: Vec<(String, String)>,
}

/// A duration flag: seconds, fractions allowed, 0 to 3600.
fn seconds(text: &str) -> Result<f64, String> {
    let v: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if !(0.0..=3600.0).contains(&v) {
        return Err(format!("`{text}` is outside 0..3600 seconds"));
    }
    Ok(v)
}

/// Runs until Ctrl-C or SIGTERM; SIGHUP reloads the config file.
pub async fn run(data: &DataDir, config: Option<&Path>, args: ServeArgs) -> anyhow::Result<()> {
    let sources = args.sources(crate::config::locate(config, data)?);
    let running = sources.resolve()?;
    let settings = Settings::from_resolved(&running)?;
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
    crate::server::run(app, data, settings, Some((sources, running)), |_| {}).await
}

/// `urls`: the running server's addresses, or what `serve` with these
/// options would use.
pub async fn urls(data: &DataDir, config: Option<&Path>, args: ServeArgs) -> anyhow::Result<()> {
    if let Some(server) = ServerFile::read(&data.server_file()) {
        if let Some(base) = server.base_url.as_deref() {
            println!("StreamForge is running (pid {}):", server.pid);
            println!("  tuner (HDHomeRun) address: {base}");
            println!("  guide (XMLTV):             {base}/xmltv.xml");
            println!("  playlist (M3U):            {base}/playlist.m3u");
            if let Some(channels) = super::urls::served_channels(base).await {
                super::urls::print_lineup_size(channels);
            }
            let lineups = super::backend::Backend::connect(data)?.lineups().await?;
            super::urls::print_lineups(base, &lineups);
            return Ok(());
        }
    }
    let settings = Settings::from_resolved(
        &args
            .sources(crate::config::locate(config, data)?)
            .resolve()?,
    )?;
    let app = App::open(data.clone())?;
    let options = &settings.tuner;
    let (base_url, warning) = base_url::derive(options.base_url.as_deref(), settings.listen);
    let device = settings::device_info(&app, options, base_url)?;
    println!("When `streamforge serve` runs with these options:");
    super::urls::print(&device);
    super::urls::print_lineup_size(crate::routing::lineup::build(&app.store)?.entries.len());
    super::urls::print_lineups(&device.base_url, &app.lineup.lineups()?);
    if let Some(warning) = warning {
        println!("  warning: {warning}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Args, Command, FromArgMatches};
    use std::time::Duration;

    fn parse(flags: &[&str]) -> Result<ServeArgs, clap::Error> {
        let matches = ServeArgs::augment_args(Command::new("serve"))
            .try_get_matches_from(std::iter::once("serve").chain(flags.iter().copied()))?;
        let mut args = ServeArgs::from_arg_matches(&matches)?;
        args.typed = super::super::serve_config::typed_flags(&matches);
        Ok(args)
    }

    /// What the server gets from these options (no environment, no file).
    fn settings(args: &ServeArgs) -> Settings {
        let mut sources = args.sources(None);
        sources.env.clear();
        Settings::from_resolved(&sources.resolve().unwrap()).unwrap()
    }

    #[test]
    fn relay_flags_reach_the_relay_config() {
        let config = settings(
            &parse(&[
                "--stuck-viewer-timeout",
                "2.5",
                "--failover-cooldown",
                "0",
                "--stall-timeout",
                "1",
            ])
            .unwrap(),
        )
        .relay;
        assert_eq!(config.stuck_viewer_timeout, Duration::from_millis(2500));
        assert_eq!(config.failover_cooldown, Duration::ZERO);
        assert_eq!(config.stall_timeout, Duration::from_secs(1));
        let defaults = settings(&parse(&[]).unwrap()).relay;
        assert_eq!(defaults.stuck_viewer_timeout, Duration::from_secs(15));
        assert_eq!(defaults.failover_cooldown, Duration::from_secs(60));
    }

    #[test]
    fn a_bad_duration_names_the_flag_and_the_range() {
        let err = parse(&["--failover-cooldown=-3"]).unwrap_err().to_string();
        assert!(err.contains("--failover-cooldown"), "{err}");
        assert!(err.contains("outside 0..3600 seconds"), "{err}");
        let err = parse(&["--stuck-viewer-timeout", "soon"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a number of seconds"), "{err}");
    }
}
