//! What `streamforge status` and `/api/v1/status` show: tuners, running
//! channels with their source and rates, and each account's connections.

use super::metrics::Gauges;
use super::Relay;
use serde::{Deserialize, Serialize};
use std::sync::atomic::Ordering;
use std::time::UNIX_EPOCH;

/// One running channel.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SessionView {
    /// The session's id (8 hex digits), as events name it.
    #[serde(default)]
    pub id: String,
    /// `ok`, `stalled` (silent a while) or `failing-over`.
    #[serde(default)]
    pub health: String,
    /// Unix ms of the last bytes from the provider.
    #[serde(default)]
    pub last_byte_ms: Option<u64>,
    /// Switches to another source so far.
    #[serde(default)]
    pub failovers: u32,
    /// The lineup whose tuner it holds.
    #[serde(default)]
    pub lineup: String,
    /// `GuideNumber`.
    pub channel: String,
    /// The channel's name in the lineup.
    pub name: String,
    /// The guide channel it plays.
    pub guide_id: String,
    /// Account of the source in use (absent while starting).
    pub account: Option<String>,
    /// Key of the stream in use in its account's catalogue.
    pub stream_key: Option<String>,
    /// Quality of the stream in use ("FHD", ...).
    pub quality: Option<String>,
    /// Unix seconds since the current source plays.
    pub source_since: Option<u64>,
    /// Viewers watching now.
    pub viewers: usize,
    /// Who they are.
    #[serde(default)]
    pub viewer_list: Vec<ViewerView>,
    /// Unix seconds.
    pub started: u64,
    /// Bytes received from the provider.
    pub bytes: u64,
    /// Bytes sent to viewers (all of them).
    pub bytes_sent: u64,
    /// Bytes per second received, recently.
    pub rate: u64,
    /// Bytes held for joining viewers.
    pub buffered: usize,
    /// What the stream playing measured to be (its size, rate and codecs
    /// read from the bytes), beside the `quality` its name claims.
    #[serde(default)]
    pub measured: super::Measured,
    /// The channel's streams in the order a connect or a return tries them
    /// now, with what each measured and its score.
    #[serde(default)]
    pub streams: Vec<RankedStream>,
}

/// One stream of a playing channel, as ranked now.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RankedStream {
    /// `account/key (FHD)`.
    pub label: String,
    /// It is the one playing.
    pub playing: bool,
    /// What it measured and how it behaved.
    pub stats: crate::history::StreamStats,
}

/// One viewer of a session.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ViewerView {
    /// `IP:port`, when known.
    pub address: Option<String>,
    /// The client's `User-Agent`, when it sent one.
    pub user_agent: Option<String>,
    /// Unix seconds since it watches.
    pub since: u64,
    /// Bytes sent to it.
    pub bytes: u64,
}

/// One account's connections.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AccountUse {
    /// The account's name.
    pub name: String,
    /// Connections open now.
    pub in_use: u32,
    /// Connections the account allows.
    pub limit: u32,
}

/// A source that failed within its cool-down: tunes try it after the
/// others, failovers skip it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PutBack {
    /// `account/key (quality)`.
    pub source: String,
    /// How and how long ago it failed, e.g. `failed at connect 12 s ago`.
    pub why: String,
}

/// A lineup's tuners: how many it may hold, how many it holds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LineupUse {
    /// The lineup's name.
    pub name: String,
    /// Tuners held by channels started through it.
    pub in_use: u32,
    /// Tuners it may hold.
    pub tuners: u32,
}

/// The relay at a glance.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RelayStatus {
    /// Tuners advertised.
    pub tuners: u32,
    /// Tuners of `main` held by running channels.
    pub tuners_in_use: u32,
    /// Each lineup's tuners (`main` first).
    #[serde(default)]
    pub lineups: Vec<LineupUse>,
    /// The channels playing, by number.
    pub sessions: Vec<SessionView>,
    /// Each enabled account's connections.
    pub accounts: Vec<AccountUse>,
    /// How long the relay's thread works without a break (see `relay::lag`).
    #[serde(default)]
    pub runtime_lag: super::lag::LagView,
    /// Every camera with its state.
    #[serde(default)]
    pub cameras: Vec<crate::camera::registry::CameraView>,
    /// Sources put back after failing recently.
    #[serde(default)]
    pub put_back: Vec<PutBack>,
}

fn unix(t: std::time::SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Relay {
    /// A snapshot for `status`.
    pub async fn status(&self) -> RelayStatus {
        let snapshot = self.routing.load();
        let (tuners, limits) = (snapshot.table.tuner_count, snapshot.table.accounts.clone());
        let sessions = self
            .sessions
            .all()
            .into_iter()
            .map(|hub| {
                let source = hub
                    .source
                    .lock()
                    .map(|s| s.clone())
                    .unwrap_or_else(|e| e.into_inner().clone());
                SessionView {
                    id: hub.id.clone(),
                    health: hub.health().word().to_string(),
                    last_byte_ms: hub.last_data_unix_ms(),
                    failovers: hub.failovers.load(Ordering::Relaxed),
                    channel: hub.route.number.clone(),
                    lineup: hub.lineup.clone(),
                    name: hub.route.name.clone(),
                    guide_id: hub.route.guide_id.clone(),
                    account: source.as_ref().map(|s| s.stream.account.name.clone()),
                    stream_key: source.as_ref().map(|s| s.stream.channel.key.clone()),
                    quality: source
                        .as_ref()
                        .map(|s| s.stream.quality.label().to_string()),
                    source_since: source.as_ref().map(|s| unix(s.since)),
                    viewers: hub.viewer_count(),
                    viewer_list: hub.viewer_views(),
                    started: unix(hub.started),
                    bytes: hub.bytes_in.load(Ordering::Relaxed),
                    bytes_sent: hub.bytes_out.load(Ordering::Relaxed),
                    rate: hub.rate.load(Ordering::Relaxed),
                    buffered: hub.buffered(),
                    measured: hub.measured(),
                    streams: self.ranked_streams(&hub, source.as_ref().map(|s| &s.stream)),
                }
            })
            .collect();
        let accounts = limits
            .into_iter()
            .map(|(name, limit)| AccountUse {
                in_use: self.limits.account_in_use(&name),
                name,
                limit,
            })
            .collect();
        let main = crate::store::MAIN_LINEUP;
        let lineups = std::iter::once((main.to_string(), tuners))
            .chain(
                snapshot
                    .lineups
                    .values()
                    .map(|v| (v.record.name.clone(), v.tuner_count)),
            )
            .map(|(name, tuners)| LineupUse {
                in_use: self.limits.tuners_in_use_of(&name),
                name,
                tuners,
            })
            .collect();
        RelayStatus {
            tuners,
            tuners_in_use: self.limits.tuners_in_use_of(main),
            lineups,
            sessions,
            accounts,
            runtime_lag: super::lag::RuntimeLag::global().view(),
            cameras: self.cameras.get().map(|c| c.list()).unwrap_or_default(),
            put_back: self
                .sessions
                .cooling()
                .into_iter()
                .map(|(source, why)| PutBack { source, why })
                .collect(),
        }
    }

    /// `hub`'s streams in the order they are tried now, `playing` marked.
    fn ranked_streams(
        &self,
        hub: &super::hub::Hub,
        playing: Option<&std::sync::Arc<crate::routing::table::RouteStream>>,
    ) -> Vec<RankedStream> {
        let now = crate::clock::now_unix();
        super::learn::ranked(self, &hub.route)
            .into_iter()
            .map(|s| {
                let id = crate::history::StreamId::new(&s.account.name, &s.channel.key);
                RankedStream {
                    label: s.label(),
                    playing: playing.is_some_and(|p| std::sync::Arc::ptr_eq(p, &s)),
                    stats: self.history.stats(&id, s.quality, now),
                }
            })
            .collect()
    }

    /// `/metrics` text.
    pub async fn metrics_text(&self) -> String {
        let status = self.status().await;
        let gauges = Gauges {
            sessions: status.sessions.len(),
            viewers: status.sessions.iter().map(|s| s.viewers).sum(),
            tuners_in_use: status.tuners_in_use,
            tuners_total: status.tuners,
            lineups: status
                .lineups
                .iter()
                .map(|l| (l.name.clone(), l.in_use, l.tuners))
                .collect(),
            accounts: status
                .accounts
                .iter()
                .map(|a| (a.name.clone(), a.in_use, a.limit))
                .collect(),
        };
        let mut text = self.metrics.render(&gauges);
        super::lag::RuntimeLag::global().render(&mut text);
        if let Some(cameras) = self.cameras.get() {
            crate::camera::metrics::render(cameras, &status.cameras, &mut text);
        }
        text
    }
}
