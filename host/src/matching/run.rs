//! `match`: all guide channels × all enabled accounts' streams through the
//! matcher plugin, ranked and stored (manual pins untouched).

use super::rank::{self, RankKey};
use super::Matching;
use super::{too_large, DEFAULT_MATCHER, LOW_CONFIDENCE};
use crate::blocking::run as blocking;
use crate::events::Event;
use crate::model::{AccountChannel, GuideChannel, ProviderChannel};
use crate::plugins::budget::match_input_size;
use crate::store::MappingRecord;
use anyhow::anyhow;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// What `match` found.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MatchSummary {
    /// Distinct guide channels over all guides (by XMLTV id).
    pub guide_channels: usize,
    /// Provider streams of all enabled accounts offered to the matcher.
    pub streams: usize,
    /// Guide channels with at least one stream (automatic or manual).
    pub matched: usize,
    /// Guide channels left without any stream.
    pub unmatched: usize,
    /// Matched channels whose best automatic stream is below 0.8 confidence.
    pub low_confidence: usize,
    /// Automatic mappings (all variants of all channels).
    pub mappings: usize,
    /// Manual mappings (pins), left as they were.
    pub manual_kept: usize,
    /// Set when nothing was stored (`match --dry-run`).
    pub dry_run: bool,
}

impl MatchSummary {
    /// "5 of 7 guide channels": the part every wording of a match starts from.
    pub fn counts(&self) -> String {
        format!("{} of {} guide channels", self.matched, self.guide_channels)
    }

    /// "against 40 streams (12 automatic mappings, 2 low confidence, 1
    /// manual kept)": what follows the verb.
    pub fn details(&self) -> String {
        format!(
            "against {} streams ({} automatic mappings, {} low confidence, {} manual kept)",
            self.streams, self.mappings, self.low_confidence, self.manual_kept
        )
    }
}

impl Matching {
    /// Runs the matcher; with `dry_run` nothing is stored.
    pub async fn run_match(&self, dry_run: bool) -> anyhow::Result<MatchSummary> {
        let summary = self.match_all(dry_run).await;
        // Every stream and match read for the run is dropped by now.
        crate::memory::give_back();
        summary
    }

    async fn match_all(&self, dry_run: bool) -> anyhow::Result<MatchSummary> {
        let store = self.store.clone();
        let (guide, streams, priorities) = blocking(move || {
            let mut guide: BTreeMap<String, GuideChannel> = BTreeMap::new();
            for g in store.guides()? {
                for c in store.guide_channels(&g.name)? {
                    guide.entry(c.id.clone()).or_insert(GuideChannel {
                        id: c.id,
                        names: c.names,
                        number: c.number,
                        icon: c.icon,
                    });
                }
            }
            let mut streams = Vec::new();
            let mut priorities = HashMap::new();
            for a in store.accounts()?.into_iter().filter(|a| a.enabled) {
                priorities.insert(a.name.clone(), a.priority);
                for channel in store.catalog(&a.name)? {
                    streams.push(AccountChannel {
                        account: a.name.clone(),
                        channel,
                    });
                }
            }
            Ok((guide.into_values().collect::<Vec<_>>(), streams, priorities))
        })
        .await?;

        let plugin = self.plugins.get(DEFAULT_MATCHER)?;
        let (guide, streams, found) = blocking(move || {
            let matcher = plugin
                .matcher()
                .ok_or_else(|| anyhow!("plugin `{}` is not a channel matcher", plugin.name()))?;
            let bytes = match_input_size(&guide, &streams);
            let run = matcher
                .match_channels(guide, streams, &[])
                .map_err(|e| too_large::worded(e, bytes))?;
            Ok((run.guide, run.streams, run.matches))
        })
        .await?;

        let by_stream: HashMap<(&str, &str), &ProviderChannel> = streams
            .iter()
            .map(|s| ((s.account.as_str(), s.channel.key.as_str()), &s.channel))
            .collect();
        let guide_ids: std::collections::HashSet<&str> =
            guide.iter().map(|g| g.id.as_str()).collect();
        let mut per_channel: BTreeMap<&str, Vec<RankKey>> = BTreeMap::new();
        for m in &found {
            // A plugin may only link what exists.
            let Some(channel) = by_stream.get(&(m.account.as_str(), m.channel_key.as_str())) else {
                continue;
            };
            if !guide_ids.contains(m.guide_id.as_str()) || !m.confidence.is_finite() {
                continue;
            }
            per_channel
                .entry(m.guide_id.as_str())
                .or_default()
                .push(RankKey {
                    pinned: None,
                    quality: channel.quality,
                    // The stored order is the names'; the relay and
                    // `mappings` put what streams measured on top of it.
                    measured: None,
                    score: 100,
                    confidence: m.confidence.clamp(0.0, 1.0),
                    priority: priorities.get(&m.account).copied().unwrap_or(0),
                    account: m.account.clone(),
                    key: m.channel_key.clone(),
                });
        }
        let mut auto = Vec::new();
        let mut low = 0;
        for (guide_id, mut keys) in per_channel.clone() {
            keys.dedup_by(|a, b| a.account == b.account && a.key == b.key);
            rank::sort(&mut keys);
            if keys.iter().map(|k| k.confidence).fold(0.0, f32::max) < LOW_CONFIDENCE {
                low += 1;
            }
            for (i, k) in keys.into_iter().enumerate() {
                auto.push(MappingRecord {
                    guide_id: guide_id.to_string(),
                    account: k.account,
                    channel_key: k.key,
                    confidence: k.confidence,
                    manual: false,
                    rank: i as u32,
                });
            }
        }
        let manual: Vec<MappingRecord> = self
            .store
            .mappings()?
            .into_iter()
            .filter(|m| m.manual)
            .collect();
        let mut matched: std::collections::HashSet<&str> = per_channel.keys().copied().collect();
        matched.extend(
            manual
                .iter()
                .map(|m| m.guide_id.as_str())
                .filter(|id| guide_ids.contains(id)),
        );
        let summary = MatchSummary {
            guide_channels: guide.len(),
            streams: streams.len(),
            matched: matched.len(),
            unmatched: guide.len() - matched.len(),
            low_confidence: low,
            mappings: auto.len(),
            manual_kept: manual.len(),
            dry_run,
        };
        if !dry_run {
            // A disabled account's streams were not offered: its mappings
            // wait for it to be enabled again.
            let disabled: std::collections::HashSet<String> = self
                .store
                .accounts()?
                .into_iter()
                .filter(|a| !a.enabled)
                .map(|a| a.name)
                .collect();
            self.store.replace_auto_mappings(&auto, &disabled)?;
            let numbered: Vec<(String, Option<String>)> = guide
                .iter()
                .filter(|g| matched.contains(g.id.as_str()))
                .map(|g| (g.id.clone(), g.number.clone()))
                .collect();
            self.store.assign_numbers(&numbered)?;
            self.events.record(Event::new(
                "match",
                format!("{} matched {}", summary.counts(), summary.details()),
            ));
        }
        Ok(summary)
    }
}
