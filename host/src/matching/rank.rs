//! The order of a guide channel's streams: quality tier (4K > FHD > HD >
//! SD > unknown), then confidence, then account priority. The relay tries
//! them in this order.

use crate::model::Quality;

/// What a stream is ranked by.
#[derive(Debug, Clone)]
pub struct RankKey {
    /// The stream's quality tier, read from its name; ranks first.
    pub quality: Quality,
    /// The matcher's confidence, 0..1; higher ranks first among equal tiers.
    pub confidence: f32,
    /// The account's priority; lower ranks first after confidence.
    pub priority: i32,
    /// The account the stream belongs to; breaks remaining ties by name.
    pub account: String,
    /// The stream's key in that account's catalogue; the last tie-break.
    pub key: String,
}

/// Sorts best first, deterministically.
pub fn sort(items: &mut [RankKey]) {
    items.sort_by(order);
}

/// Best first: `Less` when `a` is to be tried before `b`.
pub fn order(a: &RankKey, b: &RankKey) -> std::cmp::Ordering {
    a.quality
        .tier()
        .cmp(&b.quality.tier())
        .then(b.confidence.total_cmp(&a.confidence))
        .then(a.priority.cmp(&b.priority))
        .then(a.account.cmp(&b.account))
        .then(a.key.cmp(&b.key))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(q: Quality, c: f32, p: i32, acc: &str) -> RankKey {
        RankKey {
            quality: q,
            confidence: c,
            priority: p,
            account: acc.into(),
            key: "1".into(),
        }
    }

    #[test]
    fn quality_then_confidence_then_priority() {
        let mut v = vec![
            k(Quality::Sd, 1.0, 0, "a"),
            k(Quality::Fhd, 0.7, 5, "b"),
            k(Quality::Fhd, 0.9, 5, "c"),
            k(Quality::Fhd, 0.9, 1, "d"),
            k(Quality::Uhd, 0.6, 9, "e"),
        ];
        sort(&mut v);
        let order: Vec<&str> = v.iter().map(|r| r.account.as_str()).collect();
        assert_eq!(order, ["e", "d", "c", "b", "a"]);
    }
}
