//! The blocking step of fuzzy matching: an inverted index from (signature,
//! trigram) to guide names, so a stream is only scored against guide names
//! that share its feeds, its numbers and some of its rarer trigrams.
//!
//! Posting lists longer than [`VISIT_BUDGET`] are never walked and each query
//! walks at most that many postings (rarest trigrams first), then scores only
//! the [`TOP_K`] names sharing the most trigrams. Work per stream is bounded
//! whatever the catalogue size, so matching never degenerates into all-pairs.

#![deny(missing_docs)]

use crate::map::Map;

/// Most postings one query walks; also the longest posting list ever walked.
pub const VISIT_BUDGET: usize = 2048;
/// Most candidates one query hands to full scoring.
pub const TOP_K: usize = 24;

/// Inverted index over the guide's fuzzy names.
#[derive(Debug, Default)]
pub struct GramIndex {
    postings: Map<(u32, u64), Vec<u32>>,
    entries: usize,
}

/// Reusable per-query scratch space, so queries allocate nothing.
#[derive(Debug, Default)]
pub struct Scratch {
    counts: Vec<u32>,
    touched: Vec<u32>,
}

impl GramIndex {
    /// Indexes entry `id` (a guide name form) under its signature and trigrams.
    pub fn insert(&mut self, id: u32, signature: u32, grams: &[u64]) {
        for &g in grams {
            self.postings.entry((signature, g)).or_default().push(id);
        }
        self.entries = self.entries.max(id as usize + 1);
    }

    /// Entries sharing `signature` and the most trigrams with `grams`, best
    /// first (ties by id), at most [`TOP_K`].
    pub fn candidates(&self, signature: u32, grams: &[u64], scratch: &mut Scratch) -> Vec<u32> {
        let mut lists: Vec<&Vec<u32>> = grams
            .iter()
            .filter_map(|g| self.postings.get(&(signature, *g)))
            .filter(|l| l.len() <= VISIT_BUDGET)
            .collect();
        lists.sort_by_key(|l| l.len());
        scratch.counts.resize(self.entries, 0);
        let mut visited = 0;
        for list in lists {
            if visited + list.len() > VISIT_BUDGET {
                break;
            }
            visited += list.len();
            for &id in list {
                let count = &mut scratch.counts[id as usize];
                if *count == 0 {
                    scratch.touched.push(id);
                }
                *count += 1;
            }
        }
        let mut found: Vec<(u32, u32)> = scratch
            .touched
            .iter()
            .map(|&id| (scratch.counts[id as usize], id))
            .collect();
        for &id in &scratch.touched {
            scratch.counts[id as usize] = 0;
        }
        scratch.touched.clear();
        let best_first = |a: &(u32, u32), b: &(u32, u32)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
        if found.len() > TOP_K {
            found.select_nth_unstable_by(TOP_K, best_first);
            found.truncate(TOP_K);
        }
        found.sort_unstable_by(best_first);
        found.into_iter().map(|(_, id)| id).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_share_signature_and_grams() {
        let mut index = GramIndex::default();
        index.insert(0, 0, &[1, 2, 3]);
        index.insert(1, 0, &[3, 4]);
        index.insert(2, 1, &[1, 2, 3]);
        let mut scratch = Scratch::default();
        assert_eq!(index.candidates(0, &[1, 2, 3], &mut scratch), [0, 1]);
        assert_eq!(index.candidates(1, &[3], &mut scratch), [2]);
        assert!(index.candidates(2, &[1], &mut scratch).is_empty());
    }

    #[test]
    fn huge_posting_lists_are_not_walked() {
        let mut index = GramIndex::default();
        for id in 0..(VISIT_BUDGET as u32 + 1) {
            index.insert(id, 0, &[7]);
        }
        index.insert(5000, 0, &[8]);
        let mut scratch = Scratch::default();
        assert_eq!(index.candidates(0, &[7, 8], &mut scratch), [5000]);
    }
}
