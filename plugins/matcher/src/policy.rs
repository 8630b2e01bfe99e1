//! The matching policy: which streams carry which guide channel, and how sure.
//!
//! Per stream, in order of trust:
//! 1. its provider guide id equals a guide channel's id → [`ID_CONFIDENCE`];
//! 2. its base name has the same exact key (and feeds) as a guide display
//!    name → [`NAME_CONFIDENCE`];
//! 3. otherwise the best fuzzy guide names (blocked, see [`crate::index`]) →
//!    similarity × [`FUZZY_SCALE`].
//!
//! Certain matches (1, 2) are all kept; fuzzy ones only when a stream has no
//! certain match, and then only its best-scoring guide channels. A country
//! the stream and the guide channel agree on adds [`COUNTRY_BONUS`] to 2 and 3.
//! Matches below `min-confidence` are dropped.

#![deny(missing_docs)]

use streamforge_names::{match_key, parse_name};

use crate::form::{analyse, country, is_feed};
use crate::guide::GuideSide;
use crate::index::Scratch;
use crate::map::Map;
use crate::model::{GuideChannel, Match, Options, Stream};
use crate::similarity::score;

/// Confidence of a same-guide-id match.
pub const ID_CONFIDENCE: f32 = 1.0;
/// Confidence of a same-normalised-name match.
pub const NAME_CONFIDENCE: f32 = 0.95;
/// Fuzzy similarity is multiplied by this, keeping it below name matches.
pub const FUZZY_SCALE: f32 = 0.9;
/// Added when stream and guide channel are for the same country.
pub const COUNTRY_BONUS: f32 = 0.01;

/// What a distinct stream name resolves to, shared by all streams with it.
#[derive(Debug, Default)]
struct NameHits {
    /// Guide channels with exactly this name.
    exact: Vec<u32>,
    /// Fuzzy guide channels and their scaled similarity, when `exact` is empty.
    fuzzy: Vec<(u32, f32)>,
    /// Countries the name itself announces ("UK: ..." when unparsed).
    countries: Vec<&'static str>,
}

/// Every stream that carries each guide channel, sorted by guide id, then
/// confidence (highest first), account and key.
pub fn match_channels(guide: &[GuideChannel], streams: &[Stream], options: &Options) -> Vec<Match> {
    let side = GuideSide::build(guide);
    let mut scratch = Scratch::default();
    let mut names: Map<(String, Vec<String>), usize> = Map::default();
    let mut resolved: Vec<NameHits> = Vec::new();
    let mut best: Map<(u32, usize), f32> = Map::default();
    // Lowest similarity that can still reach min-confidence with a country bonus.
    let min_score = (options.min_confidence - COUNTRY_BONUS) / FUZZY_SCALE;
    for (si, stream) in streams.iter().enumerate() {
        let source = if stream.base_name.trim().is_empty() {
            &stream.name
        } else {
            &stream.base_name
        };
        let mut feeds: Vec<String> = stream.tags.iter().filter(|t| is_feed(t)).cloned().collect();
        feeds.sort();
        let slot = *names.entry((source.clone(), feeds)).or_insert_with(|| {
            resolved.push(resolve(
                &side,
                &mut scratch,
                source,
                &stream.tags,
                min_score,
            ));
            resolved.len() - 1
        });
        let hits = &resolved[slot];
        let mut countries: Vec<&str> = stream.tags.iter().filter_map(|t| country(t)).collect();
        countries.extend(&hits.countries);
        let bonus = |gi: u32| {
            let shared = side.countries[gi as usize]
                .iter()
                .any(|c| countries.contains(c));
            if shared {
                COUNTRY_BONUS
            } else {
                0.0
            }
        };
        let mut found: Vec<(u32, f32)> = Vec::new();
        if let Some(id) = stream.guide_id.as_deref() {
            found.extend(side.by_id(id).iter().map(|&gi| (gi, ID_CONFIDENCE)));
        }
        found.extend(
            hits.exact
                .iter()
                .map(|&gi| (gi, NAME_CONFIDENCE + bonus(gi))),
        );
        if found.is_empty() {
            let scored: Vec<(u32, f32)> = hits
                .fuzzy
                .iter()
                .map(|&(gi, s)| (gi, s + bonus(gi)))
                .collect();
            let top = scored.iter().map(|h| h.1).fold(0.0, f32::max);
            found.extend(scored.into_iter().filter(|h| h.1 >= top - 1e-6));
        }
        for (gi, confidence) in found {
            if confidence >= options.min_confidence {
                let slot = best.entry((gi, si)).or_insert(confidence);
                *slot = slot.max(confidence);
            }
        }
    }
    let mut out: Vec<Match> = best
        .into_iter()
        .map(|((gi, si), confidence)| Match {
            guide_id: guide[gi as usize].id.clone(),
            account: streams[si].account.clone(),
            key: streams[si].key.clone(),
            confidence: confidence.min(1.0),
        })
        .collect();
    out.sort_by(|a, b| {
        a.guide_id
            .cmp(&b.guide_id)
            .then(b.confidence.total_cmp(&a.confidence))
            .then_with(|| a.account.cmp(&b.account))
            .then_with(|| a.key.cmp(&b.key))
    });
    // The same guide id twice in the guide yields the same match twice.
    out.dedup_by(|a, b| a.guide_id == b.guide_id && a.account == b.account && a.key == b.key);
    out
}

/// Matches one distinct stream name against the guide's names.
fn resolve(
    side: &GuideSide,
    scratch: &mut Scratch,
    source: &str,
    tags: &[String],
    min_score: f32,
) -> NameHits {
    let parsed = parse_name(source);
    let mut hits = NameHits {
        countries: parsed.tags.iter().filter_map(|t| country(t)).collect(),
        ..NameHits::default()
    };
    let mut all_tags = tags.to_vec();
    all_tags.extend(parsed.tags);
    let form = analyse(&parsed.base_name, &all_tags);
    let key = match_key(&parsed.base_name);
    if key.is_empty() {
        return hits;
    }
    hits.exact = side.by_key(&key, &form).to_vec();
    if !hits.exact.is_empty() {
        return hits;
    }
    let Some(signature) = side.signature(&form.signature) else {
        return hits;
    };
    let mut best: Map<u32, f32> = Map::default();
    for entry in side.index.candidates(signature, &form.grams, scratch) {
        let entry = &side.fuzzy[entry as usize];
        if let Some(s) = score(&form, &entry.form, min_score) {
            for &gi in &entry.guides {
                let slot = best.entry(gi).or_insert(0.0);
                *slot = slot.max(s * FUZZY_SCALE);
            }
        }
    }
    hits.fuzzy = best.into_iter().collect();
    hits
}
