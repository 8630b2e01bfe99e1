//! The lineup: guide channels that have at least one mapped stream, with
//! their stable numbers, logos, groups and HD flags, built from the store
//! into the routing snapshot.

use crate::model::Quality;
use crate::store::Store;
use std::collections::{HashMap, HashSet};

/// One channel of the lineup.
#[derive(Debug, Clone, PartialEq)]
pub struct LineupEntry {
    /// HDHomeRun `GuideNumber`: digits (and a dot), never `_`.
    pub number: String,
    /// The guide channel id as the guide wrote it.
    pub guide_id: String,
    /// The id used in `/xmltv.xml` and the M3U `tvg-id` (the guide id when
    /// it is a valid XMLTV id, else a cleaned form of it).
    pub xmltv_id: String,
    /// The channel's name as the guide gives it.
    pub name: String,
    /// Logo URL: the guide's icon, else a mapped stream's logo.
    pub logo: Option<String>,
    /// The provider group of a mapped stream, for M3U `group-title`.
    pub group: Option<String>,
    /// Best mapped quality is HD or better.
    pub hd: bool,
    /// The guide (by name) whose programmes this channel shows.
    pub guide: String,
}

/// The whole lineup, sorted by number.
#[derive(Debug, Clone, Default)]
pub struct Lineup {
    /// The channels, sorted by number.
    pub entries: Vec<LineupEntry>,
}

/// What the lineup needs of a mapped stream: quality, group, logo.
type StreamFacts = (Quality, Option<String>, Option<String>);

/// Builds the lineup from the store.
pub fn build(store: &Store) -> crate::store::Result<Lineup> {
    let mappings = store.mappings()?;
    let mapped: HashSet<&str> = mappings.iter().map(|m| m.guide_id.as_str()).collect();
    let numbers: HashMap<String, String> = store
        .lineup_numbers()?
        .into_iter()
        .map(|n| (n.guide_id, n.number))
        .collect();
    let mut catalogs: HashMap<String, HashMap<String, StreamFacts>> = HashMap::new();
    for m in &mappings {
        if !catalogs.contains_key(&m.account) {
            let map = store
                .catalog(&m.account)?
                .into_iter()
                .map(|c| (c.key, (c.quality, c.group, c.logo)))
                .collect();
            catalogs.insert(m.account.clone(), map);
        }
    }
    let mut entries = Vec::new();
    let mut seen = HashSet::new();
    let mut used_ids = HashSet::new();
    for guide in store.guides()? {
        for c in store.guide_channels(&guide.name)? {
            if !mapped.contains(c.id.as_str()) || !seen.insert(c.id.clone()) {
                continue;
            }
            let Some(number) = numbers.get(&c.id).cloned() else {
                continue;
            };
            let streams: Vec<_> = mappings
                .iter()
                .filter(|m| m.guide_id == c.id)
                .filter_map(|m| catalogs.get(&m.account)?.get(&m.channel_key))
                .collect();
            if streams.is_empty() {
                continue; // every mapped stream left its catalogue
            }
            let hd = streams.iter().any(|(q, _, _)| q.is_hd());
            let group = streams.iter().find_map(|(_, g, _)| g.clone());
            let logo = c
                .icon
                .clone()
                .or_else(|| streams.iter().find_map(|(_, _, l)| l.clone()));
            let xmltv_id = unique(xmltv_id(&c.id), &mut used_ids);
            entries.push(LineupEntry {
                number,
                name: c.names.first().cloned().unwrap_or_else(|| c.id.clone()),
                guide_id: c.id,
                xmltv_id,
                logo,
                group,
                hd,
                guide: guide.name.clone(),
            });
        }
    }
    entries.sort_by_key(|e| number_key(&e.number));
    Ok(Lineup { entries })
}

/// Sorts "5" < "5.1" < "10" < "101".
fn number_key(n: &str) -> (u64, u64) {
    let mut parts = n.split('.');
    let major = parts
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or(u64::MAX);
    let minor = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    (major, minor)
}

/// An id `tv_validate_file` accepts (`^[-a-zA-Z0-9]+(\.[-a-zA-Z0-9]+)+$`).
pub fn xmltv_id(id: &str) -> String {
    let cleaned: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let parts: Vec<&str> = cleaned.split('.').filter(|p| !p.is_empty()).collect();
    match parts.len() {
        0 => "channel.streamforge".to_string(),
        1 => format!("{}.streamforge", parts[0]),
        _ => parts.join("."),
    }
}

fn unique(id: String, used: &mut HashSet<String>) -> String {
    if used.insert(id.clone()) {
        return id;
    }
    (2..)
        .map(|n| format!("{id}.{n}"))
        .find(|c| used.insert(c.clone()))
        .expect("some suffix is free")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xmltv_ids_are_made_valid() {
        assert_eq!(xmltv_id("BBCOne.uk"), "BBCOne.uk");
        assert_eq!(xmltv_id("BBC One"), "BBC-One.streamforge");
        assert_eq!(xmltv_id("das_erste.de"), "das-erste.de");
        assert_eq!(xmltv_id(".."), "channel.streamforge");
        assert_eq!(xmltv_id("a..b"), "a.b");
    }

    #[test]
    fn numbers_sort_numerically() {
        let mut v = vec!["101", "5.1", "10", "5", "1000"];
        v.sort_by_key(|n| number_key(n));
        assert_eq!(v, ["5", "5.1", "10", "101", "1000"]);
    }
}
