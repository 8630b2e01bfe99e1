//! [`Pacer`]: how many bytes a live stream owes its client right now, so the
//! simulator sends a clip at its real bitrate (or a faulty fraction of it)
//! in whole 188-byte packets, the way a panel relaying a channel does.

use std::time::{Duration, Instant};
use streamforge_ts::PACKET_SIZE;

/// Most catch-up a pacer allows after a hiccup (a busy scheduler): owed
/// bytes beyond this much stream time are forgotten instead of burst out.
const MAX_CATCH_UP: Duration = Duration::from_secs(1);

/// Byte budget that grows with elapsed time at the stream's byte rate.
#[derive(Debug)]
pub(crate) struct Pacer {
    /// Bytes per second at 100 %.
    byte_rate: f64,
    /// Bytes owed but not yet sent.
    budget: f64,
    /// Largest budget kept.
    cap: f64,
    /// When the budget was last brought up to date.
    last: Instant,
}

impl Pacer {
    /// A pacer for `byte_rate` bytes per second that owes `burst` worth of
    /// stream at once (an initial burst; `Duration::ZERO` for none).
    pub(crate) fn new(byte_rate: f64, burst: Duration, now: Instant) -> Pacer {
        let budget = byte_rate * burst.as_secs_f64();
        Pacer {
            byte_rate,
            budget,
            cap: budget.max(byte_rate * MAX_CATCH_UP.as_secs_f64()),
            last: now,
        }
    }

    /// Time passes without anything becoming owed (a stalled stream does
    /// not make up for the stall later).
    pub(crate) fn pause(&mut self, now: Instant) {
        self.last = now;
    }

    /// Whole packets owed at `now` when sending at `percent` of the rate,
    /// at most `max` bytes; the bytes returned count as sent.
    pub(crate) fn take(&mut self, now: Instant, percent: u32, max: usize) -> usize {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.budget += elapsed * self.byte_rate * f64::from(percent) / 100.0;
        self.budget = self.budget.min(self.cap);
        // The epsilon keeps float rounding from losing a packet on exact sums.
        let owed = ((self.budget + 1e-6) as usize).min(max);
        let whole = owed - owed % PACKET_SIZE;
        self.budget = (self.budget - whole as f64).max(0.0);
        whole
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owes_whole_packets_at_the_rate() {
        let t0 = Instant::now();
        let mut p = Pacer::new(188_000.0, Duration::ZERO, t0);
        assert_eq!(p.take(t0, 100, usize::MAX), 0);
        // 20 ms at 188 000 B/s = 3760 B = 20 packets.
        assert_eq!(
            p.take(t0 + Duration::from_millis(20), 100, usize::MAX),
            3_760
        );
        // A quarter rate for 40 ms = 1880 B = 10 packets.
        assert_eq!(
            p.take(t0 + Duration::from_millis(60), 25, usize::MAX),
            1_880
        );
        // Capped per call; the rest stays owed.
        assert_eq!(p.take(t0 + Duration::from_millis(80), 100, 1_000), 940);
        assert_eq!(
            p.take(t0 + Duration::from_millis(80), 100, usize::MAX),
            2_820
        );
    }

    #[test]
    fn burst_is_owed_at_once_and_pauses_owe_nothing() {
        let t0 = Instant::now();
        let mut p = Pacer::new(188_000.0, Duration::from_millis(100), t0);
        assert_eq!(p.take(t0, 100, usize::MAX), 18_800);
        p.pause(t0 + Duration::from_secs(5));
        assert_eq!(p.take(t0 + Duration::from_secs(5), 100, usize::MAX), 0);
        // Long hiccups are forgotten beyond one second.
        let late = t0 + Duration::from_secs(60);
        assert_eq!(p.take(late, 100, usize::MAX), 188_000);
    }
}
