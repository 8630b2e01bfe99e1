//! Waiting for a condition with a deadline, instead of sleeping and hoping.

use std::time::{Duration, Instant};

/// How often a condition is polled.
pub const POLL: Duration = Duration::from_millis(10);

/// Polls `check` until it gives a value, for at most `limit`; the value.
/// When the deadline passes the test fails with `explain()` (called only
/// then, so it may gather logs or events).
pub fn wait_for_explained<T>(
    limit: Duration,
    mut check: impl FnMut() -> Option<T>,
    explain: impl FnOnce() -> String,
) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = check() {
            return value;
        }
        if Instant::now() >= deadline {
            panic!("not within {limit:?}: {}", explain());
        }
        std::thread::sleep(POLL);
    }
}

/// Polls `check` until it gives a value, for at most `limit`; the value.
/// `what` names what was awaited when the deadline passes.
pub fn wait_for<T>(what: &str, limit: Duration, check: impl FnMut() -> Option<T>) -> T {
    wait_for_explained(limit, check, || what.to_string())
}

/// Polls `check` until it is true, for at most `limit`; the moment it became
/// true. `what` names what was awaited when the deadline passes.
pub fn wait_until(what: &str, limit: Duration, mut check: impl FnMut() -> bool) -> Instant {
    wait_for(what, limit, || check().then(Instant::now))
}

/// [`wait_until`] with a failure message built only when it fails.
pub fn wait_until_explained(
    limit: Duration,
    mut check: impl FnMut() -> bool,
    explain: impl FnOnce() -> String,
) -> Instant {
    wait_for_explained(limit, || check().then(Instant::now), explain)
}

/// Polls `check` until it gives `Ok(value)`, for at most `limit`; the value.
/// Each `Err` says what was seen instead; when the deadline passes the test
/// fails with `what` and the last of them, so the failure shows where
/// things stood (a status, a tool's output).
pub fn wait_for_ok<T>(
    what: &str,
    limit: Duration,
    mut check: impl FnMut() -> Result<T, String>,
) -> T {
    let last = std::cell::RefCell::new(String::from("nothing checked yet"));
    wait_for_explained(
        limit,
        || check().map_err(|seen| *last.borrow_mut() = seen).ok(),
        || format!("{what}; last seen: {}", last.borrow()),
    )
}
