//! The lineups beyond `main`: each one a device of its own (DeviceID, name,
//! tuners) over a chosen set of the channels. `main` is not stored here: it
//! is today's lineup, its filters in [`super::LineupRules`] and its identity
//! in the settings, so an upgrade changes nothing a media server sees.

use super::{decode, encode, GroupRule, Result, Store};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// One lineup besides `main`, as the user made it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct LineupRecord {
    /// Its name: lowercase letters, digits and `-`, at most 32 (the path
    /// `/lineups/{name}/` and the CLI use it).
    pub name: String,
    /// Its HDHomeRun DeviceID (8 hex digits with a valid checksum), made
    /// once when the lineup is created and kept.
    pub device_id: String,
    /// The `FriendlyName` media servers show.
    pub friendly_name: String,
    /// Tuners it advertises and may hold at once (`None`: as many as
    /// `main`, which follows the accounts' limits).
    pub tuners: Option<u32>,
    /// Higher goes first when accounts are full (see `relay::ledger`).
    pub priority: i32,
    /// Whether its tunes may end the oldest session of a lower-priority
    /// lineup on a full account (otherwise only idle ones).
    pub preempt: bool,
    /// A listener of its own (for clients that take only `host:port`).
    pub port: Option<u16>,
    /// Provider-group and guide-category filters, as `main`'s are.
    pub groups: Vec<GroupRule>,
    /// Guide numbers chosen one by one (with `first`/`last`: a channel in
    /// either is in; with neither: every channel passing the filters).
    pub channels: BTreeSet<String>,
    /// The first number of a range of channels it holds.
    pub first: Option<String>,
    /// The last number of that range.
    pub last: Option<String>,
}

/// The name the lineup every data dir has goes by.
pub const MAIN_LINEUP: &str = "main";

/// Whether `name` can name a lineup (and sit in a URL path unescaped).
pub fn valid_lineup_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 32
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
}

impl Store {
    /// Every lineup besides `main`, by name.
    pub fn lineups(&self) -> Result<Vec<LineupRecord>> {
        self.lineups
            .iter()
            .values()
            .map(|v| decode("lineup", &v?))
            .collect()
    }

    /// The lineup `name` (not `main`), if it exists.
    pub fn lineup(&self, name: &str) -> Result<Option<LineupRecord>> {
        self.lineups
            .get(name.as_bytes())?
            .map(|v| decode("lineup", &v))
            .transpose()
    }

    /// Adds or replaces a lineup.
    pub fn put_lineup(&self, lineup: &LineupRecord) -> Result<()> {
        self.lineups
            .insert(lineup.name.as_bytes(), encode(lineup))?;
        self.lineups.flush()?;
        self.changed()
    }

    /// Removes a lineup; the old record if there was one.
    pub fn remove_lineup(&self, name: &str) -> Result<Option<LineupRecord>> {
        let old = self.lineups.remove(name.as_bytes())?;
        self.lineups.flush()?;
        self.changed()?;
        old.map(|v| decode("lineup", &v)).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lineup_names_fit_a_path() {
        for ok in ["kids", "sports-2", "a", "main2"] {
            assert!(valid_lineup_name(ok), "{ok}");
        }
        for bad in ["", "Kids", "a/b", "-x", "a b", "ü", &"x".repeat(33), ".."] {
            assert!(!valid_lineup_name(bad), "{bad}");
        }
    }

    #[test]
    fn lineups_are_kept_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        let v0 = store.version().unwrap();
        let kids = LineupRecord {
            name: "kids".into(),
            device_id: "1234567A".into(),
            channels: ["101".to_string()].into(),
            ..Default::default()
        };
        store.put_lineup(&kids).unwrap();
        assert!(
            store.version().unwrap() > v0,
            "a lineup change rebuilds the routing"
        );
        assert_eq!(store.lineup("kids").unwrap(), Some(kids.clone()));
        assert_eq!(store.lineups().unwrap(), vec![kids.clone()]);
        assert_eq!(store.remove_lineup("kids").unwrap(), Some(kids));
        assert!(store.lineups().unwrap().is_empty());
    }
}
