//! The lineup: guide channels that have at least one mapped stream, with
//! their stable numbers, logos, groups and HD flags, built from the store
//! into the routing snapshot.

use crate::model::Quality;
use crate::store::{GroupRule, LineupRules, Store};
use std::collections::{HashMap, HashSet};

/// One channel of the lineup.
#[derive(Debug, Clone, PartialEq)]
pub struct LineupEntry {
    /// HDHomeRun `GuideNumber`: digits (and a dot), never `_`.
    pub number: String,
    /// The guide channel id as the guide wrote it (for an exposed unmapped
    /// provider channel, `account/key`, which no guide uses).
    pub guide_id: String,
    /// The id used in `/xmltv.xml` and the M3U `tvg-id` (the guide id when
    /// it is a valid XMLTV id, else a cleaned form of it).
    pub xmltv_id: String,
    /// The channel's name as the guide gives it.
    pub name: String,
    /// Logo URL: the guide's icon, else a mapped stream's logo.
    pub logo: Option<String>,
    /// Where the logo URL came from: the guide's or the account's URL (a
    /// path for a guide read from a file). The logo may be fetched from a
    /// private address only when this source is served from it.
    pub logo_source: Option<String>,
    /// The provider group of a mapped stream, for M3U `group-title`.
    pub group: Option<String>,
    /// Best mapped quality is HD or better.
    pub hd: bool,
    /// The guide (by name) whose programmes this channel shows.
    pub guide: String,
    /// Set for an unmapped provider channel shown by `lineup
    /// expose-unmapped on`: the one stream it plays (account, key).
    pub unmapped: Option<(String, String)>,
}

/// The whole lineup, sorted by number.
#[derive(Debug, Clone, Default)]
pub struct Lineup {
    /// The channels, sorted by number.
    pub entries: Vec<LineupEntry>,
}

/// Plex shows at most this many channels of one tuner.
pub const PLEX_CHANNEL_LIMIT: usize = 480;

/// The warning for a lineup of `channels` channels, when Plex will not
/// show them all.
pub fn plex_limit_warning(channels: usize) -> Option<String> {
    (channels > PLEX_CHANNEL_LIMIT).then(|| {
        format!(
            "the lineup has {channels} channels but Plex shows at most {PLEX_CHANNEL_LIMIT} per tuner; \
             take some out (`streamforge lineup exclude-group NAME`, `streamforge channel disable GUIDE_ID`)"
        )
    })
}

/// What the lineup needs of a mapped stream: quality, group, logo (with the
/// URL of the account that named it).
type StreamFacts = (Quality, Option<String>, Option<(String, String)>);

/// A channel that may be in a lineup, with what the filters read of it.
#[derive(Debug, Clone)]
struct Candidate {
    /// The channel, its `group` not yet chosen.
    entry: LineupEntry,
    /// The provider groups of its streams.
    groups: Vec<Option<String>>,
    /// Its programmes' guide categories.
    categories: Vec<String>,
}

/// Every channel any lineup may hold: guide channels with a mapped stream
/// and a number, less the ones the user disabled, plus (when asked for) the
/// provider channels no guide channel is mapped to; sorted by number. Each
/// lineup is a [`Universe::select`] of it, so a channel has one number in
/// every lineup.
#[derive(Debug, Clone, Default)]
pub struct Universe {
    candidates: Vec<Candidate>,
}

/// Builds `main`'s lineup from the store (see [`universe`]).
pub fn build(store: &Store) -> crate::store::Result<Lineup> {
    let rules = store.lineup_rules()?;
    Ok(universe(store, &rules)?.select(&rules.groups, |_| true))
}

/// Builds the [`Universe`] from the store.
pub fn universe(store: &Store, rules: &LineupRules) -> crate::store::Result<Universe> {
    let mappings = store.mappings()?;
    let mapped: HashSet<&str> = mappings.iter().map(|m| m.guide_id.as_str()).collect();
    let numbers: HashMap<String, String> = store
        .lineup_numbers()?
        .into_iter()
        .map(|n| (n.guide_id, n.number))
        .collect();
    let account_urls: HashMap<String, String> = store
        .accounts()?
        .into_iter()
        .map(|a| (a.name, a.url))
        .collect();
    let mut catalogs: HashMap<String, HashMap<String, StreamFacts>> = HashMap::new();
    for m in &mappings {
        if !catalogs.contains_key(&m.account) {
            let source = account_urls.get(&m.account).cloned().unwrap_or_default();
            let map = store
                .catalog(&m.account)?
                .into_iter()
                .map(|c| {
                    let logo = c.logo.map(|l| (l, source.clone()));
                    (c.key, (c.quality, c.group, logo))
                })
                .collect();
            catalogs.insert(m.account.clone(), map);
        }
    }
    let mut candidates = Vec::new();
    let mut seen = HashSet::new();
    let mut used_ids = HashSet::new();
    for guide in store.guides()? {
        for c in store.guide_channels(&guide.name)? {
            if !mapped.contains(c.id.as_str()) || !seen.insert(c.id.clone()) {
                continue;
            }
            if rules.disabled_channels.contains(&c.id) {
                continue; // its number stays in the store for when it is back
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
            let (logo, logo_source) = match c.icon.clone() {
                Some(icon) => (Some(icon), Some(guide.source.clone())),
                None => streams
                    .iter()
                    .find_map(|(_, _, l)| l.clone())
                    .map_or((None, None), |(l, from)| (Some(l), Some(from))),
            };
            let xmltv_id = unique(xmltv_id(&c.id), &mut used_ids);
            candidates.push(Candidate {
                groups: streams.iter().map(|(_, g, _)| g.clone()).collect(),
                categories: c.categories.clone(),
                entry: LineupEntry {
                    number,
                    name: c.names.first().cloned().unwrap_or_else(|| c.id.clone()),
                    guide_id: c.id,
                    xmltv_id,
                    logo,
                    logo_source,
                    group: None,
                    hd,
                    guide: guide.name.clone(),
                    unmapped: None,
                },
            });
        }
    }
    if rules.expose_unmapped {
        let taken: HashSet<String> = candidates.iter().map(|c| c.entry.number.clone()).collect();
        let linked: HashSet<(&str, &str)> = mappings
            .iter()
            .map(|m| (m.account.as_str(), m.channel_key.as_str()))
            .collect();
        let mut unmapped = Vec::new();
        for account in store.accounts()?.into_iter().filter(|a| a.enabled) {
            let account_url = account.url.clone();
            for c in store.catalog(&account.name)? {
                if linked.contains(&(account.name.as_str(), c.key.as_str())) {
                    continue;
                }
                unmapped.push((account.name.clone(), account_url.clone(), c));
            }
        }
        let keys: Vec<(String, String)> = unmapped
            .iter()
            .map(|(a, _, c)| (a.clone(), c.key.clone()))
            .collect();
        let numbers = store.unmapped_numbers(&keys)?;
        for ((account, account_url, c), number) in unmapped.into_iter().zip(numbers) {
            if taken.contains(&number) {
                continue; // a guide channel holds it; never two channels on one number
            }
            let id = format!("{account}/{}", c.key);
            let xmltv_id = unique(xmltv_id(&format!("{}.{account}", c.key)), &mut used_ids);
            candidates.push(Candidate {
                groups: vec![c.group.clone()],
                categories: Vec::new(),
                entry: LineupEntry {
                    number,
                    name: c.name,
                    xmltv_id,
                    logo_source: c.logo.as_ref().map(|_| account_url),
                    logo: c.logo,
                    group: c.group,
                    hd: c.quality.is_hd(),
                    guide: String::new(),
                    unmapped: Some((account, c.key)),
                    guide_id: id,
                },
            });
        }
    }
    candidates.sort_by_key(|c| number_key(&c.entry.number));
    Ok(Universe { candidates })
}

impl Universe {
    /// The lineup of the channels that pass `groups` (provider groups and
    /// guide categories, see [`group_passes`] and [`category_passes`]) and
    /// whose number `keep` accepts; each channel's `group` is the first of
    /// its streams' groups that passes.
    pub fn select(&self, groups: &[GroupRule], keep: impl Fn(&str) -> bool) -> Lineup {
        let entries = self
            .candidates
            .iter()
            .filter(|c| keep(&c.entry.number) && category_passes(groups, &c.categories))
            .filter_map(|c| {
                let mut passing = c
                    .groups
                    .iter()
                    .filter(|g| group_passes(groups, g.as_deref()));
                let first = passing.next()?;
                let mut entry = c.entry.clone();
                if entry.unmapped.is_none() {
                    entry.group = first.clone().or_else(|| passing.find_map(|g| g.clone()));
                }
                Some(entry)
            })
            .collect();
        Lineup { entries }
    }
}

impl Lineup {
    /// Whether channel `number` is in it.
    pub fn contains(&self, number: &str) -> bool {
        let key = number_key(number);
        self.entries
            .binary_search_by(|e| number_key(&e.number).cmp(&key))
            .is_ok_and(|i| self.entries[i].number == number)
    }

    /// The channels of both, each once, sorted by number.
    pub fn union(&self, other: &Lineup) -> Lineup {
        let mut entries = self.entries.clone();
        entries.extend(
            other
                .entries
                .iter()
                .filter(|e| !self.contains(&e.number))
                .cloned(),
        );
        entries.sort_by_key(|e| number_key(&e.number));
        Lineup { entries }
    }
}

/// Orders guide numbers as numbers (`"5"` < `"5.1"` < `"10"`).
pub fn by_number(a: &str, b: &str) -> std::cmp::Ordering {
    number_key(a).cmp(&number_key(b))
}

/// Whether a stream of provider group `group` passes the group filters:
/// when any group is included, only streams of an included group pass;
/// a stream of an excluded group never does.
/// Guide-category rules do not apply here (see [`category_passes`]).
pub fn group_passes(rules: &[GroupRule], group: Option<&str>) -> bool {
    let provider = || rules.iter().filter(|r| !r.category);
    let is = |r: &GroupRule| group.is_some_and(|g| g == r.group);
    let mut included = provider().filter(|r| r.include).peekable();
    (included.peek().is_none() || included.any(is)) && !provider().any(|r| !r.include && is(r))
}

/// Whether a guide channel whose programmes have `categories` passes the
/// guide-category filters, the same way: when any category is included, only
/// channels with an included one pass; one excluded category leaves it out.
/// Provider-group filters apply besides (a channel must pass both).
pub fn category_passes(rules: &[GroupRule], categories: &[String]) -> bool {
    let guide = || rules.iter().filter(|r| r.category);
    let is = |r: &GroupRule| categories.contains(&r.group);
    let mut included = guide().filter(|r| r.include).peekable();
    (included.peek().is_none() || included.any(is)) && !guide().any(|r| !r.include && is(r))
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
    fn groups_include_then_exclude() {
        let rule = |g: &str, include| GroupRule {
            group: g.into(),
            include,
            category: false,
        };
        assert!(group_passes(&[], Some("News")));
        assert!(group_passes(&[], None));
        let exclude = [rule("News", false)];
        assert!(!group_passes(&exclude, Some("News")));
        assert!(group_passes(&exclude, Some("Sport")));
        assert!(group_passes(&exclude, None));
        let include = [
            rule("News", true),
            rule("Sport", true),
            rule("Sport", false),
        ];
        assert!(group_passes(&include, Some("News")));
        assert!(!group_passes(&include, Some("Sport")), "exclude wins");
        assert!(!group_passes(&include, Some("Film")));
        assert!(!group_passes(&include, None));
    }

    #[test]
    fn categories_filter_apart_from_provider_groups() {
        let rule = |g: &str, include, category| GroupRule {
            group: g.into(),
            include,
            category,
        };
        let cats = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let rules = [rule("News", true, true), rule("Sport", false, false)];
        assert!(category_passes(&rules, &cats(&["News", "Talk"])));
        assert!(!category_passes(&rules, &cats(&["Film"])));
        assert!(!category_passes(&rules, &[]), "no category: not included");
        assert!(
            group_passes(&rules, Some("Film")),
            "a category rule is not a group rule"
        );
        assert!(!group_passes(&rules, Some("Sport")));
        let exclude = [rule("Kids", false, true), rule("Kids", true, false)];
        assert!(!category_passes(&exclude, &cats(&["Kids", "News"])));
        assert!(category_passes(&exclude, &cats(&["News"])));
        assert!(
            !group_passes(&exclude, Some("News")),
            "the group include still holds"
        );
    }

    #[test]
    fn the_plex_limit_warns_past_480_channels() {
        assert_eq!(plex_limit_warning(0), None);
        assert_eq!(plex_limit_warning(480), None);
        let w = plex_limit_warning(481).expect("a warning past 480");
        assert!(w.contains("481") && w.contains("480"), "{w}");
    }

    #[test]
    fn numbers_sort_numerically() {
        let mut v = vec!["101", "5.1", "10", "5", "1000"];
        v.sort_by_key(|n| number_key(n));
        assert_eq!(v, ["5", "5.1", "10", "101", "1000"]);
    }
}
