//! The relay's own thread: one async runtime that runs only the byte path
//! (the listener in front, the channels' pumps, the viewers' sockets), so
//! admin work cannot hold it up. The HTTP server (lineup, playlist, guide,
//! API, console, cameras) runs on the process's main runtime.
//!
//! Measured with the isolation test (20 s of admin requests over a
//! catalogue of 50 000 streams; bucket bounds of the longest stretch of
//! work): with everything on one thread, ≤ 1 ms quiet became ≤ 20 ms under
//! load alone, ≤ 50 ms beside four busy loops and ≤ 100 ms in a CI run,
//! almost all of it writing the guide, playlist and mappings to the admin
//! clients (single `writev`s of up to 6 MB). A stretch like that holds back
//! every channel's next read and write. On its own thread the relay stays
//! at ≤ 1-10 ms under the same load alone (six runs), ≤ 1 ms beside the
//! busy loops.
//!
//! Its park/unpark hooks measure the runtime lag (see [`super::lag`]).

use std::io;
use tokio::runtime::Handle;
use tokio::sync::oneshot;

/// The running relay thread; [`RelayThread::stop`] ends it.
pub struct RelayThread {
    handle: Handle,
    stop: oneshot::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl RelayThread {
    /// Starts the thread and its runtime.
    pub fn start() -> io::Result<RelayThread> {
        let lag = super::lag::RuntimeLag::global();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .on_thread_unpark(move || lag.woke())
            .on_thread_park(move || lag.sleeps())
            .build()?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("relay".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let _ = stopped.await;
                });
                // Streams never end on their own: what is left is cancelled.
                runtime.shutdown_timeout(std::time::Duration::from_secs(1));
            })?;
        Ok(RelayThread {
            handle,
            stop,
            thread,
        })
    }

    /// The runtime to make the relay in and spawn its tasks on.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Ends the thread: its remaining tasks are cancelled (close the
    /// channels first so viewers get a clean end).
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let thread = self.thread;
        let _ = tokio::task::spawn_blocking(move || thread.join()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::RelayThread;

    #[tokio::test]
    async fn its_tasks_run_on_the_relay_thread_until_it_stops() {
        let relay = RelayThread::start().unwrap();
        let name = relay
            .handle()
            .spawn(async { std::thread::current().name().map(str::to_string) })
            .await
            .unwrap();
        assert_eq!(name.as_deref(), Some("relay"));
        let (held, dropped) = tokio::sync::oneshot::channel::<()>();
        let endless = relay.handle().spawn(async move {
            let _held = held;
            std::future::pending::<()>().await
        });
        relay.stop().await;
        // The task still running was cancelled, and what it held dropped.
        assert!(dropped.await.is_err());
        assert!(endless.await.unwrap_err().is_cancelled());
    }
}
