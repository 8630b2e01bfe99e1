//! The relay, StreamForge's fast path (DESIGN.md section 6): `/stream/{n}`
//! plays a lineup channel from its best working source, one provider
//! connection per channel shared by every viewer, within the tuner and
//! account limits.
//!
//! Flow, one file each: [`routes`] (the prepared routing table) →
//! [`tune`] (join or start a channel) → `connect` (connect-time failover
//! over the channel's streams; `upstream` is one provider connection) →
//! `pump` (the upstream task) → `hub` (fan-out ring, `recent` for joiners) →
//! `viewer` (one HTTP body). [`limits`] holds the slots, `sessions` the
//! running channels, [`status`] and [`metrics`] what users see.

pub mod config;
mod connect;
pub mod health;
mod http;
mod hub;
pub mod limits;
pub mod metrics;
mod pump;
mod recent;
pub mod routes;
mod sessions;
mod splice;
pub mod status;
pub mod tune;
mod upstream;
mod viewer;

#[cfg(test)]
mod tests;

pub use config::RelayConfig;
pub use http::{router, HDHOMERUN_ERROR};
pub use status::{AccountUse, RelayStatus, SessionView};
pub use tune::TuneError;
pub use upstream::ConnectError;

use crate::app::App;
use limits::Limits;
use metrics::Metrics;
use routes::Routes;
use sessions::Sessions;
use std::sync::Arc;

fn stream_id(s: &routes::RouteStream) -> (String, String) {
    (s.account.name.clone(), s.channel.key.clone())
}

/// Browsers and players accept this; some panels refuse unknown agents.
const USER_AGENT: &str = concat!("StreamForge/", env!("CARGO_PKG_VERSION"));

/// The relay of one running server.
pub struct Relay {
    pub(crate) app: Arc<App>,
    pub(crate) config: RelayConfig,
    pub(crate) routes: Routes,
    pub(crate) limits: Arc<Limits>,
    pub(crate) sessions: Sessions,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) client: reqwest::Client,
    /// Streams that failed recently (account, key) → when.
    failed: std::sync::Mutex<std::collections::HashMap<(String, String), std::time::Instant>>,
}

impl Relay {
    /// A relay over `app`'s lineup. `tuners` overrides the advertised count
    /// (else the sum of enabled accounts' connection limits).
    pub fn new(
        app: Arc<App>,
        config: RelayConfig,
        tuners: Option<u32>,
    ) -> anyhow::Result<Arc<Relay>> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.first_byte_timeout)
            .pool_max_idle_per_host(0)
            .tcp_nodelay(true)
            .no_proxy()
            .user_agent(USER_AGENT)
            .build()?;
        Ok(Arc::new(Relay {
            routes: Routes::new(app.clone(), tuners),
            app,
            config,
            limits: Arc::new(Limits::default()),
            sessions: Sessions::default(),
            metrics: Arc::new(Metrics::default()),
            client,
            failed: Default::default(),
        }))
    }

    /// Remembers that `stream` failed, so failovers skip it for a while.
    pub(crate) fn cool_down(&self, stream: &routes::RouteStream) {
        let mut failed = self.failed.lock().unwrap_or_else(|e| e.into_inner());
        let cooldown = self.config.failover_cooldown;
        failed.retain(|_, at| at.elapsed() < cooldown);
        failed.insert(stream_id(stream), std::time::Instant::now());
    }

    /// Why a failover skips `stream`: it just failed, or failed recently.
    pub(crate) fn cooling(
        &self,
        stream: &routes::RouteStream,
        just_failed: &routes::RouteStream,
    ) -> Option<String> {
        if std::ptr::eq(stream, just_failed) {
            return Some("it just failed".into());
        }
        let failed = self.failed.lock().unwrap_or_else(|e| e.into_inner());
        let at = failed.get(&stream_id(stream))?;
        (at.elapsed() < self.config.failover_cooldown)
            .then(|| format!("it failed {} s ago", at.elapsed().as_secs()))
    }

    /// Ends every channel (server shutdown): each viewer's body finishes.
    pub fn close_all(&self) {
        for hub in self.sessions.all() {
            hub.close();
        }
    }
}
