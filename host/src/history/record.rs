//! One stream's record: what it was measured to be and what it did each
//! time it played, bounded (counters, a moving average, the latest marks).

use crate::model::Quality;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};

/// Failures remembered one by one per stream (the newest); older ones
/// stay only in the counters.
pub const MAX_MARKS: usize = 32;

/// What is known of one provider stream from playing it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StreamRecord {
    /// Times it connected and delivered (tunes, failovers to it, probes).
    #[serde(default)]
    pub tunes: u32,
    /// Time from the connect to its first MPEG-TS bytes, a moving average
    /// (ms).
    #[serde(default)]
    pub first_video_ms: Option<u32>,
    /// Connects that failed, by reason (`HTTP 503`, `timeout`...).
    #[serde(default)]
    pub connect_failures: BTreeMap<String, u32>,
    /// Mid-stream failures, by kind (`stall`, `video-frozen`,
    /// `audio-missing`, `not_ts`, `ended`, `eviction`...).
    #[serde(default)]
    pub failures: BTreeMap<String, u32>,
    /// The latest failures, oldest first, at most [`MAX_MARKS`].
    #[serde(default)]
    pub marks: VecDeque<Mark>,
    /// Seconds played in all.
    #[serde(default)]
    pub played_s: u64,
    /// Its bytes per second while it played.
    #[serde(default)]
    pub bitrate: Bitrate,
    /// What its picture and sound measured, the last time it played.
    #[serde(default)]
    pub measured: Option<MeasuredFormat>,
    /// When it was last seen (connected, played, failed), Unix seconds.
    #[serde(default)]
    pub last_seen: u64,
}

/// One failure, kept with its time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mark {
    /// Unix seconds.
    pub at: u64,
    /// The failure's kind (a mid-stream kind, or `connect: REASON`).
    pub kind: String,
}

/// The measured format of a stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeasuredFormat {
    /// The tier its picture size makes it.
    pub tier: Quality,
    /// `1280x720p25 H.264 High`.
    pub video: String,
    /// `AAC 2ch 48 kHz`.
    #[serde(default)]
    pub audio: Option<String>,
    /// When it was measured, Unix seconds.
    pub at: u64,
}

/// Mean and spread of a stream's bytes per second, one sample per second
/// of play, weighted towards the recent (an exponential moving average).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Bitrate {
    /// Bytes per second, on average.
    pub mean: f64,
    /// Variance of the samples around it.
    pub variance: f64,
    /// Samples taken.
    pub samples: u64,
}

/// Weight of a new per-second sample in [`Bitrate`] (about the last
/// two minutes count).
const RATE_WEIGHT: f64 = 1.0 / 128.0;

impl Bitrate {
    /// Adds one second's byte count.
    pub fn add(&mut self, bytes_per_second: u64) {
        let x = bytes_per_second as f64;
        if self.samples == 0 {
            self.mean = x;
            self.variance = 0.0;
        } else {
            // Welford's update with a fixed weight (West, 1979).
            let diff = x - self.mean;
            let step = RATE_WEIGHT * diff;
            self.mean += step;
            self.variance = (1.0 - RATE_WEIGHT) * (self.variance + diff * step);
        }
        self.samples += 1;
    }

    /// The spread relative to the mean (0.05: the rate varies about ±5 %);
    /// `None` before ten samples.
    pub fn variation(&self) -> Option<f64> {
        (self.samples >= 10 && self.mean > 0.0).then(|| self.variance.sqrt() / self.mean)
    }

    /// Megabits per second, on average.
    pub fn mbps(&self) -> f64 {
        self.mean * 8.0 / 1e6
    }
}

impl StreamRecord {
    /// It connected and its first bytes came after `first_video_ms`.
    pub fn note_connected(&mut self, first_video_ms: u32, now: u64) {
        self.tunes = self.tunes.saturating_add(1);
        self.first_video_ms = Some(match self.first_video_ms {
            // A quarter of the new one: a slow connect moves it, one is not all.
            Some(avg) => ((u64::from(avg) * 3 + u64::from(first_video_ms)) / 4) as u32,
            None => first_video_ms,
        });
        self.last_seen = now;
    }

    /// A connect failed for `reason` (a short word, see `relay::connect`).
    pub fn note_connect_failure(&mut self, reason: &str, now: u64) {
        bump(&mut self.connect_failures, reason);
        self.mark(format!("connect: {reason}"), now);
    }

    /// It failed while playing (`kind`: the failure's kind, or `eviction`).
    pub fn note_failure(&mut self, kind: &str, now: u64) {
        bump(&mut self.failures, kind);
        self.mark(kind.to_string(), now);
    }

    /// It played `seconds` more, at these bytes per second (one a second).
    pub fn note_played(&mut self, seconds: u64, rates: &[u64], now: u64) {
        self.played_s = self.played_s.saturating_add(seconds);
        for &rate in rates {
            self.bitrate.add(rate);
        }
        self.last_seen = now;
    }

    /// Its picture and sound measured as `format`.
    pub fn note_measured(&mut self, format: MeasuredFormat) {
        self.last_seen = self.last_seen.max(format.at);
        self.measured = Some(format);
    }

    fn mark(&mut self, kind: String, now: u64) {
        if self.marks.len() == MAX_MARKS {
            self.marks.pop_front();
        }
        self.marks.push_back(Mark { at: now, kind });
        self.last_seen = now;
    }
}

/// Counters by reason stay few: reasons are short words from a small set,
/// and past this many the rarest give way.
const MAX_REASONS: usize = 16;

fn bump(counts: &mut BTreeMap<String, u32>, reason: &str) {
    if !counts.contains_key(reason) && counts.len() >= MAX_REASONS {
        if let Some(rarest) = counts
            .iter()
            .min_by_key(|(_, n)| **n)
            .map(|(k, _)| k.clone())
        {
            counts.remove(&rarest);
        }
    }
    let n = counts.entry(reason.to_string()).or_insert(0);
    *n = n.saturating_add(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_and_reasons_stay_bounded() {
        let mut r = StreamRecord::default();
        for i in 0..100u64 {
            r.note_failure("stall", i);
            r.note_connect_failure(&format!("HTTP {}", 400 + i), i);
        }
        assert_eq!(r.marks.len(), MAX_MARKS);
        assert_eq!(r.marks.back().unwrap().at, 99, "the newest are kept");
        assert_eq!(r.failures["stall"], 100);
        assert!(r.connect_failures.len() <= MAX_REASONS);
    }

    #[test]
    fn the_bitrate_spread_of_a_steady_and_a_jumpy_stream() {
        let mut steady = Bitrate::default();
        let mut jumpy = Bitrate::default();
        for i in 0..300u64 {
            steady.add(500_000 + (i % 3) * 1_000);
            jumpy.add(if i % 2 == 0 { 200_000 } else { 800_000 });
        }
        assert!(steady.variation().unwrap() < 0.01, "{steady:?}");
        assert!(jumpy.variation().unwrap() > 0.5, "{jumpy:?}");
        assert!((steady.mbps() - 4.0).abs() < 0.1);
        assert_eq!(Bitrate::default().variation(), None);
    }

    #[test]
    fn the_first_video_time_is_a_moving_average() {
        let mut r = StreamRecord::default();
        r.note_connected(400, 1);
        r.note_connected(4_400, 2);
        assert_eq!(r.first_video_ms, Some(1_400));
        assert_eq!(r.tunes, 2);
    }
}
