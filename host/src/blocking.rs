//! Running CPU-bound or blocking work (plugin calls, parsing, database
//! scans, file work) on tokio's blocking pool, so the async threads (the
//! relay's, which moves bytes, and the HTTP server's) never wait on it.

use anyhow::Context;

/// Runs `f` on the blocking pool and waits for its answer.
pub async fn run<T: Send + 'static>(
    f: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .context("a background task failed")?
}
