//! A deterministic synthetic catalogue for scale runs and host benchmarks.
//!
//! [`synthetic_catalog`] returns the crate's plain [`GuideChannel`] and
//! [`Stream`] records (see [`crate::model`]). A host benchmark that calls the
//! component converts them to WIT records one to one: `GuideChannel { id,
//! names }` → `guide-channel { id, names, number: none, icon: none }`, and
//! `Stream { account, key, name, base_name, tags, guide_id }` →
//! `account-channel { account, channel: provider-channel { .. } }` (quality
//! from `streamforge_names::parse_name(name)`, other fields empty).

#![deny(missing_docs)]

use std::collections::BTreeSet;

use streamforge_names::parse_name;

use crate::model::{GuideChannel, Stream};

mod words;

use words::*;

/// SplitMix64: tiny, deterministic, good enough to shuffle words.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.below(list.len())]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// `guide` guide channels with unique names and `streams` provider streams
/// over 4 accounts: most streams carry a guide channel with decorations
/// (country prefixes, quality, upper case, typos, sometimes the guide id),
/// some are feeds the guide may lack, some carry nothing. Same seed, same output.
pub fn synthetic_catalog(
    guide: usize,
    streams: usize,
    seed: u64,
) -> (Vec<GuideChannel>, Vec<Stream>) {
    let mut rng = Rng(seed);
    let mut seen = BTreeSet::new();
    let mut channels = Vec::with_capacity(guide);
    while channels.len() < guide {
        let mut name = guide_name(&mut rng);
        if !seen.insert(name.to_lowercase()) {
            name = format!("{name} {}", channels.len());
            seen.insert(name.to_lowercase());
        }
        let country = rng.pick(COUNTRIES);
        let slug: String = name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '+')
            .collect();
        let mut names = vec![name.clone()];
        if rng.chance(20) {
            names.push(format!("{}", 100 + channels.len()));
        }
        if rng.chance(10) {
            names.push(format!("{name} HD"));
        }
        channels.push(GuideChannel {
            id: format!("{slug}.{country}"),
            names,
        });
    }
    let list = (0..streams)
        .map(|i| stream(&mut rng, &channels, i))
        .collect();
    (channels, list)
}

/// One guide name from the word lists, sometimes a feed or a region.
fn guide_name(rng: &mut Rng) -> String {
    let brand = rng.pick(BRANDS);
    let mut name = match rng.below(5) {
        0 => format!("{brand} {}", rng.pick(TOPICS)),
        1 => format!("{brand} {} {}", rng.pick(TOPICS), rng.pick(SUFFIXES)),
        2 => format!("{brand} {}", rng.pick(SUFFIXES)),
        3 => format!("{brand} {}", 1 + rng.below(30)),
        _ => format!("{brand} {} {}", rng.pick(TOPICS), 1 + rng.below(9)),
    };
    if rng.chance(5) {
        name.push_str(rng.pick(FEEDS));
    } else if rng.chance(5) {
        name = format!("{name} {}", rng.pick(REGIONS));
    }
    name
}

/// Stream number `i`: a decorated guide channel, a feed of one, or noise.
fn stream(rng: &mut Rng, guide: &[GuideChannel], i: usize) -> Stream {
    let target = (!guide.is_empty()).then(|| &guide[rng.below(guide.len())]);
    let roll = rng.below(100);
    let mut base = match target {
        Some(g) if roll < 85 => g.names[0].clone(),
        Some(g) if roll < 95 => format!("{}{}", g.names[0], rng.pick(FEEDS)),
        _ => format!(
            "{} {} {}",
            rng.pick(TOPICS),
            rng.pick(BRANDS),
            rng.below(1000)
        ),
    };
    if rng.chance(5) {
        base = typo(rng, &base);
    }
    if rng.chance(20) {
        base = base.to_uppercase();
    }
    let country = rng.pick(COUNTRIES).to_uppercase();
    let name = format!(
        "{}{base}{}",
        rng.pick(PREFIXES).replace("{C}", &country),
        rng.pick(QUALITIES)
    );
    let parsed = parse_name(&name);
    let guide_id = match target {
        Some(g) if roll < 85 && rng.chance(30) => Some(g.id.to_lowercase()),
        _ => None,
    };
    Stream {
        account: format!("account-{}", rng.below(4)),
        key: i.to_string(),
        name,
        base_name: parsed.base_name,
        tags: parsed.tags,
        guide_id,
    }
}

/// Drops one letter of the longest word, the typo providers make most.
fn typo(rng: &mut Rng, name: &str) -> String {
    let longest = name.split(' ').max_by_key(|w| w.len()).unwrap_or_default();
    if longest.len() < 6 || !longest.is_ascii() {
        return name.to_string();
    }
    let at = 1 + rng.below(longest.len() - 2);
    let fixed = format!("{}{}", &longest[..at], &longest[at + 1..]);
    name.replacen(longest, &fixed, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_sized() {
        let (g1, s1) = synthetic_catalog(200, 1000, 7);
        let (g2, s2) = synthetic_catalog(200, 1000, 7);
        assert_eq!((g1.len(), s1.len()), (200, 1000));
        assert_ne!(synthetic_catalog(200, 1000, 8).1, s2);
        assert_eq!((g1, s1), (g2, s2));
        assert!(synthetic_catalog(0, 10, 1)
            .1
            .iter()
            .all(|s| s.guide_id.is_none()));
    }
}
