//! The live streams being served: how many, how many ever, how many bytes,
//! and oldest-first eviction when the account's connection limit is hit
//! (what real panels do instead of refusing the newcomer).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// Registry of stream bodies in flight, shared by both listeners.
#[derive(Debug, Default)]
pub(crate) struct OpenStreams {
    /// Open streams by start order; the flag asks the stream to close.
    open: Mutex<BTreeMap<u64, Arc<AtomicBool>>>,
    /// Streams started since the simulator started (also the next id).
    started: AtomicU64,
    /// Stream bytes handed to connections.
    bytes: AtomicU64,
}

/// One open stream's place in the registry; dropping it (the body ends, for
/// whatever reason) takes it out.
#[derive(Debug)]
pub(crate) struct Ticket {
    seq: u64,
    evicted: Arc<AtomicBool>,
    owner: Arc<OpenStreams>,
}

impl OpenStreams {
    /// Registers a new stream. With a `limit`, the oldest streams are told
    /// to close until the newcomer fits.
    pub(crate) fn open(self: &Arc<Self>, limit: Option<usize>) -> Ticket {
        let seq = self.started.fetch_add(1, Ordering::SeqCst);
        let evicted = Arc::new(AtomicBool::new(false));
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(limit) = limit {
            while open.len() >= limit.max(1) {
                if let Some((_, oldest)) = open.pop_first() {
                    oldest.store(true, Ordering::SeqCst);
                }
            }
        }
        open.insert(seq, evicted.clone());
        Ticket {
            seq,
            evicted,
            owner: self.clone(),
        }
    }

    /// Streams currently being served.
    pub(crate) fn count(&self) -> usize {
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Streams started since the simulator started.
    pub(crate) fn started(&self) -> u64 {
        self.started.load(Ordering::SeqCst)
    }

    /// Stream bytes sent so far, all connections together.
    pub(crate) fn bytes_sent(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Counts bytes handed to a connection.
    pub(crate) fn add_bytes(&self, n: usize) {
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
    }
}

impl Ticket {
    /// Whether a newer stream pushed this one out.
    pub(crate) fn evicted(&self) -> bool {
        self.evicted.load(Ordering::SeqCst)
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.owner
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.seq);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_oldest_first_and_forgets_closed_streams() {
        let streams = Arc::new(OpenStreams::default());
        let a = streams.open(Some(2));
        let b = streams.open(Some(2));
        assert_eq!(streams.count(), 2);
        let c = streams.open(Some(2));
        assert!(a.evicted() && !b.evicted() && !c.evicted());
        assert_eq!(streams.count(), 2);
        drop(a);
        assert_eq!(streams.count(), 2, "an evicted ticket is already out");
        drop(b);
        let _d = streams.open(None);
        let _e = streams.open(None);
        assert_eq!(streams.count(), 3, "no limit, no eviction");
        assert_eq!(streams.started(), 5);
        streams.add_bytes(188);
        assert_eq!(streams.bytes_sent(), 188);
    }
}
