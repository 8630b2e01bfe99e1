//! Is the source still good? Each way a provider fails mid-stream is a
//! [`Failure`] with its own reason: a stall (no packets for the stall time),
//! a drip (far below the stream's own recent rate for a while), a run of
//! bytes that are not MPEG-TS, the provider ending the body, or the
//! connection breaking.

use std::collections::VecDeque;
use std::fmt;
use std::time::{Duration, Instant};

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
        }
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
