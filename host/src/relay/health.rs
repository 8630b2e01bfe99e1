//! Is the source still good? Each way a provider fails mid-stream is a
//! [`Failure`] with its own reason: a stall (no packets for the stall time),
//! a drip (far below the stream's own recent rate for a while), a run of
//! bytes that are not MPEG-TS, the provider ending the body, the
//! connection breaking, or — read from the PES headers the tracker already
//! sees, nothing decoded — a picture that froze while the rest flows, or
//! audio gone silent ([`ContentWatch`]).

use std::collections::VecDeque;
use std::fmt;
use std::time::{Duration, Instant};
use streamforge_ts::Content;

/// Why a playing source was given up.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// No packet for this long.
    Stalled(Duration),
    /// Far below its own usual rate.
    Slow {
        /// Bytes per second lately.
        now: u64,
        /// Bytes per second usually.
        usual: u64,
    },
    /// This many bytes in a row were not MPEG-TS.
    NotTs(u64),
    /// The provider ended the body.
    Ended,
    /// The connection broke (reason without URL).
    Broken(String),
    /// Data flowed but the video carried no new picture for this long.
    VideoFrozen(Duration),
    /// Video flowed but the audio carried nothing for this long.
    AudioMissing(Duration),
    /// HLS: the media playlist's sequence did not advance for this long
    /// (three target durations).
    PlaylistStale(Duration),
    /// HLS: the media playlist could not be fetched or read, repeatedly.
    PlaylistBroken(String),
    /// HLS: segments in a row could not be fetched or decrypted.
    SegmentsBroken(String),
}

impl Failure {
    /// A short machine word for metrics labels and events.
    pub fn kind(&self) -> &'static str {
        match self {
            Failure::Stalled(_) => "stall",
            Failure::Slow { .. } => "slow",
            Failure::NotTs(_) => "not_ts",
            Failure::Ended => "ended",
            Failure::Broken(_) => "broken",
            Failure::VideoFrozen(_) => "video-frozen",
            Failure::AudioMissing(_) => "audio-missing",
            Failure::PlaylistStale(_) => "hls-stale",
            Failure::PlaylistBroken(_) => "hls-playlist",
            Failure::SegmentsBroken(_) => "hls-segment",
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Stalled(d) => write!(f, "no data for {:.1} s (stalled)", d.as_secs_f64()),
            Failure::Slow { now, usual } => write!(
                f,
                "too slow: {:.2} Mbit/s against its usual {:.2} Mbit/s",
                *now as f64 * 8.0 / 1e6,
                *usual as f64 * 8.0 / 1e6
            ),
            Failure::NotTs(n) => write!(f, "{n} bytes in a row that are not MPEG-TS"),
            Failure::Ended => write!(f, "the provider ended the stream"),
            Failure::Broken(e) => write!(f, "the connection broke ({e})"),
            Failure::VideoFrozen(d) => write!(
                f,
                "no new picture for {:.1} s while data flowed (video frozen)",
                d.as_secs_f64()
            ),
            Failure::AudioMissing(d) => write!(
                f,
                "no audio for {:.1} s while the video flowed (audio missing)",
                d.as_secs_f64()
            ),
            Failure::PlaylistStale(d) => write!(
                f,
                "the HLS playlist did not advance for {:.1} s (stale)",
                d.as_secs_f64()
            ),
            Failure::PlaylistBroken(e) => write!(f, "the HLS playlist failed ({e})"),
            Failure::SegmentsBroken(e) => write!(f, "HLS segments failed ({e})"),
        }
    }
}

/// What to do when a source's audio goes silent while its video plays on
/// (some channels drop audio during ads; a user may prefer the picture).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AudioPolicy {
    /// Not watched.
    Off,
    /// An event, once per source; the source plays on.
    #[default]
    Event,
    /// Counted as a failure: the channel fails over like for a stall.
    Failover,
}

impl std::str::FromStr for AudioPolicy {
    type Err = String;
    fn from_str(text: &str) -> Result<AudioPolicy, String> {
        match text {
            "off" => Ok(AudioPolicy::Off),
            "event" => Ok(AudioPolicy::Event),
            "failover" => Ok(AudioPolicy::Failover),
            other => Err(format!(
                "`{other}` is not an audio-missing policy: use off, event or failover"
            )),
        }
    }
}

/// What [`ContentWatch::tick`] found.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Verdict {
    /// Give the source up.
    Fail(Failure),
    /// Say so once, keep playing.
    Report(Failure),
}

/// Watches the tracker's [`Content`] readings once a second: a video PID
/// with no new picture, or an audio PID with no PES start, for the stall
/// time while the other one advances. Both clocks start when the source
/// starts, so a stream that never shows video is caught too.
#[derive(Debug)]
pub(crate) struct ContentWatch {
    last: Content,
    picture_at: Instant,
    audio_at: Instant,
    after: Duration,
    audio: AudioPolicy,
    audio_reported: bool,
    /// PTS jumps seen while no switch was in progress.
    pub(crate) jumps: u64,
}

impl ContentWatch {
    /// A watch for a source that starts now.
    pub(crate) fn new(now: Instant, after: Duration, audio: AudioPolicy) -> ContentWatch {
        ContentWatch {
            last: Content::default(),
            picture_at: now,
            audio_at: now,
            after,
            audio,
            audio_reported: false,
            jumps: 0,
        }
    }

    /// Judges a reading. `has_video`/`has_audio`: whether the PMT announces
    /// them; `switching`: a splice is in progress (the tracker then sees the
    /// new source twice, so PTS jumps are not counted); `flowing`: data came
    /// lately (when it does not, the silence is a stall, judged elsewhere).
    pub(crate) fn tick(
        &mut self,
        now: Instant,
        content: Content,
        has_video: bool,
        has_audio: bool,
        switching: bool,
        flowing: bool,
    ) -> Option<Verdict> {
        if content.pictures != self.last.pictures || !has_video {
            self.picture_at = now;
        }
        if content.audio_frames != self.last.audio_frames || !has_audio {
            self.audio_at = now;
        }
        if !switching {
            self.jumps += content.pts_jumps.saturating_sub(self.last.pts_jumps);
        }
        self.last = content;
        if !flowing {
            return None;
        }
        let video_quiet = now.duration_since(self.picture_at);
        let audio_quiet = now.duration_since(self.audio_at);
        if video_quiet >= self.after {
            return Some(Verdict::Fail(Failure::VideoFrozen(video_quiet)));
        }
        if audio_quiet >= self.after && video_quiet < self.after {
            let failure = Failure::AudioMissing(audio_quiet);
            return match self.audio {
                AudioPolicy::Off => None,
                AudioPolicy::Failover => Some(Verdict::Fail(failure)),
                AudioPolicy::Event if self.audio_reported => None,
                AudioPolicy::Event => {
                    self.audio_reported = true;
                    Some(Verdict::Report(failure))
                }
            };
        }
        if audio_quiet < self.after {
            self.audio_reported = false;
        }
        None
    }
}

/// Seconds of history the usual rate is taken from.
const HISTORY: usize = 12;
/// Seconds the current rate is taken over.
const RECENT: usize = 2;

/// Bytes per second over a sliding window, judged once a second.
#[derive(Debug)]
pub(crate) struct RateWatch {
    /// Bytes received in each of the last seconds, newest last.
    seconds: VecDeque<u64>,
    this_second: u64,
    slow_since: Option<Instant>,
    /// Current rate below this share of the usual one counts as slow.
    ratio: f64,
    /// For this long.
    after: Duration,
}

impl RateWatch {
    /// A fresh watch (no history: nothing is judged slow for a while).
    pub(crate) fn new(ratio: f64, after: Duration) -> RateWatch {
        RateWatch {
            seconds: VecDeque::with_capacity(HISTORY + 1),
            this_second: 0,
            slow_since: None,
            ratio,
            after,
        }
    }

    /// Counts received bytes.
    pub(crate) fn add(&mut self, n: usize) {
        self.this_second += n as u64;
    }

    /// Bytes received in the last second closed by [`RateWatch::tick`].
    pub(crate) fn last_second(&self) -> u64 {
        self.seconds.back().copied().unwrap_or(0)
    }

    /// Closes the current second (call once a second); a failure when the
    /// source has been far below its usual rate for the configured time.
    pub(crate) fn tick(&mut self, now: Instant) -> Option<Failure> {
        self.seconds
            .push_back(std::mem::take(&mut self.this_second));
        if self.seconds.len() > HISTORY {
            self.seconds.pop_front();
        }
        if self.seconds.len() < HISTORY / 2 + RECENT {
            return None;
        }
        let n = self.seconds.len();
        let recent: u64 = self.seconds.iter().skip(n - RECENT).sum::<u64>() / RECENT as u64;
        let before = &self
            .seconds
            .iter()
            .take(n - RECENT)
            .copied()
            .collect::<Vec<_>>();
        let mut sorted = before.clone();
        sorted.sort_unstable();
        let usual = sorted[sorted.len() / 2];
        if usual > 0 && (recent as f64) < usual as f64 * self.ratio {
            let since = *self.slow_since.get_or_insert(now);
            if now.duration_since(since) >= self.after {
                return Some(Failure::Slow { now: recent, usual });
            }
        } else {
            self.slow_since = None;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drip_is_slow_after_the_configured_time_and_a_steady_rate_never() {
        let mut w = RateWatch::new(0.3, Duration::from_secs(3));
        let t0 = Instant::now();
        for s in 0..30 {
            w.add(100_000);
            assert_eq!(w.tick(t0 + Duration::from_secs(s)), None);
        }
        let mut failed_at = None;
        for s in 30..50 {
            w.add(5_000);
            if let Some(f) = w.tick(t0 + Duration::from_secs(s)) {
                assert_eq!(f.kind(), "slow");
                failed_at = Some(s);
                break;
            }
        }
        let at = failed_at.expect("the drip was noticed");
        assert!((33..=36).contains(&at), "noticed at {at}");
    }

    fn reading(pictures: u64, audio_frames: u64, pts_jumps: u64) -> Content {
        Content {
            pictures,
            audio_frames,
            pts_jumps,
        }
    }

    #[test]
    fn frozen_video_fails_after_the_stall_time() {
        let t0 = Instant::now();
        let sec = |s: u64| t0 + Duration::from_secs(s);
        let mut w = ContentWatch::new(t0, Duration::from_secs(2), AudioPolicy::Event);
        for s in 1..=5 {
            assert_eq!(
                w.tick(sec(s), reading(s * 25, s * 40, 0), true, true, false, true),
                None
            );
        }
        // Pictures stop at 125 while audio goes on.
        assert_eq!(
            w.tick(sec(6), reading(125, 240, 0), true, true, false, true),
            None
        );
        let verdict = w.tick(sec(7), reading(125, 280, 0), true, true, false, true);
        assert_eq!(
            verdict,
            Some(Verdict::Fail(Failure::VideoFrozen(Duration::from_secs(2))))
        );
    }

    #[test]
    fn silence_is_left_to_the_stall_check() {
        let t0 = Instant::now();
        let sec = |s: u64| t0 + Duration::from_secs(s);
        let mut w = ContentWatch::new(t0, Duration::from_secs(2), AudioPolicy::Failover);
        assert_eq!(
            w.tick(sec(1), reading(25, 40, 0), true, true, false, true),
            None
        );
        for s in 2..6 {
            assert_eq!(
                w.tick(sec(s), reading(25, 40, 0), true, true, false, false),
                None
            );
        }
    }

    #[test]
    fn a_stream_without_a_known_video_pid_is_not_judged() {
        let t0 = Instant::now();
        let mut w = ContentWatch::new(t0, Duration::from_secs(2), AudioPolicy::Failover);
        for s in 1..10 {
            let now = t0 + Duration::from_secs(s);
            assert_eq!(
                w.tick(now, reading(0, 0, 0), false, false, false, true),
                None
            );
        }
    }

    #[test]
    fn missing_audio_follows_the_policy() {
        let t0 = Instant::now();
        let sec = |s: u64| t0 + Duration::from_secs(s);
        let run = |policy| {
            let mut w = ContentWatch::new(t0, Duration::from_secs(2), policy);
            let mut verdicts = Vec::new();
            for s in 1..=8 {
                // Audio stops after second 2 and comes back at second 7.
                let audio = if s <= 2 {
                    s * 40
                } else if s < 7 {
                    80
                } else {
                    s * 40
                };
                verdicts.push(w.tick(sec(s), reading(s * 25, audio, 0), true, true, false, true));
            }
            verdicts
        };
        assert!(run(AudioPolicy::Off).iter().all(Option::is_none));
        let event = run(AudioPolicy::Event);
        let reports: Vec<_> = event.iter().flatten().collect();
        assert_eq!(
            reports,
            vec![&Verdict::Report(Failure::AudioMissing(
                Duration::from_secs(2)
            ))],
            "one event per silence"
        );
        let failover = run(AudioPolicy::Failover);
        assert_eq!(
            failover[3],
            Some(Verdict::Fail(Failure::AudioMissing(Duration::from_secs(2))))
        );
    }

    #[test]
    fn jumps_are_not_counted_during_a_switch() {
        let t0 = Instant::now();
        let mut w = ContentWatch::new(t0, Duration::from_secs(2), AudioPolicy::Event);
        w.tick(
            t0 + Duration::from_secs(1),
            reading(25, 40, 1),
            true,
            true,
            false,
            true,
        );
        w.tick(
            t0 + Duration::from_secs(2),
            reading(50, 80, 4),
            true,
            true,
            true,
            true,
        );
        w.tick(
            t0 + Duration::from_secs(3),
            reading(75, 120, 5),
            true,
            true,
            false,
            true,
        );
        assert_eq!(w.jumps, 2);
    }

    #[test]
    fn a_short_dip_is_not_slow() {
        let mut w = RateWatch::new(0.3, Duration::from_secs(3));
        let t0 = Instant::now();
        for s in 0..40 {
            w.add(if s % 10 == 5 { 0 } else { 100_000 });
            assert_eq!(w.tick(t0 + Duration::from_secs(s)), None, "second {s}");
        }
    }
}
