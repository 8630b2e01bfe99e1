//! The runtime-lag probe: a task that asks to wake every 10 ms and measures
//! how late it actually wakes. Every channel's bytes move on the same async
//! thread, so this lateness is what any work that blocks that thread costs
//! every viewer; `/metrics` and `status` show it.

use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How often the probe asks to wake.
pub const TICK: Duration = Duration::from_millis(10);

/// Upper bounds of the histogram buckets, in seconds.
pub const BUCKETS: [f64; 10] = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0];

/// Lateness of the probe's wake-ups since start.
#[derive(Debug, Default)]
pub struct RuntimeLag {
    /// Wake-ups at or under each bucket's bound (non-cumulative).
    buckets: [AtomicU64; BUCKETS.len()],
    /// Wake-ups later than the last bound.
    over: AtomicU64,
    count: AtomicU64,
    sum_us: AtomicU64,
    max_us: AtomicU64,
    /// (second, worst lateness in it) for the last minute.
    recent: Mutex<Vec<(u64, u64)>>,
}

/// The lag at a glance, for `status`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct LagView {
    /// Worst lateness in the last minute, in milliseconds.
    pub last_minute_max_ms: f64,
    /// Worst lateness since start, in milliseconds.
    pub max_ms: f64,
    /// 99 % of wake-ups were at most this late (a bucket bound), in milliseconds.
    pub p99_ms: f64,
}

impl RuntimeLag {
    /// Counts one wake-up `late` after it was due.
    pub fn record(&self, late: Duration, now_secs: u64) {
        let us = late.as_micros() as u64;
        let secs = late.as_secs_f64();
        match BUCKETS.iter().position(|b| secs <= *b) {
            Some(i) => self.buckets[i].fetch_add(1, Ordering::Relaxed),
            None => self.over.fetch_add(1, Ordering::Relaxed),
        };
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_us.fetch_add(us, Ordering::Relaxed);
        self.max_us.fetch_max(us, Ordering::Relaxed);
        let mut recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
        match recent.last_mut() {
            Some((s, worst)) if *s == now_secs => *worst = (*worst).max(us),
            _ => recent.push((now_secs, us)),
        }
        recent.retain(|(s, _)| s + 60 > now_secs);
    }

    /// Runs the probe until the runtime ends.
    pub fn spawn_probe(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let lag = self.clone();
        tokio::spawn(async move {
            let start = Instant::now();
            let mut due = tokio::time::Instant::now() + TICK;
            loop {
                tokio::time::sleep_until(due).await;
                let now = tokio::time::Instant::now();
                lag.record(
                    now.saturating_duration_since(due),
                    start.elapsed().as_secs(),
                );
                due = now + TICK;
            }
        })
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
        let recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
        let last_minute = recent.iter().map(|(_, us)| *us).max().unwrap_or(0);
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
            "# HELP {name} How late the async thread's 10 ms probe woke up.\n# TYPE {name} histogram"
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
            "# HELP {name}_max The latest the probe ever woke up.\n# TYPE {name}_max gauge\n{name}_max {max}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_buckets_max_and_recent() {
        let lag = RuntimeLag::default();
        for _ in 0..98 {
            lag.record(Duration::from_micros(500), 1);
        }
        lag.record(Duration::from_millis(30), 2);
        lag.record(Duration::from_millis(300), 70);
        let v = lag.view();
        assert_eq!(v.max_ms, 300.0);
        // The 30 ms wake-up was more than a minute before second 70.
        assert_eq!(v.last_minute_max_ms, 300.0);
        assert_eq!(v.p99_ms, 50.0);
        let mut text = String::new();
        lag.render(&mut text);
        assert!(text.contains("streamforge_runtime_lag_seconds_bucket{le=\"0.001\"} 98"));
        assert!(text.contains("streamforge_runtime_lag_seconds_bucket{le=\"+Inf\"} 100"));
        assert!(text.contains("streamforge_runtime_lag_seconds_max 0.3"));
    }
}
