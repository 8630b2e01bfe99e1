//! End-to-end tests that measure time, in a binary of their own: cargo runs
//! one test binary after another, so nothing else (a plugin being built, an
//! ffmpeg encode) shares the CPU with them, and each holds [`ALONE`] so
//! they do not share it with each other either. A pause here is then the
//! server's doing, not a neighbour's.
//!
//! They use only the testkit, not the `streamforge` library, so this binary
//! does not link wasmtime.

mod isolation;

/// Held by each test for its whole run: one at a time.
static ALONE: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Waits for the other tests of this binary to finish (a failed one too).
fn alone() -> std::sync::MutexGuard<'static, ()> {
    ALONE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
