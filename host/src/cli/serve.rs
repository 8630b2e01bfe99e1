//! `serve`: owns the data dir and answers on one listener (admin API now;
//! the tuner endpoints join it).

use super::serve_config::Live;
use crate::api::{self, ServerFile};
use crate::app::App;
use crate::blocking::run as blocking;
use crate::config::{Reloader, Resolved, Sources};
use crate::data_dir::DataDir;
use crate::relay::{Relay, RelayConfig};
use crate::routing::Routing;
use crate::store::StoreError;
use crate::tuner::settings::{self, TunerOptions};
use crate::tuner::TunerState;
use crate::tuner::{self, base_url, SharedDevice};
use anyhow::{bail, Context};
use clap::Args;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, RwLock};

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
    /// The camera quality levels (from the config file; else the defaults).
    #[arg(skip)]
    pub camera_levels: Option<crate::camera::level::Levels>,
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

impl ServeArgs {
    /// The camera settings these options give.
    pub fn camera_settings(&self) -> anyhow::Result<crate::camera::registry::Settings> {
        let levels = self
            .camera_levels
            .clone()
            .unwrap_or_else(crate::camera::level::Levels::defaults)
            .with_default(&self.camera_default_quality)
            .map_err(anyhow::Error::msg)?;
        Ok(crate::camera::registry::Settings {
            levels,
            max_streams: self.camera_max_streams as usize,
            keep_frames: self.camera_frame_buffer as usize,
            grace: std::time::Duration::from_secs_f64(self.camera_grace),
            ..Default::default()
        })
    }

    /// The options `serve` has with no flag given.
    pub fn defaults() -> ServeArgs {
        <ServeArgs as clap::FromArgMatches>::from_arg_matches(
            &<ServeArgs as clap::Args>::augment_args(clap::Command::new("serve"))
                .get_matches_from(["serve"]),
        )
        .expect("serve's defaults parse")
    }

    /// The relay settings these options give.
    pub fn relay_config(&self) -> RelayConfig {
        let secs = std::time::Duration::from_secs_f64;
        RelayConfig {
            first_byte_timeout: secs(self.stream_timeout),
            stall_timeout: secs(self.stall_timeout.max(0.1)),
            // Half-way to a stall, the backup starts connecting.
            standby_after: Some(secs(self.stall_timeout.max(0.1) / 2.0)),
            idle_grace: secs(self.idle_grace),
            slow_timeout: secs(self.slow_timeout),
            channel_buffer: self.channel_buffer_mib as usize * 1024 * 1024,
            stuck_viewer_timeout: secs(self.stuck_viewer_timeout.max(1.0)),
            failover_cooldown: secs(self.failover_cooldown),
            audio_missing: self.audio_missing,
            limit_quiet_time: secs(self.limit_quiet_time),
            ..RelayConfig::default()
        }
    }

    /// The connection timeouts these options give (each at least 1 s).
    pub fn timeouts(&self) -> crate::server::connections::Timeouts {
        let secs = |s: f64| std::time::Duration::from_secs_f64(s.max(1.0));
        crate::server::connections::Timeouts {
            head: secs(self.head_timeout),
            idle: secs(self.idle_timeout),
            body: secs(self.body_timeout),
        }
    }

    /// The tuner settings these options give.
    pub fn tuner_options(&self) -> TunerOptions {
        TunerOptions {
            base_url: self.base_url.clone(),
            device_id: self.device_id.clone(),
            tuner_count: self.tuner_count,
            friendly_name: self.friendly_name.clone(),
        }
    }
}

/// Runs until Ctrl-C or SIGTERM; SIGHUP reloads the config file.
pub async fn run(data: &DataDir, config: Option<&Path>, mut args: ServeArgs) -> anyhow::Result<()> {
    let sources = args.sources(crate::config::locate(config, data)?);
    let running = sources.resolve()?;
    args.apply(&running);
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
    serve_app(app, data, args, Some((sources, running)), |_| {}).await
}

/// Serves an opened app (used by `serve` and `demo`) until Ctrl-C or SIGTERM.
/// With `config` (its sources and the settings they gave), SIGHUP reloads it.
/// `banner` prints extra lines once the tuner's base URL is known.
pub async fn serve_app(
    app: Arc<App>,
    data: &DataDir,
    args: ServeArgs,
    config: Option<(Sources, Resolved)>,
    banner: impl FnOnce(&str),
) -> anyhow::Result<()> {
    let token = api::load_or_create_token(&data.admin_token())?;
    let open_files = crate::server::open_files::raise_limit();
    let max_open = args
        .max_open_connections
        .map(|n| n as usize)
        .unwrap_or_else(|| crate::server::open_files::default_cap(open_files));
    let trusted = crate::auth::TrustedProxies::parse(
        &args
            .trusted_proxies
            .split(',')
            .filter(|e| !e.trim().is_empty())
            .collect::<Vec<_>>(),
    )
    .map_err(anyhow::Error::msg)?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr()?;
    // No URL from provider or guide data may lead the server to itself.
    crate::fetch::guard::register_own_listener(addr);
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
    let options = args.tuner_options();
    let (base_url, warning) = base_url::derive(options.base_url.as_deref(), addr);
    let device = settings::device_info(&app, &options, base_url)?;
    let shared: SharedDevice = Arc::new(RwLock::new(device.clone()));
    let (opened, tuners) = (app.clone(), options.tuner_count);
    let routing = blocking(move || Routing::open(&opened, tuners)).await?;
    routing.spawn_refresher(app.clone());
    let logo_dir = data.root().join("logos");
    let logos =
        blocking(move || crate::logos::LogoCache::open(logo_dir, Default::default())).await?;
    crate::logos::spawn_watcher(logos.clone(), routing.clone(), app.events.clone());
    let tuner_state = TunerState::new(app.clone(), shared.clone(), routing.clone(), logos);
    // The byte path gets a thread of its own; the rest stays on this one.
    let relay_thread = crate::relay::RelayThread::start().context("starting the relay thread")?;
    let relay = {
        let _on_relay_thread = relay_thread.handle().enter();
        Relay::new(app.clone(), routing.clone(), args.relay_config())?
    };
    // Lowered account limits come back up after their quiet time.
    let _accounting = relay.spawn_accounting();
    let (camera_stop, camera_stopping) = tokio::sync::watch::channel(false);
    // Open console pages' live streams end with the cameras' (else they would hold the shutdown).
    let console_stopping = camera_stopping.clone();
    let cameras =
        crate::camera::serve::start(&app, data, &token, args.camera_settings()?, camera_stopping)
            .await?;
    relay.attach_cameras(cameras.routes.cameras.clone());
    let console = crate::console::router(crate::console::ConsoleState {
        app: app.clone(),
        relay: relay.clone(),
        admin_token: token.clone(),
        sessions: Default::default(),
        signin: Default::default(),
        device: shared.clone(),
        camera_keys: cameras.routes.access.keys().clone(),
        stopping: console_stopping,
        jobs: Default::default(),
    });
    let metrics_public = Arc::new(std::sync::atomic::AtomicBool::new(args.metrics_public));
    let connections = crate::server::connections::Registry::new(max_open, args.timeouts());
    if let Some((sources, running)) = config {
        let live = Live {
            device: shared.clone(),
            routing: routing.clone(),
            relay: relay.clone(),
            cameras: cameras.routes.cameras.clone(),
            metrics_public: metrics_public.clone(),
        };
        let apply = Box::new(move |r: &Resolved| live.apply(r));
        let reloader = Reloader::new(sources, running, app.events.clone(), apply);
        crate::config::reload_on_sighup(Arc::new(reloader));
    }
    let metrics = api::metrics::router(api::metrics::MetricsRoute {
        relay: relay.clone(),
        token: Arc::new(token.clone()),
        public: metrics_public,
        connections: Some(connections.clone()),
    });
    let router = tuner::http::router(tuner_state)
        .merge(crate::relay::router(relay.clone()))
        .merge(metrics)
        .merge(crate::camera::http::router(cameras.routes.clone()))
        .merge(console)
        .nest(
            "/api/v1",
            api::router(app.clone(), token, Some(relay.clone())),
        )
        // Every handler may ask who the client is (sign-in limits).
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(trusted),
            crate::auth::client_addr::layer,
        ));
    let server_file = ServerFile {
        url: format!("http://{admin_host}:{}", addr.port()),
        pid: std::process::id(),
        base_url: Some(device.base_url.clone()),
    };
    server_file
        .write(&data.server_file())
        .context("writing server.json in the data dir")?;

    println!(
        "StreamForge {} listening on {addr}",
        env!("CARGO_PKG_VERSION")
    );
    super::urls::print(&device);
    if let Some(warning) = warning {
        println!("  warning: {warning}");
    }
    banner(&device.base_url);
    println!(
        "  admin API: {}/api/v1 (token in {})",
        server_file.url,
        data.admin_token().display()
    );
    println!(
        "  console: {}/ui/ (sign in with the admin token in {}, or a password set with `streamforge console password`)",
        device.base_url,
        data.admin_token().display()
    );
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let discovery = if args.no_discovery {
        println!("  discovery: off (add the tuner by its address)");
        Vec::new()
    } else {
        start_discovery(&shared, &stopped)
    };
    let closing = relay.clone();
    println!(
        "  connections: at most {max_open} open at once (open-file limit {})",
        open_files.map_or("unknown".to_string(), |n| n.to_string())
    );
    tracing::info!(
        "open-file limit {}, at most {max_open} connections",
        open_files.map_or("unknown".to_string(), |n| n.to_string())
    );
    let _watchdog = connections.spawn_watchdog();
    // Channel requests are played on their sockets by the relay; the rest
    // goes to the router.
    let listener = crate::relay::Front::new(listener, relay.clone(), connections.clone())?;
    // Start-up work (opening the database, compiling plugins) is not lag.
    crate::relay::lag::RuntimeLag::global().reset();
    crate::server::http::serve(listener, router, connections, async move {
        shutdown_signal().await;
        // Streams never finish on their own: end them so the server can.
        closing.close_all();
        // Camera viewers get a WebSocket close (1001, going away).
        let _ = camera_stop.send(true);
    })
    .await;
    let _ = stop.send(true);
    for task in discovery {
        // Lets SSDP say byebye; bounded so a stuck socket cannot hold the exit.
        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), task).await;
    }
    cameras.stop().await;
    relay_thread.stop().await;
    let _ = std::fs::remove_file(data.server_file());
    app.store.flush()?;
    Ok(())
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

/// `urls`: the running server's addresses, or what `serve` with these
/// options would use.
pub async fn urls(
    data: &DataDir,
    config: Option<&Path>,
    mut args: ServeArgs,
) -> anyhow::Result<()> {
    if let Some(server) = ServerFile::read(&data.server_file()) {
        if let Some(base) = server.base_url.as_deref() {
            println!("StreamForge is running (pid {}):", server.pid);
            println!("  tuner (HDHomeRun) address: {base}");
            println!("  guide (XMLTV):             {base}/xmltv.xml");
            println!("  playlist (M3U):            {base}/playlist.m3u");
            if let Some(channels) = super::urls::served_channels(base).await {
                super::urls::print_lineup_size(channels);
            }
            return Ok(());
        }
    }
    args.apply(
        &args
            .sources(crate::config::locate(config, data)?)
            .resolve()?,
    );
    let app = App::open(data.clone())?;
    let options = args.tuner_options();
    let (base_url, warning) = base_url::derive(options.base_url.as_deref(), args.listen);
    let device = settings::device_info(&app, &options, base_url)?;
    println!("When `streamforge serve` runs with these options:");
    super::urls::print(&device);
    super::urls::print_lineup_size(crate::routing::lineup::build(&app.store)?.entries.len());
    if let Some(warning) = warning {
        println!("  warning: {warning}");
    }
    Ok(())
}

/// Starts SiliconDust UDP discovery (65001) and SSDP (1900). A port that
/// cannot be bound is reported and skipped; the tuner still works by address.
fn start_discovery(
    device: &SharedDevice,
    stopped: &tokio::sync::watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks = Vec::new();
    let until_stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let udp_addr = SocketAddr::from(([0, 0, 0, 0], 65001));
    match tuner::discovery::bind(udp_addr) {
        Ok(socket) => {
            let (device, stop) = (device.clone(), until_stopped(stopped.clone()));
            tasks.push(tokio::spawn(async move {
                tuner::discovery::run(socket, device, stop).await;
            }));
            println!("  discovery: HDHomeRun UDP on {udp_addr}");
        }
        Err(e) => {
            println!("  warning: HDHomeRun UDP discovery is off: cannot bind {udp_addr}: {e}")
        }
    }
    match tuner::ssdp::bind(None) {
        Ok(socket) => {
            let (device, stop) = (device.clone(), until_stopped(stopped.clone()));
            tasks.push(tokio::spawn(async move {
                tuner::ssdp::run(socket, device, true, stop).await;
            }));
            println!("  discovery: SSDP on 0.0.0.0:1900");
        }
        Err(e) => println!("  warning: SSDP discovery is off: cannot bind 0.0.0.0:1900: {e}"),
    }
    tasks
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Args, Command, FromArgMatches};
    use std::time::Duration;

    fn parse(flags: &[&str]) -> Result<ServeArgs, clap::Error> {
        let matches = ServeArgs::augment_args(Command::new("serve"))
            .try_get_matches_from(std::iter::once("serve").chain(flags.iter().copied()))?;
        ServeArgs::from_arg_matches(&matches)
    }

    #[test]
    fn relay_flags_reach_the_relay_config() {
        let config = parse(&[
            "--stuck-viewer-timeout",
            "2.5",
            "--failover-cooldown",
            "0",
            "--stall-timeout",
            "1",
        ])
        .unwrap()
        .relay_config();
        assert_eq!(config.stuck_viewer_timeout, Duration::from_millis(2500));
        assert_eq!(config.failover_cooldown, Duration::ZERO);
        assert_eq!(config.stall_timeout, Duration::from_secs(1));
        let defaults = ServeArgs::defaults().relay_config();
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
