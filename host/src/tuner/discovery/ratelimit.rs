//! Caps discovery replies per source and in total, so spoofed requests
//! cannot turn the tuner into a traffic reflector.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Replies allowed to one source address per window (a client sends a handful per discovery).
const PER_SOURCE: u32 = 20;
/// Replies allowed in total per window.
const GLOBAL: u32 = 200;
/// Sources remembered at once; beyond that new sources wait for the next window.
const MAX_SOURCES: usize = 4096;
/// Window length.
const WINDOW: Duration = Duration::from_secs(1);

/// Fixed-window counters per source and overall; bounded memory.
#[derive(Debug)]
pub(crate) struct RateLimit {
    window_start: Instant,
    total: u32,
    per_source: HashMap<IpAddr, u32>,
}

impl RateLimit {
    pub(crate) fn new(now: Instant) -> RateLimit {
        RateLimit {
            window_start: now,
            total: 0,
            per_source: HashMap::new(),
        }
    }

    /// Whether one more reply to `source` is allowed now; counts it if so.
    pub(crate) fn allow(&mut self, source: IpAddr, now: Instant) -> bool {
        if now.saturating_duration_since(self.window_start) >= WINDOW {
            self.window_start = now;
            self.total = 0;
            self.per_source.clear();
        }
        if self.total >= GLOBAL {
            return false;
        }
        if !self.per_source.contains_key(&source) && self.per_source.len() >= MAX_SOURCES {
            return false;
        }
        let count = self.per_source.entry(source).or_insert(0);
        if *count >= PER_SOURCE {
            return false;
        }
        *count += 1;
        self.total += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_per_source_and_resets_each_window() {
        let start = Instant::now();
        let mut limit = RateLimit::new(start);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        assert_eq!(
            (0..100).filter(|_| limit.allow(a, start)).count(),
            PER_SOURCE as usize
        );
        assert!(limit.allow(b, start), "another source is not punished");
        assert!(limit.allow(a, start + WINDOW), "a new window starts fresh");
    }

    #[test]
    fn caps_the_total() {
        let start = Instant::now();
        let mut limit = RateLimit::new(start);
        let allowed = (0..=255u8)
            .flat_map(|i| [i; 2])
            .filter(|i| limit.allow(IpAddr::from([10, 0, 1, *i]), start))
            .count();
        assert_eq!(allowed, GLOBAL as usize);
    }
}
