//! A stream's score, 0 to 100, from how it behaved lately, and the same in
//! words. 100 is a stream with nothing against it (or never played); each
//! failure of the last [`WINDOW`] costs [`FAILURE_COST`] (a connect failure
//! half of that), a slow start or a jumpy bitrate [`MINOR_COST`]. Ranking
//! compares scores in bands of twenty (see `matching::rank`), so one
//! failure moves a stream below its equals and a slow start alone does not.

use super::record::StreamRecord;
use crate::model::Quality;

/// How far back failures count: a day of wall-clock time, so a stream that
/// failed and was then ranked below (and not played) is forgiven a day later.
pub const WINDOW: u64 = 24 * 3600;

/// What one mid-stream failure in the window costs.
pub const FAILURE_COST: u32 = 20;

/// What a slow start or an unsteady bitrate costs.
pub const MINOR_COST: u32 = 10;

/// A start slower than this on average is a slow start (ms).
pub const SLOW_START_MS: u32 = 3_000;

/// A bitrate that varies more than this (relative spread) is unsteady.
pub const UNSTEADY: f64 = 0.5;

/// Failures that are not the stream's fault: an eviction is the account's
/// other connection, not this stream.
fn counts_against(kind: &str) -> bool {
    kind != "eviction"
}

/// The score of `record` at `now` (100 when there is no record).
pub fn score(record: Option<&StreamRecord>, now: u64) -> u8 {
    let Some(r) = record else {
        return 100;
    };
    let since = now.saturating_sub(WINDOW);
    let mut cost = 0u32;
    for mark in r.marks.iter().filter(|m| m.at >= since) {
        if mark.kind.starts_with("connect: ") {
            cost += FAILURE_COST / 2;
        } else if counts_against(&mark.kind) {
            cost += FAILURE_COST;
        }
    }
    if r.first_video_ms.is_some_and(|ms| ms > SLOW_START_MS) {
        cost += MINOR_COST;
    }
    if r.bitrate.variation().is_some_and(|v| v > UNSTEADY) {
        cost += MINOR_COST;
    }
    100u32.saturating_sub(cost) as u8
}

/// The tier a stream ranks at: what it measured, else what its name says.
pub fn ranked_tier(record: Option<&StreamRecord>, named: Quality) -> Quality {
    record
        .and_then(|r| r.measured.as_ref())
        .map_or(named, |m| m.tier)
}

/// The score and its reasons in words: "FHD by name, 1280x720p25 H.264
/// High measured; 3 freezes in the last 24 h; starts in 1.2 s".
pub fn explain(record: Option<&StreamRecord>, named: Quality, now: u64) -> String {
    let mut parts = Vec::new();
    let measured = record.and_then(|r| r.measured.as_ref());
    parts.push(match measured {
        Some(m) => format!("{} by name, {} measured", named.label(), m.video),
        None => format!("{} by name, not measured yet", named.label()),
    });
    let Some(r) = record else {
        parts.push("never played".into());
        return parts.join("; ");
    };
    let since = now.saturating_sub(WINDOW);
    let mut recent: std::collections::BTreeMap<String, u32> = Default::default();
    for mark in r.marks.iter().filter(|m| m.at >= since) {
        *recent.entry(failure_words(&mark.kind)).or_default() += 1;
    }
    for (what, n) in recent {
        parts.push(format!("{n} {what} in the last 24 h"));
    }
    match r.first_video_ms {
        Some(ms) if ms < 1_000 => parts.push(format!("starts in {ms} ms")),
        Some(ms) => parts.push(format!("starts in {:.1} s", f64::from(ms) / 1000.0)),
        None => {}
    }
    if let Some(v) = r.bitrate.variation() {
        let steady = if v > UNSTEADY { "unsteady" } else { "steady" };
        parts.push(format!(
            "{:.1} Mbit/s, {steady} (±{:.0} %)",
            r.bitrate.mbps(),
            v * 100.0
        ));
    }
    if r.played_s > 0 {
        parts.push(format!("played {}", played_words(r.played_s)));
    }
    parts.join("; ")
}

/// "freeze(s)" for `video-frozen`, and so on.
fn failure_words(kind: &str) -> String {
    if let Some(reason) = kind.strip_prefix("connect: ") {
        return format!("connect failure(s) ({reason})");
    }
    match kind {
        "stall" => "stall(s)",
        "video-frozen" => "freeze(s)",
        "audio-missing" => "audio loss(es)",
        "not_ts" => "junk burst(s)",
        "ended" | "broken" => "drop(s)",
        "slow" => "slowdown(s)",
        "eviction" => "eviction(s) by the provider (not counted)",
        k if k.starts_with("hls") => "HLS failure(s)",
        _ => "failure(s)",
    }
    .to_string()
}

fn played_words(seconds: u64) -> String {
    match seconds {
        s if s < 120 => format!("{s} s"),
        s if s < 7_200 => format!("{} min", s / 60),
        s => format!("{:.1} h", s as f64 / 3600.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::record::MeasuredFormat;

    const NOW: u64 = 1_000_000;

    #[test]
    fn two_freezes_in_an_hour_cost_a_band_each_and_a_day_forgives_them() {
        let mut r = StreamRecord::default();
        assert_eq!(score(Some(&r), NOW), 100);
        assert_eq!(score(None, NOW), 100);
        r.note_failure("video-frozen", NOW - 3_000);
        r.note_failure("video-frozen", NOW - 600);
        assert_eq!(score(Some(&r), NOW), 60);
        assert_eq!(score(Some(&r), NOW + WINDOW), 100, "a day later");
        r.note_failure("eviction", NOW);
        assert_eq!(score(Some(&r), NOW), 60, "an eviction is the account's");
        r.note_connect_failure("HTTP 503", NOW);
        assert_eq!(score(Some(&r), NOW), 50);
    }

    #[test]
    fn the_words_say_what_was_measured_and_what_happened() {
        let mut r = StreamRecord::default();
        r.note_measured(MeasuredFormat {
            tier: Quality::Hd,
            video: "1280x720p25 H.264 High".into(),
            audio: None,
            at: NOW,
        });
        for _ in 0..3 {
            r.note_failure("video-frozen", NOW - 60);
        }
        r.note_connected(1_200, NOW);
        let words = explain(Some(&r), Quality::Fhd, NOW);
        assert!(
            words.starts_with(
                "FHD by name, 1280x720p25 H.264 High measured; 3 freeze(s) in the last 24 h"
            ),
            "{words}"
        );
        assert!(words.contains("starts in 1.2 s"), "{words}");
        assert_eq!(ranked_tier(Some(&r), Quality::Fhd), Quality::Hd);
        assert_eq!(ranked_tier(None, Quality::Fhd), Quality::Fhd);
        assert_eq!(
            explain(None, Quality::Sd, NOW),
            "SD by name, not measured yet; never played"
        );
    }
}
