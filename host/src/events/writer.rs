//! The one thread that stores events in the database. Events reach it
//! through a bounded channel; when it is behind (a slow disk), new events are
//! counted and kept only in memory rather than make anyone wait. Dropping the
//! writer stores what is queued, then ends the thread.

use super::Event;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;

/// Events waiting to be stored, at most.
const QUEUE: usize = 4096;

/// The sending side, held by the event log.
pub(super) struct Writer {
    queue: Option<SyncSender<Event>>,
    thread: Option<JoinHandle<()>>,
    dropped: Arc<AtomicU64>,
}

impl Writer {
    /// Starts the thread storing events in `tree`, keeping the last `capacity`.
    pub(super) fn start(tree: sled::Tree, capacity: usize) -> Writer {
        let (queue, events) = sync_channel::<Event>(QUEUE);
        let thread = std::thread::Builder::new()
            .name("events-writer".into())
            .spawn(move || {
                for event in events {
                    store(&tree, &event, capacity);
                }
                let _ = tree.flush();
            })
            .expect("starting the events writer thread");
        Writer {
            queue: Some(queue),
            thread: Some(thread),
            dropped: Default::default(),
        }
    }

    /// Queues `event` for storage without waiting.
    pub(super) fn store(&self, event: &Event) {
        let Some(queue) = &self.queue else { return };
        match queue.try_send(event.clone()) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                if self
                    .dropped
                    .fetch_add(1, Ordering::Relaxed)
                    .is_multiple_of(1000)
                {
                    tracing::warn!("the events writer is behind; events are kept in memory only");
                }
            }
            Err(TrySendError::Disconnected(_)) => {}
        }
    }

    /// Events not stored because the queue was full.
    pub(super) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

fn store(tree: &sled::Tree, event: &Event, capacity: usize) {
    let bytes = serde_json::to_vec(event).expect("events serialize");
    if let Err(err) = tree.insert(event.id.to_be_bytes(), bytes) {
        tracing::error!("could not store an event: {err}");
    }
    if event.id > capacity as u64 {
        let _ = tree.remove((event.id - capacity as u64).to_be_bytes());
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.queue.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
