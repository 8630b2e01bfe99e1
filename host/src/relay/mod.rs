//! The relay, StreamForge's fast path (DESIGN.md section 6): `/stream/{n}`
//! plays a lineup channel from its best working source, one provider
//! connection per channel shared by every viewer, within the tuner and
//! account limits.
//!
//! Flow, one file each: the routing snapshot (`crate::routing`) →
//! [`tune`] (join or start a channel) → `connect` (connect-time failover
//! over the channel's streams; `upstream` is one provider connection) →
//! `pump` (the upstream task; its `streamforge_ts::Splicer` makes one
//! continuous programme of the sources it switches between) → `hub`
//! (fan-out ring, `recent` for joiners, `skip` for viewers that fell behind) →
//! `direct` (viewers whose sockets the pump writes to, handed over by
//! `front`, the listener) or `viewer` (one HTTP body, for a channel asked
//! for on a connection that served something else first). [`limits`] holds the slots,
//! `session_manager` (the failover session manager) the running channels and
//! which sources a failover may try, `accounting` the account limits as the
//! provider really enforces them (and `switch` a channel change by the same
//! client on a single-connection account), `error` why a tune fails,
//! [`status`] and [`metrics`] what users see.

mod accounting;
mod archive;
pub mod config;
mod connect;
mod direct;
mod error;
mod front;
pub mod health;
mod hls;
mod http;
mod hub;
pub mod lag;
mod learn;
pub mod limits;
mod measured;
mod metrics;
mod plain_http;
mod probe;
mod pump;
mod recent;
mod restore;
mod session_manager;
mod skip;
pub mod status;
mod switch;
mod thread;
pub mod tune;
mod upstream;
mod viewer;

#[cfg(test)]
mod tests;

pub(crate) use accounting::hh_mm;
pub use archive::ArchiveSlice;
pub use config::RelayConfig;
pub use error::TuneError;
pub use front::{Front, Prefixed};
pub use health::AudioPolicy;
pub use http::{router, HDHOMERUN_ERROR};
pub use hub::ViewerInfo;
pub use measured::Measured;
pub(crate) use plain_http::keep_read_buffers_mapped;
pub use probe::{ProbeError, ProbeReport};
pub use status::{AccountUse, LineupUse, RelayStatus, SessionView, ViewerView};
pub use thread::RelayThread;
pub use upstream::ConnectError;

use crate::events::EventLog;
use crate::routing::Routing;
use limits::Limits;
use metrics::Metrics;
use session_manager::SessionManager;
use std::sync::Arc;

/// Browsers and players accept this; some panels refuse unknown agents.
pub(crate) const USER_AGENT: &str = concat!("StreamForge/", env!("CARGO_PKG_VERSION"));

/// What the relay uses of the rest of the server: an event log, the one
/// store write it makes and where streams' candidates come from. Narrow on
/// purpose: the byte path reaches no plugin, and the database only there.
pub struct Handles {
    /// Where the relay's events (tunes, failovers, limits) go.
    pub events: Arc<EventLog>,
    /// Saves the account limits providers showed.
    pub provider_limits: crate::store::ProviderLimits,
    /// Asked once per stream for its ways to play.
    pub candidates: Arc<dyn crate::routing::table::CandidateSource>,
    /// What streams measured and did: written as they play, read to rank them.
    pub history: Arc<crate::history::History>,
}

/// The relay of one running server.
pub struct Relay {
    /// Where the relay's events go.
    pub(crate) events: Arc<EventLog>,
    /// The one store write (learned account limits).
    pub(crate) provider_limits: crate::store::ProviderLimits,
    /// Streams' candidates, asked once per stream.
    pub(crate) candidates: Arc<dyn crate::routing::table::CandidateSource>,
    /// What streams measured and did (in memory; saved by its own task).
    pub(crate) history: Arc<crate::history::History>,
    /// The settings in force: a config reload swaps them, a tune reads them
    /// once (a pointer load, never a lock).
    config: arc_swap::ArcSwap<RelayConfig>,
    pub(crate) routing: Arc<Routing>,
    pub(crate) limits: Arc<Limits>,
    /// Account limits lowered by what providers do (evictions, refusals).
    pub(crate) accounting: accounting::Accounting,
    pub(crate) sessions: SessionManager,
    pub(crate) metrics: Arc<Metrics>,
    /// HTTPS streams: one client per distinct account CA.
    pub(crate) clients: crate::fetch::ClientsByCa,
    /// The server's cameras, shown by `status` and `/metrics` beside the channels.
    pub(crate) cameras: std::sync::OnceLock<Arc<crate::camera::registry::Cameras>>,
    /// The `streams probe` running now, if any.
    pub(crate) probing: std::sync::Mutex<Option<probe::Probing>>,
    /// The runtime the byte path runs on (the relay thread's in a server):
    /// every channel's pump is spawned there, whoever tunes.
    pub(crate) runtime: tokio::runtime::Handle,
}

impl Relay {
    /// A relay playing the channels of `routing`'s snapshot, on the runtime
    /// current when it is made (a server makes it on its [`RelayThread`]).
    pub fn new(
        handles: Handles,
        routing: Arc<Routing>,
        config: RelayConfig,
    ) -> anyhow::Result<Arc<Relay>> {
        let connect_timeout = config.first_byte_timeout;
        let clients = crate::fetch::ClientsByCa::new(move || {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(connect_timeout)
                .pool_max_idle_per_host(0)
                .tcp_nodelay(true)
                .no_proxy()
                .user_agent(USER_AGENT)
                // Stream URLs from playlists go only where the playlist may send us.
                .dns_resolver(crate::fetch::guard::resolver())
        })?;
        Ok(Arc::new(Relay {
            routing,
            events: handles.events,
            provider_limits: handles.provider_limits,
            candidates: handles.candidates,
            history: handles.history,
            limits: Arc::new(Limits::default()),
            accounting: Default::default(),
            sessions: SessionManager::new(config.failover_cooldown),
            config: arc_swap::ArcSwap::from_pointee(config),
            metrics: Arc::new(Metrics::default()),
            clients,
            cameras: std::sync::OnceLock::new(),
            probing: std::sync::Mutex::new(None),
            runtime: tokio::runtime::Handle::current(),
        }))
    }

    /// The settings in force now.
    pub fn config(&self) -> Arc<RelayConfig> {
        self.config.load_full()
    }

    /// New settings (config reload), used from the next tune or source on;
    /// the failover cool-down and the connect timeout of the HTTP client
    /// stay as started (the first-byte timeout still bounds every connect).
    pub fn set_config(&self, config: RelayConfig) {
        self.config.store(Arc::new(config));
    }

    /// Shows `cameras` in `status` and `/metrics` (set once by `serve`).
    pub fn attach_cameras(&self, cameras: Arc<crate::camera::registry::Cameras>) {
        let _ = self.cameras.set(cameras);
    }

    /// Ends every channel (server shutdown): each viewer's body finishes.
    pub fn close_all(&self) {
        for hub in self.sessions.all() {
            hub.close();
        }
    }
}
