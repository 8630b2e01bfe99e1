//! Per-source rate limiting for SSDP searches, so a spoofed or noisy sender
//! cannot turn the responder into an amplifier.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Token bucket per source address, with a bounded number of sources.
#[derive(Debug)]
pub struct SourceLimiter {
    burst: f64,
    per_sec: f64,
    max_sources: usize,
    buckets: HashMap<IpAddr, (f64, Instant)>,
}

impl SourceLimiter {
    /// `burst` searches at once per source, refilled at `per_sec`; at most
    /// `max_sources` tracked (new sources beyond that are refused until old ones go quiet).
    pub fn new(burst: u32, per_sec: f64, max_sources: usize) -> Self {
        Self {
            burst: f64::from(burst),
            per_sec,
            max_sources,
            buckets: HashMap::new(),
        }
    }

    /// Whether a search from `source` at `now` may be answered (uses one token).
    pub fn allow(&mut self, source: IpAddr, now: Instant) -> bool {
        if !self.buckets.contains_key(&source) && self.buckets.len() >= self.max_sources {
            self.forget_idle(now);
            if self.buckets.len() >= self.max_sources {
                return false;
            }
        }
        let (burst, per_sec) = (self.burst, self.per_sec);
        let (tokens, last) = self.buckets.entry(source).or_insert((burst, now));
        let elapsed = now.saturating_duration_since(*last).as_secs_f64();
        *tokens = (*tokens + elapsed * per_sec).min(burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Drops sources whose bucket has refilled: they are indistinguishable from new ones.
    fn forget_idle(&mut self, now: Instant) {
        let full_after =
            Duration::try_from_secs_f64(self.burst / self.per_sec).unwrap_or(Duration::MAX);
        self.buckets
            .retain(|_, (_, last)| now.saturating_duration_since(*last) < full_after);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refill_and_bounded_sources() {
        let mut limiter = SourceLimiter::new(2, 1.0, 2);
        let t0 = Instant::now();
        let a: IpAddr = [192, 0, 2, 1].into();
        assert!(limiter.allow(a, t0) && limiter.allow(a, t0));
        assert!(!limiter.allow(a, t0), "burst spent");
        assert!(
            limiter.allow(a, t0 + Duration::from_secs(1)),
            "one token refilled"
        );
        assert!(limiter.allow([192, 0, 2, 2].into(), t0));
        assert!(
            !limiter.allow([192, 0, 2, 3].into(), t0 + Duration::from_secs(1)),
            "table full"
        );
        assert!(
            limiter.allow([192, 0, 2, 3].into(), t0 + Duration::from_secs(10)),
            "idle sources forgotten"
        );
    }
}
