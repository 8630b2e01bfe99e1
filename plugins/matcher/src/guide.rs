//! The guide side of matching, built once per call: lookups by guide id and
//! by exact name key, and the fuzzy index over the guide's display names.

#![deny(missing_docs)]

use streamforge_names::{match_key, parse_name};

use crate::form::{analyse, country, NameForm};
use crate::index::GramIndex;
use crate::map::Map;
use crate::model::GuideChannel;

/// One distinct guide name form and the guide channels that carry it.
#[derive(Debug)]
pub struct FuzzyEntry {
    /// The name as the fuzzy stage reads it.
    pub form: NameForm,
    /// Indexes into the guide list.
    pub guides: Vec<u32>,
}

/// Everything matching needs to know about the guide.
#[derive(Debug, Default)]
pub struct GuideSide {
    by_id: Map<String, Vec<u32>>,
    by_key: Map<(String, String), Vec<u32>>,
    /// Countries each guide channel is for (from its id suffix and names).
    pub countries: Vec<Vec<&'static str>>,
    /// Distinct guide name forms, indexed by `index`.
    pub fuzzy: Vec<FuzzyEntry>,
    signatures: Map<String, u32>,
    /// Blocking index over `fuzzy`.
    pub index: GramIndex,
}

/// How guide ids compare: trimmed, case-insensitive.
pub fn id_key(id: &str) -> String {
    id.trim().to_lowercase()
}

impl GuideSide {
    /// Reads the guide's ids and display names.
    pub fn build(guide: &[GuideChannel]) -> Self {
        let mut side = GuideSide::default();
        let mut fuzzy_ids: Map<(String, String), u32> = Map::default();
        for (gi, channel) in guide.iter().enumerate() {
            let gi = gi as u32;
            let id = id_key(&channel.id);
            if !id.is_empty() {
                side.by_id.entry(id.clone()).or_default().push(gi);
            }
            let mut countries: Vec<&'static str> = id
                .rsplit('.')
                .next()
                .and_then(country)
                .into_iter()
                .collect();
            let has_words = channel
                .names
                .iter()
                .any(|n| n.chars().any(char::is_alphabetic));
            for name in &channel.names {
                let parsed = parse_name(name);
                countries.extend(parsed.tags.iter().filter_map(|t| country(t)));
                let key = match_key(&parsed.base_name);
                // A bare number next to real names is the lineup number, not a name.
                if key.is_empty() || (has_words && key.chars().all(|c| c.is_ascii_digit())) {
                    continue;
                }
                let form = analyse(&parsed.base_name, &parsed.tags);
                push_unique(
                    side.by_key
                        .entry((key, form.signature.clone()))
                        .or_default(),
                    gi,
                );
                let next = side.fuzzy.len() as u32;
                let entry = *fuzzy_ids
                    .entry((form.core(), form.signature.clone()))
                    .or_insert(next);
                if entry == next {
                    let sig = side.intern(&form.signature);
                    side.index.insert(entry, sig, &form.grams);
                    side.fuzzy.push(FuzzyEntry {
                        form,
                        guides: Vec::new(),
                    });
                }
                push_unique(&mut side.fuzzy[entry as usize].guides, gi);
            }
            countries.sort_unstable();
            countries.dedup();
            side.countries.push(countries);
        }
        side
    }

    /// Guide channels whose id is `guide_id`.
    pub fn by_id(&self, guide_id: &str) -> &[u32] {
        self.by_id.get(&id_key(guide_id)).map_or(&[], Vec::as_slice)
    }

    /// Guide channels with a name of exactly this key and signature.
    pub fn by_key(&self, key: &str, form: &NameForm) -> &[u32] {
        // Tuple keys cannot be borrowed as (&str, &str), so build the key once.
        self.by_key
            .get(&(key.to_string(), form.signature.clone()))
            .map_or(&[], Vec::as_slice)
    }

    /// Number of a signature some guide name has; `None` means no guide name
    /// has these feeds and numbers, so nothing can match fuzzily.
    pub fn signature(&self, signature: &str) -> Option<u32> {
        self.signatures.get(signature).copied()
    }

    /// Number of a signature, allotting the next one if it is new.
    fn intern(&mut self, signature: &str) -> u32 {
        let next = self.signatures.len() as u32;
        *self.signatures.entry(signature.to_string()).or_insert(next)
    }
}

/// Pushes `value` unless it is already the last element (names arrive grouped).
fn push_unique(list: &mut Vec<u32>, value: u32) {
    if list.last() != Some(&value) {
        list.push(value);
    }
}
