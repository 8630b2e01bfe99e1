//! `mappings`, `map` and `unmap`: reviewing and pinning by hand.

use super::rank::{self, RankKey};
use super::Matching;
use crate::events::Event;
use crate::model::Quality;
use crate::store::MappingRecord;
use anyhow::{anyhow, bail};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// What to show.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MappingsQuery {
    /// Only guide channels without any stream.
    pub unmatched: bool,
    /// Only this guide channel.
    pub channel: Option<String>,
}

/// One stream of a guide channel.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MappedStream {
    /// The account the stream belongs to.
    pub account: String,
    /// The stream's key in that account's catalogue (what `map` takes).
    pub key: String,
    /// The provider's name for it (empty if the catalogue no longer has it).
    pub name: String,
    /// Quality tier read from its name (unknown if the catalogue no longer has it).
    pub quality: Quality,
    /// 0..1 from the matcher; 1 for manual pins.
    pub confidence: f32,
    /// Pinned by the user (`streamforge map`); kept by every re-match.
    pub manual: bool,
    /// Order among the channel's streams, 0 first.
    pub rank: u32,
    /// What it measured and how it behaved when it played (`--stats`).
    #[serde(default)]
    pub stats: Option<crate::history::StreamStats>,
}

/// A guide channel and its streams, best first.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ChannelMappings {
    /// The guide channel's XMLTV id (what `map` and `unmap` take).
    pub guide_id: String,
    /// Its first display name in the guide.
    pub name: String,
    /// Its lineup number, once it has one.
    pub number: Option<String>,
    /// Its streams in the order the relay tries them (pins first); empty when unmatched.
    pub streams: Vec<MappedStream>,
}

impl Matching {
    /// Guide channels with their mapped streams.
    pub fn mappings(&self, query: &MappingsQuery) -> anyhow::Result<Vec<ChannelMappings>> {
        let mut names: BTreeMap<String, String> = BTreeMap::new();
        for g in self.store.guides()? {
            for c in self.store.guide_channels(&g.name)? {
                let name = c.names.first().cloned().unwrap_or_default();
                names.entry(c.id).or_insert(name);
            }
        }
        let numbers: HashMap<String, String> = self
            .store
            .lineup_numbers()?
            .into_iter()
            .map(|n| (n.guide_id, n.number))
            .collect();
        let mut by_channel: BTreeMap<String, Vec<MappingRecord>> = BTreeMap::new();
        for m in self.store.mappings()? {
            by_channel.entry(m.guide_id.clone()).or_default().push(m);
        }
        let priorities: HashMap<String, i32> = self
            .store
            .accounts()?
            .into_iter()
            .map(|a| (a.name, a.priority))
            .collect();
        let mut catalogs: HashMap<String, HashMap<String, (String, Quality)>> = HashMap::new();
        let mut out = Vec::new();
        for (guide_id, name) in names {
            if query.channel.as_deref().is_some_and(|c| c != guide_id) {
                continue;
            }
            let records = by_channel.remove(&guide_id).unwrap_or_default();
            if query.unmatched && !records.is_empty() {
                continue;
            }
            let mut streams = Vec::new();
            for m in records {
                if !catalogs.contains_key(&m.account) {
                    let map = self
                        .store
                        .catalog(&m.account)?
                        .into_iter()
                        .map(|c| (c.key.clone(), (c.name, c.quality)))
                        .collect();
                    catalogs.insert(m.account.clone(), map);
                }
                let (sname, quality) = catalogs[&m.account]
                    .get(&m.channel_key)
                    .cloned()
                    .unwrap_or((String::new(), Quality::Unknown));
                streams.push(MappedStream {
                    account: m.account,
                    key: m.channel_key,
                    name: sname,
                    quality,
                    confidence: m.confidence,
                    manual: m.manual,
                    rank: m.rank,
                    stats: None,
                });
            }
            // The relay's order (see `matching::rank`), keys made once.
            let now = crate::clock::now_unix();
            let mut keyed: Vec<(RankKey, MappedStream)> = streams
                .into_iter()
                .map(|mut s| {
                    let id = crate::history::StreamId::new(&s.account, &s.key);
                    let stats = self.history.stats(&id, s.quality, now);
                    let key = RankKey {
                        pinned: s.manual.then_some(s.rank),
                        quality: s.quality,
                        measured: stats.measured,
                        score: stats.score,
                        confidence: s.confidence,
                        priority: priorities.get(&s.account).copied().unwrap_or(0),
                        account: s.account.clone(),
                        key: s.key.clone(),
                    };
                    s.stats = Some(stats);
                    (key, s)
                })
                .collect();
            keyed.sort_by(|a, b| rank::order(&a.0, &b.0));
            let streams: Vec<MappedStream> = keyed.into_iter().map(|(_, s)| s).collect();
            out.push(ChannelMappings {
                number: numbers.get(&guide_id).cloned(),
                guide_id,
                name,
                streams,
            });
        }
        if let Some(id) = &query.channel {
            if out.is_empty() {
                bail!("no guide channel has the id `{id}` (see `streamforge mappings`)");
            }
        }
        Ok(out)
    }

    /// Pins `account`/`key` to `guide_id` by hand; survives every re-match.
    pub fn map(
        &self,
        guide_id: &str,
        account: &str,
        key: &str,
        rank: u32,
    ) -> anyhow::Result<ChannelMappings> {
        let guide_channel = self.guide_channel(guide_id)?;
        if self.store.account(account)?.is_none() {
            bail!("there is no account named `{account}` (see `streamforge account list`)");
        }
        if self.store.catalog_channel(account, key)?.is_none() {
            bail!("account `{account}` has no channel with key `{key}` (sync it first, or check the key)");
        }
        self.store.put_mapping(&MappingRecord {
            guide_id: guide_id.to_string(),
            account: account.to_string(),
            channel_key: key.to_string(),
            confidence: 1.0,
            manual: true,
            rank,
        })?;
        self.store
            .assign_numbers(&[(guide_id.to_string(), guide_channel.number.clone())])?;
        self.events.record(
            Event::new(
                "mapping-pinned",
                format!("{guide_id} → {account}/{key} (rank {rank})"),
            )
            .account(account)
            .channel(guide_id),
        );
        let query = MappingsQuery {
            unmatched: false,
            channel: Some(guide_id.to_string()),
        };
        Ok(self.mappings(&query)?.remove(0))
    }

    /// Removes one mapping (manual or automatic).
    pub fn unmap(&self, guide_id: &str, account: &str, key: &str) -> anyhow::Result<()> {
        match self.store.remove_mapping(guide_id, account, key)? {
            Some(_) => {
                self.events.record(
                    Event::new("mapping-removed", format!("{guide_id} ↛ {account}/{key}"))
                        .account(account)
                        .channel(guide_id),
                );
                Ok(())
            }
            None => bail!("`{guide_id}` has no mapping to {account}/{key} (see `streamforge mappings --channel {guide_id}`)"),
        }
    }
}

impl Matching {
    /// The guide channel with XMLTV id `guide_id`, from whichever guide has
    /// it; the error says where to look.
    pub(crate) fn guide_channel(
        &self,
        guide_id: &str,
    ) -> anyhow::Result<crate::store::GuideChannelRecord> {
        self.store
            .guides()?
            .iter()
            .find_map(|g| {
                self.store
                    .guide_channels(&g.name)
                    .ok()?
                    .into_iter()
                    .find(|c| c.id == guide_id)
            })
            .ok_or_else(|| {
                anyhow!("no guide channel has the id `{guide_id}` (see `streamforge mappings`)")
            })
    }
}
