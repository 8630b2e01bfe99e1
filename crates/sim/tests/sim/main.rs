//! The simulated panel's own tests, one binary: it answers like a real panel
//! and every fault does what it says (`provider`), and its streams are real,
//! paced, clean MPEG-TS (`streams`).

mod provider;
mod streams;

use std::time::{Duration, Instant};

/// Polls `cond` every 20 ms (yielding, so the simulator's tasks run on a
/// one-thread runtime too) until it holds, for at most `limit`; fails
/// naming `what`.
async fn eventually(what: &str, limit: Duration, mut cond: impl FnMut() -> bool) {
    let until = Instant::now() + limit;
    while !cond() {
        assert!(Instant::now() < until, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
