//! The order of a guide channel's streams, which the relay tries in turn:
//! the streams the user pinned (`streamforge map ... --rank N`), lower rank
//! first, before every automatic one; then the automatic ones by quality
//! tier (4K > FHD > HD > SD) as measured when the stream played or was
//! probed, the tier in its name only until then (a name that says nothing
//! about quality counts as SD); then its score from how it behaved lately
//! (`history::score`, in bands of twenty); then confidence, then account
//! priority.

use crate::model::Quality;

/// What a stream is ranked by.
#[derive(Debug, Clone)]
pub struct RankKey {
    /// The user's rank when the stream is pinned by hand; pinned streams
    /// come first, in this order, whatever their quality.
    pub pinned: Option<u32>,
    /// The stream's quality tier, read from its name.
    pub quality: Quality,
    /// Its tier as measured from its picture, once it played or was
    /// probed; ranks first among automatic streams (`quality` until then).
    pub measured: Option<Quality>,
    /// How it behaved lately, 0..=100 (`history::score`; 100 when unknown).
    pub score: u8,
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

/// The tier a quality ranks at: unknown quality ranks as SD (most
/// unlabelled provider streams are SD feeds; ranking them below SD would
/// put them last behind an explicitly worse one).
pub fn tier(q: Quality) -> u8 {
    match q {
        Quality::Unknown => Quality::Sd.tier(),
        q => q.tier(),
    }
}

/// `None` (automatic) after every `Some` (pinned), pins in their order.
fn pin(k: &RankKey) -> (u8, u32) {
    k.pinned.map_or((1, 0), |r| (0, r))
}

/// The tier a stream ranks at: measured, else named.
fn ranked_tier(k: &RankKey) -> u8 {
    tier(k.measured.unwrap_or(k.quality))
}

/// Bands of twenty: one failure (20 points) moves a stream down a band, a
/// slow start or an unsteady bitrate (10) alone does not.
fn band(k: &RankKey) -> u8 {
    k.score.div_ceil(20)
}

/// Best first: `Less` when `a` is to be tried before `b`.
pub fn order(a: &RankKey, b: &RankKey) -> std::cmp::Ordering {
    pin(a)
        .cmp(&pin(b))
        .then(ranked_tier(a).cmp(&ranked_tier(b)))
        .then(band(b).cmp(&band(a)))
        .then(b.confidence.total_cmp(&a.confidence))
        .then(a.priority.cmp(&b.priority))
        .then(a.account.cmp(&b.account))
        .then(a.key.cmp(&b.key))
}

/// Whether `a` is worth switching a playing channel to from `b`: pinned
/// before it, or a better tier, or a better score band; not a mere
/// tie-break (confidence, priority, name), which would switch between equals.
pub fn clearly_before(a: &RankKey, b: &RankKey) -> bool {
    pin(a)
        .cmp(&pin(b))
        .then(ranked_tier(a).cmp(&ranked_tier(b)))
        .then(band(b).cmp(&band(a)))
        .is_lt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(q: Quality, c: f32, p: i32, acc: &str) -> RankKey {
        RankKey {
            pinned: None,
            quality: q,
            measured: None,
            score: 100,
            confidence: c,
            priority: p,
            account: acc.into(),
            key: "1".into(),
        }
    }

    fn pinned(rank: u32, q: Quality, acc: &str) -> RankKey {
        RankKey {
            pinned: Some(rank),
            ..k(q, 1.0, 0, acc)
        }
    }

    fn accounts(v: &[RankKey]) -> Vec<&str> {
        v.iter().map(|r| r.account.as_str()).collect()
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
        assert_eq!(accounts(&v), ["e", "d", "c", "b", "a"]);
    }

    #[test]
    fn a_pinned_hd_stream_beats_an_automatic_4k_one() {
        let mut v = vec![
            k(Quality::Uhd, 1.0, 0, "auto-4k"),
            pinned(0, Quality::Hd, "pin-hd"),
        ];
        sort(&mut v);
        assert_eq!(accounts(&v), ["pin-hd", "auto-4k"]);
    }

    #[test]
    fn pinned_streams_go_in_the_users_order_whatever_their_quality() {
        let mut v = vec![
            k(Quality::Uhd, 1.0, 0, "auto"),
            pinned(2, Quality::Uhd, "third"),
            pinned(0, Quality::Sd, "first"),
            pinned(1, Quality::Unknown, "second"),
        ];
        sort(&mut v);
        assert_eq!(accounts(&v), ["first", "second", "third", "auto"]);
    }

    #[test]
    fn no_quality_in_the_name_ranks_as_sd() {
        // Equal tier: confidence decides, so the unlabelled stream with the
        // better match goes before the SD one (it used to go last).
        let mut v = vec![
            k(Quality::Sd, 0.8, 0, "sd"),
            k(Quality::Unknown, 0.9, 0, "unlabelled"),
            k(Quality::Hd, 0.5, 0, "hd"),
        ];
        sort(&mut v);
        assert_eq!(accounts(&v), ["hd", "unlabelled", "sd"]);
        assert_eq!(tier(Quality::Unknown), tier(Quality::Sd));
    }

    #[test]
    fn the_measured_tier_goes_before_the_name_and_the_score_before_confidence() {
        // "FHD" that measured 720p, "HD" that measured 1080p.
        let lying_fhd = RankKey {
            measured: Some(Quality::Hd),
            ..k(Quality::Fhd, 1.0, 0, "lying-fhd")
        };
        let honest_hd = RankKey {
            measured: Some(Quality::Fhd),
            ..k(Quality::Hd, 0.6, 0, "modest-hd")
        };
        let mut v = vec![lying_fhd.clone(), honest_hd];
        sort(&mut v);
        assert_eq!(accounts(&v), ["modest-hd", "lying-fhd"]);
        // Two freezes (score 60) put an equal stream behind one with none,
        // whatever the confidence; a slow start alone (90) does not.
        let frozen = RankKey {
            score: 60,
            ..k(Quality::Fhd, 1.0, 0, "frozen")
        };
        let slow = RankKey {
            score: 90,
            ..k(Quality::Fhd, 0.95, 0, "slow")
        };
        let mut v = vec![frozen, k(Quality::Fhd, 0.5, 0, "fine"), slow];
        sort(&mut v);
        assert_eq!(accounts(&v), ["slow", "fine", "frozen"]);
        // A pin still beats everything.
        let mut v = vec![
            pinned(0, Quality::Sd, "pin"),
            RankKey {
                measured: Some(Quality::Uhd),
                ..k(Quality::Uhd, 1.0, 0, "auto")
            },
        ];
        sort(&mut v);
        assert_eq!(accounts(&v), ["pin", "auto"]);
    }

    #[test]
    fn only_a_better_pin_tier_or_score_band_is_worth_a_switch() {
        let fhd = k(Quality::Fhd, 0.5, 9, "z");
        let equal = k(Quality::Fhd, 1.0, 0, "a");
        assert!(order(&equal, &fhd).is_lt(), "ranked before it");
        assert!(!clearly_before(&equal, &fhd), "but only by a tie-break");
        assert!(clearly_before(&fhd, &k(Quality::Hd, 1.0, 0, "a")));
        let froze = RankKey {
            score: 80,
            ..equal.clone()
        };
        assert!(clearly_before(&fhd, &froze));
        assert!(clearly_before(&pinned(0, Quality::Sd, "p"), &fhd));
    }
}
