//! Runtime lag: how long the relay's thread (see `relay::thread`), which
//! moves every channel's bytes, runs without getting back to its event
//! loop. While it runs one stretch of work, every other ready task (a
//! viewer's next chunk, a provider's next read) waits, so the longest
//! stretch is the worst delay any of them can see; anything that blocks
//! that thread shows up here.
//!
//! Measured by the runtime's park/unpark hooks (see `relay::thread`): when the
//! thread wakes, the time is noted; when it goes back to sleep, the stretch
//! is recorded. A 10 ms ticking probe task, the obvious alternative, was
//! measured first: its 100 wake-ups a second cost 8.9 ms of CPU per second
//! on an idle server (0.8 ms without it) and 2 CPU s per GB for one viewer
//! at 20 Mbit/s (5.5 against 3.5 s/GB), more than the rest of the relay;
//! the hooks cost nothing measurable, miss no stretch, and a thread that
//! never parks because it is saturated is lagging by definition.

use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Upper bounds of the histogram buckets, in seconds.
pub const BUCKETS: [f64; 10] = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0];

/// Seconds of history for "the last minute".
const MINUTE: usize = 60;

/// The relay thread's stretches of work since start.
#[derive(Debug)]
pub struct RuntimeLag {
    start: Instant,
    /// When the thread last woke, in µs since `start`.
    woke_us: AtomicU64,
    /// Stretches at or under each bucket's bound (non-cumulative).
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_us: AtomicU64,
    max_us: AtomicU64,
    /// Per second of the last minute (slot = second % 60): which second the
    /// slot holds, and its longest stretch.
    seconds: [(AtomicU64, AtomicU64); MINUTE],
}

/// The lag at a glance, for `status`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct LagView {
    /// Longest stretch in the last minute, in milliseconds.
    pub last_minute_max_ms: f64,
    /// Longest stretch since start, in milliseconds.
    pub max_ms: f64,
    /// 99 % of stretches were at most this long (a bucket bound), in milliseconds.
    pub p99_ms: f64,
}

impl Default for RuntimeLag {
    fn default() -> Self {
        RuntimeLag {
            start: Instant::now(),
            woke_us: AtomicU64::new(0),
            buckets: Default::default(),
            count: AtomicU64::new(0),
            sum_us: AtomicU64::new(0),
            max_us: AtomicU64::new(0),
            seconds: std::array::from_fn(|_| (AtomicU64::new(u64::MAX), AtomicU64::new(0))),
        }
    }
}

impl RuntimeLag {
    /// The process's one measure (the relay runtime is one thread).
    pub fn global() -> &'static RuntimeLag {
        static LAG: OnceLock<RuntimeLag> = OnceLock::new();
        LAG.get_or_init(RuntimeLag::default)
    }

    fn now_us(&self) -> u64 {
        self.start.elapsed().as_micros() as u64
    }

    /// The runtime's thread woke up (its unpark hook).
    pub fn woke(&self) {
        self.woke_us.store(self.now_us(), Ordering::Relaxed);
    }

    /// The runtime's thread goes back to sleep (its park hook): records the
    /// stretch since it woke.
    pub fn sleeps(&self) {
        let now = self.now_us();
        let busy = now.saturating_sub(self.woke_us.load(Ordering::Relaxed));
        self.record(Duration::from_micros(busy), now / 1_000_000);
    }

    /// Counts one stretch of `busy`, ending in second `second` since start.
    pub fn record(&self, busy: Duration, second: u64) {
        let us = busy.as_micros() as u64;
        let secs = busy.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_us.fetch_add(us, Ordering::Relaxed);
        self.max_us.fetch_max(us, Ordering::Relaxed);
        let (stamp, worst) = &self.seconds[second as usize % MINUTE];
        if stamp.swap(second, Ordering::Relaxed) != second {
            worst.store(us, Ordering::Relaxed);
        } else {
            worst.fetch_max(us, Ordering::Relaxed);
        }
    }

    /// Forgets every stretch so far: a server calls it once it serves, so
    /// its start-up (opening the database, compiling plugins) is not counted.
    pub fn reset(&self) {
        for bucket in &self.buckets {
            bucket.store(0, Ordering::Relaxed);
        }
        for counter in [&self.count, &self.sum_us, &self.max_us] {
            counter.store(0, Ordering::Relaxed);
        }
        for (stamp, worst) in &self.seconds {
            stamp.store(u64::MAX, Ordering::Relaxed);
            worst.store(0, Ordering::Relaxed);
        }
    }

    /// The lag at a glance.
    pub fn view(&self) -> LagView {
        let count = self.count.load(Ordering::Relaxed);
        let mut seen = 0;
        let mut p99 = BUCKETS[BUCKETS.len() - 1];
        for (i, bucket) in self.buckets.iter().enumerate() {
            seen += bucket.load(Ordering::Relaxed);
            if count > 0 && seen * 100 >= count * 99 {
                p99 = BUCKETS[i];
                break;
            }
        }
        let now = self.now_us() / 1_000_000;
        let last_minute = self
            .seconds
            .iter()
            .filter(|(stamp, _)| {
                let s = stamp.load(Ordering::Relaxed);
                s <= now && now - s < MINUTE as u64
            })
            .map(|(_, worst)| worst.load(Ordering::Relaxed))
            .max()
            .unwrap_or(0);
        LagView {
            last_minute_max_ms: last_minute as f64 / 1000.0,
            max_ms: self.max_us.load(Ordering::Relaxed) as f64 / 1000.0,
            p99_ms: if count == 0 { 0.0 } else { p99 * 1000.0 },
        }
    }

    /// The Prometheus histogram `streamforge_runtime_lag_seconds` and the gauge
    /// `streamforge_runtime_lag_seconds_max`.
    pub fn render(&self, out: &mut String) {
        use std::fmt::Write as _;
        let name = "streamforge_runtime_lag_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} Stretches the relay thread ran without returning to its event loop.\n# TYPE {name} histogram"
        );
        let mut cumulative = 0;
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            cumulative += bucket.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {cumulative}");
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let sum = self.sum_us.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {count}");
        let max = self.max_us.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(
            out,
            "# HELP {name}_max The longest such stretch since start.\n# TYPE {name}_max gauge\n{name}_max {max}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_buckets_max_and_the_last_minute() {
        let lag = RuntimeLag::default();
        for _ in 0..98 {
            lag.record(Duration::from_micros(500), 0);
        }
        lag.record(Duration::from_millis(30), 0);
        lag.record(Duration::from_millis(300), 0);
        let v = lag.view();
        assert_eq!(v.max_ms, 300.0);
        assert_eq!(v.last_minute_max_ms, 300.0);
        assert_eq!(v.p99_ms, 50.0);
        let mut text = String::new();
        lag.render(&mut text);
        assert!(text.contains("streamforge_runtime_lag_seconds_bucket{le=\"0.001\"} 98"));
        assert!(text.contains("streamforge_runtime_lag_seconds_bucket{le=\"+Inf\"} 100"));
        assert!(text.contains("streamforge_runtime_lag_seconds_max 0.3"));
    }

    #[test]
    fn a_stretch_is_the_time_from_waking_to_sleeping() {
        let lag = RuntimeLag::default();
        lag.woke();
        std::thread::sleep(Duration::from_millis(20));
        lag.sleeps();
        let v = lag.view();
        assert!(v.max_ms >= 20.0 && v.max_ms < 1000.0, "{v:?}");
        assert!(v.last_minute_max_ms >= 20.0);
    }
}
