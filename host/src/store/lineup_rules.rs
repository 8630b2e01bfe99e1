//! What the user decided about the lineup beyond mappings: disabled
//! channels, group filters, whether unmapped provider channels are shown,
//! and the stable numbers those unmapped channels get (10000 up, kept like
//! guide numbers).

use super::{decode, encode, Result, Store};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// One group filter: channels whose provider group (or, with `category`,
/// whose guide category) is `group` are kept (`include`) or left out (exclude).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct GroupRule {
    /// The provider group (M3U `group-title`, Xtream category) or the guide
    /// category (XMLTV programme `<category>`), as written.
    pub group: String,
    /// Include (true) or exclude (false).
    pub include: bool,
    /// Whether `group` is a guide category rather than a provider group.
    #[serde(default)]
    pub category: bool,
}

/// The user's lineup rules, stored as one record so a change is atomic.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct LineupRules {
    /// Guide ids the user took out of the lineup (their numbers are kept).
    pub disabled_channels: BTreeSet<String>,
    /// Group filters, in the order they were added.
    pub groups: Vec<GroupRule>,
    /// Show provider channels no guide channel is mapped to.
    pub expose_unmapped: bool,
}

/// Where numbers of unmapped provider channels start.
pub const FIRST_UNMAPPED: u64 = 10_000;

const RULES_KEY: &[u8] = b"rules";

fn stream_key(account: &str, key: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(account.len() + key.len() + 1);
    k.extend_from_slice(account.as_bytes());
    k.push(0);
    k.extend_from_slice(key.as_bytes());
    k
}

impl Store {
    /// The lineup rules (defaults when none were ever set).
    pub fn lineup_rules(&self) -> Result<LineupRules> {
        match self.lineup_rules.get(RULES_KEY)? {
            Some(v) => decode("lineup rules", &v),
            None => Ok(LineupRules::default()),
        }
    }

    /// Replaces the lineup rules in one write; the lineup rebuilds.
    pub fn put_lineup_rules(&self, rules: &LineupRules) -> Result<()> {
        self.lineup_rules.insert(RULES_KEY, encode(rules))?;
        self.lineup_rules.flush()?;
        self.changed()
    }

    /// The stable number of each of `streams` (account, key), giving the
    /// ones without a number the next free one from 10000 up. Numbers are
    /// never reused, so a channel that leaves and comes back keeps its own.
    /// Does not move the store version: the numbers only name channels the
    /// current lineup already shows.
    pub fn unmapped_numbers(&self, streams: &[(String, String)]) -> Result<Vec<String>> {
        let mut next = self
            .unmapped_numbers
            .iter()
            .values()
            .filter_map(|v| {
                v.ok()
                    .and_then(|v| String::from_utf8_lossy(&v).parse::<u64>().ok())
            })
            .max()
            .map_or(FIRST_UNMAPPED, |n| n + 1);
        let mut out = Vec::with_capacity(streams.len());
        let mut batch = sled::Batch::default();
        let mut added = false;
        for (account, key) in streams {
            let k = stream_key(account, key);
            match self.unmapped_numbers.get(&k)? {
                Some(v) => out.push(String::from_utf8_lossy(&v).into_owned()),
                None => {
                    let n = next.to_string();
                    next += 1;
                    batch.insert(k, n.as_bytes());
                    out.push(n);
                    added = true;
                }
            }
        }
        if added {
            self.unmapped_numbers.apply_batch(batch)?;
            self.unmapped_numbers.flush()?;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(a: &str, k: &str) -> (String, String) {
        (a.to_string(), k.to_string())
    }

    #[test]
    fn unmapped_numbers_start_at_10000_and_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        let first = store
            .unmapped_numbers(&[pair("a", "1"), pair("a", "2")])
            .unwrap();
        assert_eq!(first, ["10000", "10001"]);
        // Asked again, in another order, with a newcomer: the same numbers,
        // and the newcomer after the highest ever given.
        let again = store
            .unmapped_numbers(&[pair("b", "1"), pair("a", "2"), pair("a", "1")])
            .unwrap();
        assert_eq!(again, ["10002", "10001", "10000"]);
        drop(store);
        let store = crate::store::reopen(&dir.path().join("db"));
        assert_eq!(
            store.unmapped_numbers(&[pair("a", "2")]).unwrap(),
            ["10001"]
        );
    }

    #[test]
    fn rules_round_trip_and_move_the_version() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        assert_eq!(store.lineup_rules().unwrap(), LineupRules::default());
        let before = store.version().unwrap();
        let mut rules = LineupRules::default();
        rules.disabled_channels.insert("x.de".into());
        rules.groups.push(GroupRule {
            group: "News".into(),
            include: false,
            category: false,
        });
        store.put_lineup_rules(&rules).unwrap();
        assert_eq!(store.lineup_rules().unwrap(), rules);
        assert!(store.version().unwrap() > before, "the lineup rebuilds");
    }
}
