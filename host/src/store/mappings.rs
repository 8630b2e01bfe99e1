//! Which provider streams carry which guide channel. Automatic mappings are
//! replaced at every match; manual ones survive every re-sync and re-match.

use super::{decode, encode, Result, Store};
use serde::{Deserialize, Serialize};

/// One guide channel → provider stream link.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MappingRecord {
    /// The guide channel's XMLTV id.
    pub guide_id: String,
    /// The account the stream belongs to.
    pub account: String,
    /// The stream's key within the account.
    pub channel_key: String,
    /// 0..1 from the matcher; 1 for manual pins.
    pub confidence: f32,
    /// Pinned by the user (`streamforge map`).
    pub manual: bool,
    /// Order among the guide channel's streams, 0 first.
    pub rank: u32,
}

fn key(guide_id: &str, account: &str, channel_key: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(guide_id.len() + account.len() + channel_key.len() + 2);
    k.extend_from_slice(guide_id.as_bytes());
    k.push(0);
    k.extend_from_slice(account.as_bytes());
    k.push(0);
    k.extend_from_slice(channel_key.as_bytes());
    k
}

impl Store {
    /// Every mapping, by guide id then rank.
    pub fn mappings(&self) -> Result<Vec<MappingRecord>> {
        let mut all: Vec<MappingRecord> = self
            .mappings
            .iter()
            .values()
            .map(|v| decode("mapping", &v?))
            .collect::<Result<_>>()?;
        all.sort_by(|a, b| a.guide_id.cmp(&b.guide_id).then(a.rank.cmp(&b.rank)));
        Ok(all)
    }

    /// Mappings of one guide channel, by rank.
    pub fn mappings_of(&self, guide_id: &str) -> Result<Vec<MappingRecord>> {
        let mut prefix = guide_id.as_bytes().to_vec();
        prefix.push(0);
        let mut list: Vec<MappingRecord> = self
            .mappings
            .scan_prefix(prefix)
            .values()
            .map(|v| decode("mapping", &v?))
            .collect::<Result<_>>()?;
        list.sort_by_key(|m| m.rank);
        Ok(list)
    }

    /// Replaces every automatic mapping with `auto` in one atomic batch;
    /// manual mappings stay, so do the automatic ones of the `kept`
    /// accounts (disabled ones, which the matcher did not see), and an
    /// automatic one never overrides a manual one for the same stream.
    pub fn replace_auto_mappings(
        &self,
        auto: &[MappingRecord],
        kept: &std::collections::HashSet<String>,
    ) -> Result<()> {
        let mut batch = sled::Batch::default();
        let mut manual = std::collections::HashSet::new();
        for entry in self.mappings.iter() {
            let (k, v) = entry?;
            let record: MappingRecord = decode("mapping", &v)?;
            if record.manual || kept.contains(&record.account) {
                manual.insert(k.to_vec());
            } else {
                batch.remove(k);
            }
        }
        for m in auto {
            let k = key(&m.guide_id, &m.account, &m.channel_key);
            if !manual.contains(&k) {
                batch.insert(
                    k,
                    encode(&MappingRecord {
                        manual: false,
                        ..m.clone()
                    }),
                );
            }
        }
        self.mappings.apply_batch(batch)?;
        self.mappings.flush()?;
        self.changed()
    }

    /// Adds or replaces one mapping (a manual pin).
    pub fn put_mapping(&self, m: &MappingRecord) -> Result<()> {
        self.mappings
            .insert(key(&m.guide_id, &m.account, &m.channel_key), encode(m))?;
        self.mappings.flush()?;
        self.changed()
    }

    /// Removes one mapping; returns it if it existed.
    pub fn remove_mapping(
        &self,
        guide_id: &str,
        account: &str,
        channel_key: &str,
    ) -> Result<Option<MappingRecord>> {
        let old = self.mappings.remove(key(guide_id, account, channel_key))?;
        self.mappings.flush()?;
        self.changed()?;
        old.map(|v| decode("mapping", &v)).transpose()
    }

    pub(super) fn remove_mappings_of_account(&self, account: &str) -> Result<()> {
        let mut batch = sled::Batch::default();
        for entry in self.mappings.iter() {
            let (k, v) = entry?;
            let record: MappingRecord = decode("mapping", &v)?;
            if record.account == account {
                batch.remove(k);
            }
        }
        self.mappings.apply_batch(batch)?;
        Ok(())
    }
}
