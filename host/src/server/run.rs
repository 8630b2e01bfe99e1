//! Building and running the whole server from resolved [`Settings`]: the
//! listener in front, the relay's thread, the HTTP router (tuner, relay,
//! metrics, cameras, console, admin API), discovery, config reloads on
//! SIGHUP, and the orderly shutdown on Ctrl-C or SIGTERM.

use super::settings::Settings;
use crate::api::{self, ServerFile};
use crate::app::App;
use crate::blocking::run as blocking;
use crate::config::{Reloader, Resolved, Sources};
use crate::data_dir::DataDir;
use crate::relay::Relay;
use crate::routing::Routing;
use crate::tuner::settings;
use crate::tuner::TunerState;
use crate::tuner::{self, base_url, SharedDevice};
use anyhow::Context;
use std::sync::{Arc, RwLock};

/// Serves an opened app with `settings` (for `serve` and `demo`) until
/// Ctrl-C or SIGTERM. With `config` (its sources and the settings they
/// gave), SIGHUP reloads it. `banner` prints extra lines once the tuner's
/// base URL is known.
pub async fn run(
    app: Arc<App>,
    data: &DataDir,
    settings: Settings,
    config: Option<(Sources, Resolved)>,
    banner: impl FnOnce(&str),
) -> anyhow::Result<()> {
    let token = crate::auth::AdminToken::new(api::load_or_create_token(&data.admin_token())?);
    let open_files = super::open_files::raise_limit();
    let max_open = settings
        .max_open_connections
        .unwrap_or_else(|| super::open_files::default_cap(open_files));
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    let addr = listener.local_addr()?;
    // No URL from provider or guide data may lead the server to itself.
    crate::fetch::guard::register_own_listener(addr);
    let options = settings.tuner.clone();
    let (base_url, warning) = base_url::derive(options.base_url.as_deref(), addr);
    let device = settings::device_info(&app, &options, base_url)?;
    let shared: SharedDevice = Arc::new(RwLock::new(device.clone()));
    let (sources, tuners) = (app.routing_sources(), options.tuner_count);
    let opening = sources.clone();
    let routing = blocking(move || Routing::open(&opening, tuners)).await?;
    routing.spawn_refresher(sources);
    let logo_dir = data.root().join("logos");
    let logos =
        blocking(move || crate::logos::LogoCache::open(logo_dir, Default::default())).await?;
    crate::logos::spawn_watcher(logos.clone(), routing.clone(), app.events.clone());
    let tuner_state = TunerState::new(app.clone(), shared.clone(), routing.clone(), logos);
    // The byte path gets a thread of its own; the rest stays on this one.
    let relay_thread = crate::relay::RelayThread::start().context("starting the relay thread")?;
    let relay = {
        let _on_relay_thread = relay_thread.handle().enter();
        Relay::new(app.relay_handles(), routing.clone(), settings.relay.clone())?
    };
    // Lowered account limits come back up after their quiet time.
    let _accounting = relay.spawn_accounting();
    // What streams measured and did is saved now and then, and at the end.
    let history_saver = app.history.spawn_saver(app.events.clone());
    let (camera_stop, camera_stopping) = tokio::sync::watch::channel(false);
    // Open console pages' live streams end with the cameras' (else they would hold the shutdown).
    let console_stopping = camera_stopping.clone();
    let cameras =
        crate::camera::serve::start(&app, data, &token, settings.camera.clone(), camera_stopping)
            .await?;
    relay.attach_cameras(cameras.routes.cameras.clone());
    // One budget of failed sign-ins per client for the console and the Xtream door.
    let signin: Arc<crate::auth::SignInLimiter> = Default::default();
    let xtream = crate::xtream::router(crate::xtream::XtreamState::new(
        routing.clone(),
        relay.clone(),
        signin.clone(),
        shared.clone(),
    ));
    let console = crate::console::router(crate::console::ConsoleState {
        app: app.clone(),
        relay: relay.clone(),
        admin_token: token.clone(),
        sessions: Default::default(),
        signin,
        device: shared.clone(),
        camera_keys: cameras.routes.access.keys().clone(),
        stopping: console_stopping,
        jobs: Default::default(),
    });
    let metrics_public = Arc::new(std::sync::atomic::AtomicBool::new(settings.metrics_public));
    let connections = super::connections::Registry::new(max_open, settings.timeouts);
    if let Some((sources, running)) = config {
        let live = super::reload::Live {
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
        token: token.clone(),
        public: metrics_public,
        connections: Some(connections.clone()),
    });
    let lineup_parts = super::lineup_listeners::Parts {
        routing: routing.clone(),
        relay: relay.clone(),
        tuner: tuner_state.clone(),
        connections: connections.clone(),
        events: app.events.clone(),
        ip: addr.ip(),
        base_url: device.base_url.clone(),
    };
    let router = tuner::http::router(tuner_state)
        .merge(crate::relay::router(
            relay.clone(),
            crate::store::MAIN_LINEUP,
        ))
        .merge(metrics)
        .merge(xtream)
        .merge(crate::camera::http::router(cameras.routes.clone()))
        .merge(console)
        .nest(
            "/api/v1",
            api::router(app.clone(), token, Some(relay.clone())),
        )
        // Every handler may ask who the client is (sign-in limits).
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(settings.trusted_proxies.clone()),
            crate::auth::client_addr::layer,
        ));
    let server_file = ServerFile {
        url: admin_url(addr),
        pid: std::process::id(),
        base_url: Some(device.base_url.clone()),
    };
    server_file
        .write(&data.server_file())
        .context("writing server.json in the data dir")?;
    print_started(addr, &device, warning, &server_file.url, data);
    banner(&device.base_url);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let discovery = if settings.discovery {
        super::discovery::start(
            &tuner::Devices::new(shared.clone(), routing.clone()),
            &stopped,
        )
    } else {
        println!("  discovery: off (add the tuner by its address)");
        Vec::new()
    };
    let lineup_listeners = super::lineup_listeners::spawn(lineup_parts, stopped.clone());
    let closing = relay.clone();
    let limit = open_files.map_or("unknown".to_string(), |n| n.to_string());
    println!("  connections: at most {max_open} open at once (open-file limit {limit})");
    tracing::info!("open-file limit {limit}, at most {max_open} connections");
    let _watchdog = connections.spawn_watchdog();
    // Channel requests are played on their sockets by the relay; the rest
    // goes to the router.
    let listener = crate::relay::Front::new(listener, relay.clone(), connections.clone())?;
    // Start-up work (opening the database, compiling plugins) is not lag.
    crate::relay::lag::RuntimeLag::global().reset();
    super::http::serve(listener, router, connections, async move {
        super::signals::shutdown().await;
        // Streams never finish on their own: end them so the server can.
        closing.close_all();
        // Camera viewers get a WebSocket close (1001, going away).
        let _ = camera_stop.send(true);
    })
    .await;
    let _ = stop.send(true);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), lineup_listeners).await;
    for task in discovery {
        // Lets SSDP say byebye; bounded so a stuck socket cannot hold the exit.
        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), task).await;
    }
    cameras.stop().await;
    relay_thread.stop().await;
    history_saver.abort();
    let history = app.history.clone();
    if let Err(e) = blocking(move || Ok(history.save()?)).await {
        tracing::warn!("the streams' play history could not be saved at exit: {e:#}");
    }
    let _ = std::fs::remove_file(data.server_file());
    app.store.flush()?;
    Ok(())
}

/// Where the CLI reaches the admin API: the listener's address, loopback
/// when it listens on every address.
fn admin_url(addr: std::net::SocketAddr) -> String {
    let host = if addr.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else {
        addr.ip().to_string()
    };
    if host.contains(':') {
        format!("http://[{host}]:{}", addr.port())
    } else {
        format!("http://{host}:{}", addr.port())
    }
}

/// The lines `serve` prints once it listens: where, what to give Plex, the
/// admin API and the console.
fn print_started(
    addr: std::net::SocketAddr,
    device: &crate::tuner::DeviceInfo,
    warning: Option<String>,
    admin: &str,
    data: &DataDir,
) {
    println!(
        "StreamForge {} listening on {addr}",
        env!("CARGO_PKG_VERSION")
    );
    for line in crate::tuner::setup_lines(device) {
        println!("{line}");
    }
    if let Some(warning) = warning {
        println!("  warning: {warning}");
    }
    println!(
        "  admin API: {admin}/api/v1 (token in {})",
        data.admin_token().display()
    );
    println!(
        "  console: {}/ui/ (sign in with the admin token in {}, or a password set with `streamforge console password`)",
        device.base_url,
        data.admin_token().display()
    );
}
