//! The routing table: lineup channel number → the streams mapped to it, best
//! first, with what a connect needs (the account's credentials, unsealed once
//! in memory, and the provider channel for the plugin). Part of the routing
//! snapshot, so a tune touches no database; plugin candidates are asked once
//! per stream and kept.

use super::lineup::Lineup;
use crate::blocking::run as blocking;
use crate::catalog::access::Unsealed;
use crate::events::Event;
use crate::matching::rank::{self, RankKey};
use crate::model::{Candidate, ProviderChannel, Quality};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// An enabled account as the relay uses it.
pub struct RouteAccount {
    /// The account's name.
    pub name: String,
    /// Provider plugin name.
    pub provider: String,
    /// Connections StreamForge opens on it at once: the user's limit, or
    /// the provider's when it showed it enforces fewer (the relay's
    /// accounting may have lowered it since this snapshot: ask it).
    pub max_connections: u32,
    /// Ranks streams of equal quality and confidence (lower first).
    pub priority: i32,
    /// The account's free-form settings, passed to its plugin.
    pub options: Vec<(String, String)>,
    pub(crate) credentials: Unsealed,
}

/// One mapped stream of a channel.
pub struct RouteStream {
    /// The account it comes from.
    pub account: Arc<RouteAccount>,
    /// The provider channel, as its plugin needs it for candidates.
    pub channel: ProviderChannel,
    /// Its quality tier (from its name).
    pub quality: Quality,
    /// How sure the match is, 0..1.
    pub confidence: f32,
    /// The user's rank when pinned by hand (pinned streams go first).
    pub pinned: Option<u32>,
    /// The plugin's URL templates, asked on first use.
    candidates: OnceLock<Result<Arc<Vec<Candidate>>, String>>,
}

/// A lineup channel and its streams in connect order.
pub struct ChannelRoute {
    /// `GuideNumber`.
    pub number: String,
    /// The guide channel it is.
    pub guide_id: String,
    /// Its name in the lineup.
    pub name: String,
    /// Best first: pinned streams in the user's order, then quality tier,
    /// confidence, account priority (see `matching::rank`).
    pub streams: Vec<Arc<RouteStream>>,
}

/// Everything a tune needs, for one store version.
pub struct RouteTable {
    /// The store version this was built from.
    pub version: u64,
    /// Every lineup channel, by number (with no stream when every account
    /// it has streams on is disabled).
    pub channels: HashMap<String, Arc<ChannelRoute>>,
    /// Tuners to advertise and enforce.
    pub tuner_count: u32,
    /// Enabled accounts by name, with their effective limits.
    pub accounts: Vec<(String, u32)>,
    /// Enabled accounts' limits in full, by name.
    pub limits: HashMap<String, AccountLimits>,
}

/// An enabled account's connection limits as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountLimits {
    /// The user's (`--max-connections`).
    pub max: u32,
    /// What StreamForge uses: `max`, or the provider's lower limit.
    pub effective: u32,
    /// The provider's lower limit, when one was seen.
    pub lowered: Option<crate::store::ProviderLimit>,
}

/// Tuners to advertise: the sum of the enabled accounts' effective limits;
/// a configured count wins, but is capped by that sum once a provider
/// lowered a limit (a tuner that cannot play only earns an 805). At least 1.
pub fn tuner_count<'a>(
    configured: Option<u32>,
    accounts: impl IntoIterator<Item = &'a crate::store::AccountRecord>,
) -> u32 {
    let (mut max, mut effective) = (0u32, 0u32);
    for a in accounts.into_iter().filter(|a| a.enabled) {
        max = max.saturating_add(a.max_connections);
        effective = effective.saturating_add(a.effective_connections());
    }
    let count = match configured {
        None => effective,
        Some(c) if effective < max => c.min(effective),
        Some(c) => c,
    };
    count.max(1)
}

/// The key of a provider channel's `extra` where its plugin says how many
/// days of catch-up its provider keeps (Xtream `tv_archive_duration`); the
/// plugin is asked for an archive slice's URLs with [`ARCHIVE_START`] and
/// [`ARCHIVE_MINUTES`] among the options.
pub const ARCHIVE_DAYS: &str = "archive-days";
/// The option naming an archive slice's start (Unix seconds, UTC).
pub const ARCHIVE_START: &str = "archive-start";
/// The option naming an archive slice's length in minutes.
pub const ARCHIVE_MINUTES: &str = "archive-minutes";

impl ChannelRoute {
    /// Days of catch-up the channel has: the most any of its streams has.
    pub fn archive_days(&self) -> u32 {
        self.streams
            .iter()
            .map(|s| s.archive_days())
            .max()
            .unwrap_or(0)
    }

    /// The channel with `stream` as its one stream: what a connect tries
    /// when one stream is meant (a probe, a return to a better source).
    pub fn only(&self, stream: &Arc<RouteStream>) -> ChannelRoute {
        ChannelRoute {
            number: self.number.clone(),
            guide_id: self.guide_id.clone(),
            name: self.name.clone(),
            streams: vec![stream.clone()],
        }
    }
}

impl RouteStream {
    /// A short name for events: `account/key (FHD)`. No URL, no credentials.
    pub fn label(&self) -> String {
        format!(
            "{}/{} ({})",
            self.account.name,
            self.channel.key,
            self.quality.label()
        )
    }

    /// Days of catch-up its provider keeps (0: none), as its plugin said.
    pub fn archive_days(&self) -> u32 {
        self.channel
            .extra
            .iter()
            .find(|(k, _)| k == ARCHIVE_DAYS)
            .and_then(|(_, v)| v.trim().parse().ok())
            .unwrap_or(0)
    }

    /// The plugin's candidates for this stream (asked of `source` once,
    /// on the blocking pool, then kept).
    pub async fn candidates(
        self: &Arc<Self>,
        source: &Arc<dyn CandidateSource>,
    ) -> Result<Arc<Vec<Candidate>>, String> {
        if let Some(known) = self.candidates.get() {
            return known.clone();
        }
        let (stream, source) = (self.clone(), source.clone());
        let asked = blocking(move || {
            Ok(source
                .stream_candidates(
                    &stream.account.provider,
                    &stream.channel,
                    &stream.account.options,
                )
                .map(Arc::new))
        })
        .await
        .unwrap_or_else(|e| Err(format!("{e:#}")));
        self.candidates.get_or_init(|| asked).clone()
    }
}

/// Where a stream's ways to play come from: its provider plugin (the server
/// implements this over its plugin registry). Routing and the relay hold
/// this, not the plugins, so the byte path never reaches a plugin except
/// through this one question, asked once per stream off the relay's thread.
pub trait CandidateSource: Send + Sync {
    /// Ways to play `channel` of an account of plugin `provider` (with the
    /// account's `options`), best first, as URL templates; an error in plain
    /// words (blocking: runs the plugin).
    fn stream_candidates(
        &self,
        provider: &str,
        channel: &ProviderChannel,
        options: &[(String, String)],
    ) -> Result<Vec<Candidate>, String>;
}

/// Builds the table for `lineup` from the store (blocking: reads the database).
pub fn build(
    sources: &super::Sources,
    lineup: &Lineup,
    version: u64,
    configured_tuners: Option<u32>,
) -> anyhow::Result<RouteTable> {
    let store = &sources.store;
    let mut accounts: HashMap<String, Arc<RouteAccount>> = HashMap::new();
    let mut limits = Vec::new();
    let mut full_limits = HashMap::new();
    let records = store.accounts()?;
    let tuner_count = tuner_count(configured_tuners, &records);
    for record in records.into_iter().filter(|a| a.enabled) {
        limits.push((record.name.clone(), record.effective_connections()));
        full_limits.insert(
            record.name.clone(),
            AccountLimits {
                max: record.max_connections.max(1),
                effective: record.effective_connections(),
                lowered: record.provider_limit.clone(),
            },
        );
        match Unsealed::of(&sources.keys, &record) {
            Ok(credentials) => {
                accounts.insert(
                    record.name.clone(),
                    Arc::new(RouteAccount {
                        name: record.name.clone(),
                        provider: record.provider.clone(),
                        max_connections: record.effective_connections(),
                        priority: record.priority,
                        options: record.options.clone(),
                        credentials,
                    }),
                );
            }
            Err(e) => sources.events.record(
                Event::new(
                    "relay-account-failed",
                    format!("{e:#}; its streams are skipped"),
                )
                .account(&record.name),
            ),
        }
    }
    let mut channels = HashMap::new();
    for entry in &lineup.entries {
        // An exposed unmapped channel plays its one stream; a guide channel
        // its mappings.
        let links: Vec<(String, String, f32, Option<u32>)> = match &entry.unmapped {
            Some((account, key)) => vec![(account.clone(), key.clone(), 0.0, None)],
            None => store
                .mappings_of(&entry.guide_id)?
                .into_iter()
                .map(|m| {
                    let pinned = m.manual.then_some(m.rank);
                    (m.account, m.channel_key, m.confidence, pinned)
                })
                .collect(),
        };
        let mut streams = Vec::new();
        for (account_name, key, confidence, pinned) in links {
            let Some(account) = accounts.get(&account_name) else {
                continue; // disabled, or its password does not unseal
            };
            let Some(channel) = store.catalog_channel(&account_name, &key)? else {
                continue;
            };
            streams.push(RouteStream {
                account: account.clone(),
                quality: channel.quality,
                confidence,
                pinned,
                channel,
                candidates: OnceLock::new(),
            });
        }
        // A channel whose streams are all on disabled accounts stays, with
        // no stream: a tune answers 807 and says why, rather than 404.
        channels.insert(
            entry.number.clone(),
            Arc::new(ChannelRoute {
                number: entry.number.clone(),
                guide_id: entry.guide_id.clone(),
                name: entry.name.clone(),
                streams: in_connect_order(streams),
            }),
        );
    }
    Ok(RouteTable {
        version,
        channels,
        tuner_count,
        accounts: limits,
        limits: full_limits,
    })
}

/// Sorts streams the way the matcher ranks them (see `matching::rank`).
fn in_connect_order(streams: Vec<RouteStream>) -> Vec<Arc<RouteStream>> {
    let mut keyed: Vec<(RankKey, RouteStream)> = streams
        .into_iter()
        .map(|s| {
            let key = RankKey {
                pinned: s.pinned,
                quality: s.quality,
                // What streams measured is put in at tune time
                // (`relay::learn::ranked`): it changes without a rebuild.
                measured: None,
                score: 100,
                confidence: s.confidence,
                priority: s.account.priority,
                account: s.account.name.clone(),
                key: s.channel.key.clone(),
            };
            (key, s)
        })
        .collect();
    keyed.sort_by(|a, b| rank::order(&a.0, &b.0));
    keyed.into_iter().map(|(_, s)| Arc::new(s)).collect()
}

#[cfg(test)]
mod tests {
    use super::tuner_count;
    use crate::store::{AccountRecord, ProviderLimit};

    fn account(max: u32, lowered: Option<u32>, enabled: bool) -> AccountRecord {
        AccountRecord {
            name: "a".into(),
            provider: "xtream".into(),
            url: String::new(),
            username: None,
            sealed_password: None,
            max_connections: max,
            priority: 0,
            enabled,
            options: Vec::new(),
            created_at: 0,
            http: Default::default(),
            provider_limit: lowered.map(|limit| ProviderLimit {
                limit,
                lowered_at: 0,
                last_seen: 0,
                reason: "an eviction".into(),
            }),
        }
    }

    #[test]
    fn the_tuner_count_follows_the_effective_limits() {
        let plain = [
            account(2, None, true),
            account(3, None, true),
            account(4, None, false),
        ];
        assert_eq!(tuner_count(None, &plain), 5);
        // A configured count wins while nothing is lowered...
        assert_eq!(tuner_count(Some(8), &plain), 8);
        let lowered = [account(2, Some(1), true), account(3, None, true)];
        assert_eq!(tuner_count(None, &lowered), 4);
        // ...and is capped by the effective sum once a provider lowered one.
        assert_eq!(tuner_count(Some(8), &lowered), 4);
        assert_eq!(tuner_count(Some(2), &lowered), 2);
        assert_eq!(tuner_count(None, &[]), 1, "at least one");
    }
}
