//! Every open client connection, bounded in number and in time. A
//! connection is admitted at accept only while fewer than the cap are open;
//! at the cap the oldest idle one (waiting for a request) is closed to make
//! room, and without an idle one the new connection is refused. A watchdog
//! closes connections that take more than [`Timeouts::head`] to send a
//! request head, or sit idle between requests for more than
//! [`Timeouts::idle`]. Streams (a channel, a camera, a live page) are busy
//! while they play and are never cut by it.

use futures_util::task::AtomicWaker;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// How long a connection may take for what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// From a request's first byte (or the connection's opening) to its
    /// whole head.
    pub head: Duration,
    /// Between requests on a kept-alive connection, with nothing sent.
    pub idle: Duration,
    /// Between two pieces of a request's body.
    pub body: Duration,
}

impl Default for Timeouts {
    /// 10 s for a head, 60 s idle, 30 s between body pieces.
    fn default() -> Self {
        Timeouts {
            head: Duration::from_secs(10),
            idle: Duration::from_secs(60),
            body: Duration::from_secs(30),
        }
    }
}

/// One open connection's state, shared by its socket wrapper, its request
/// tracking and the watchdog.
#[derive(Debug)]
pub struct Connection {
    id: u64,
    /// Requests being answered (a response body not finished counts).
    in_flight: AtomicUsize,
    /// A stream that must not be cut (a channel, an upgraded WebSocket).
    streaming: AtomicBool,
    /// Milliseconds (on the registry's clock) of the last read or write.
    last_activity_ms: AtomicU64,
    /// When the connection last became idle (or opened).
    idle_since_ms: AtomicU64,
    /// A request head is due: bytes of one came (or the connection just
    /// opened) and it is not whole yet; since when.
    head_started: AtomicBool,
    head_since_ms: AtomicU64,
    /// Set once it must go: reads and writes fail from then on.
    closing: AtomicBool,
    /// Woken when it must go (for code that waits on the raw socket).
    closed: Notify,
    read_waker: AtomicWaker,
    write_waker: AtomicWaker,
    epoch: Instant,
    registry: Weak<Registry>,
}

impl Connection {
    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    /// Whether the connection has been told to close.
    pub fn is_closing(&self) -> bool {
        self.closing.load(Ordering::Acquire)
    }

    /// Resolves once the connection must close.
    pub async fn closed(&self) {
        let notified = self.closed.notified();
        if self.is_closing() {
            return;
        }
        notified.await;
    }

    /// Marks it a stream: never idle, never cut by the watchdog.
    pub fn set_streaming(&self) {
        self.streaming.store(true, Ordering::Release);
    }

    /// Bytes came in (`n > 0`): activity, and the start of a head when idle.
    pub fn on_read(&self, n: usize) {
        if n > 0 {
            let now = self.now_ms();
            self.last_activity_ms.store(now, Ordering::Relaxed);
            if self.in_flight.load(Ordering::Acquire) == 0
                && !self.head_started.swap(true, Ordering::AcqRel)
            {
                self.head_since_ms.store(now, Ordering::Relaxed);
            }
        }
    }

    /// Bytes went out.
    pub fn on_write(&self) {
        self.last_activity_ms
            .store(self.now_ms(), Ordering::Relaxed);
    }

    /// A request's head was read: it is being answered.
    pub fn begin_request(&self) {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        self.head_started.store(false, Ordering::Relaxed);
    }

    /// A response was sent whole (or dropped).
    pub fn end_request(&self) {
        if self.in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
            let now = self.now_ms();
            self.idle_since_ms.store(now, Ordering::Relaxed);
            self.last_activity_ms.store(now, Ordering::Relaxed);
        }
    }

    /// Registers the tasks to wake when the connection must close.
    pub fn register_wakers(
        &self,
        read: Option<&std::task::Waker>,
        write: Option<&std::task::Waker>,
    ) {
        if let Some(w) = read {
            self.read_waker.register(w);
        }
        if let Some(w) = write {
            self.write_waker.register(w);
        }
    }

    /// Tells the connection to close now: its socket's reads and writes
    /// fail, code waiting on [`Self::closed`] wakes.
    pub fn close(&self) {
        if !self.closing.swap(true, Ordering::AcqRel) {
            self.closed.notify_waiters();
            self.read_waker.wake();
            self.write_waker.wake();
        }
    }

    /// Idle now (nothing in flight, not a stream): since when, in ms.
    fn idle_since(&self) -> Option<u64> {
        let idle = self.in_flight.load(Ordering::Acquire) == 0
            && !self.streaming.load(Ordering::Acquire)
            && !self.is_closing();
        idle.then(|| {
            self.idle_since_ms
                .load(Ordering::Relaxed)
                .max(self.last_activity_ms.load(Ordering::Relaxed))
        })
    }

    /// Why the watchdog must close it now, if it must.
    fn overdue(&self, now: u64, timeouts: &Timeouts) -> Option<&'static str> {
        let idle_since = self.idle_since()?;
        if self.head_started.load(Ordering::Acquire) {
            let since_head = now.saturating_sub(self.head_since_ms.load(Ordering::Relaxed));
            (since_head > timeouts.head.as_millis() as u64)
                .then_some("no whole request head in time")
        } else {
            (now.saturating_sub(idle_since) > timeouts.idle.as_millis() as u64).then_some("idle")
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        if let Some(registry) = self.registry.upgrade() {
            registry.remove(self.id);
        }
    }
}

/// The registry of open connections of one server.
#[derive(Debug)]
pub struct Registry {
    max_open: usize,
    timeouts: Timeouts,
    epoch: Instant,
    next_id: AtomicU64,
    open: Mutex<HashMap<u64, Weak<Connection>>>,
    /// Connections refused at accept since start (for `/metrics`).
    refused: AtomicU64,
    /// Connections closed by the watchdog or to make room.
    closed: AtomicU64,
}

impl Registry {
    /// A registry allowing `max_open` connections at once.
    pub fn new(max_open: usize, timeouts: Timeouts) -> Arc<Registry> {
        Arc::new(Registry {
            max_open: max_open.max(1),
            timeouts,
            epoch: Instant::now(),
            next_id: AtomicU64::new(1),
            open: Mutex::default(),
            refused: AtomicU64::new(0),
            closed: AtomicU64::new(0),
        })
    }

    /// The cap.
    pub fn max_open(&self) -> usize {
        self.max_open
    }

    /// The timeouts the watchdog applies.
    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.lock().len()
    }

    /// Connections refused at accept so far.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    /// Connections closed for being idle or slow, or to make room.
    pub fn closed(&self) -> u64 {
        self.closed.load(Ordering::Relaxed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Weak<Connection>>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn remove(&self, id: u64) {
        self.lock().remove(&id);
    }

    /// A slot for a connection just accepted, or `None` when it must be
    /// refused: at the cap the oldest idle connection is closed for it.
    pub fn admit(self: &Arc<Self>) -> Option<Arc<Connection>> {
        // Dropped after the lock (its drop takes the lock).
        let mut evicted = None;
        let mut open = self.lock();
        if open.len() >= self.max_open {
            let oldest = open
                .iter()
                .filter_map(|(id, c)| {
                    let c = c.upgrade()?;
                    Some((c.idle_since()?, *id, c))
                })
                .min_by_key(|(since, id, _)| (*since, *id));
            match oldest {
                Some((_, id, conn)) => {
                    open.remove(&id);
                    conn.close();
                    self.closed.fetch_add(1, Ordering::Relaxed);
                    evicted = Some(conn);
                }
                None => {
                    self.refused.fetch_add(1, Ordering::Relaxed);
                    return None;
                }
            }
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let now = self.epoch.elapsed().as_millis() as u64;
        let conn = Arc::new(Connection {
            id,
            in_flight: AtomicUsize::new(0),
            streaming: AtomicBool::new(false),
            last_activity_ms: AtomicU64::new(now),
            idle_since_ms: AtomicU64::new(now),
            // The first request's head is due from the opening on.
            head_started: AtomicBool::new(true),
            head_since_ms: AtomicU64::new(now),
            closing: AtomicBool::new(false),
            closed: Notify::new(),
            read_waker: AtomicWaker::new(),
            write_waker: AtomicWaker::new(),
            epoch: self.epoch,
            registry: Arc::downgrade(self),
        });
        open.insert(id, Arc::downgrade(&conn));
        drop(open);
        drop(evicted);
        Some(conn)
    }

    /// Closes every connection past its head or idle time; returns how many.
    pub fn sweep(&self) -> usize {
        let now = self.epoch.elapsed().as_millis() as u64;
        let live: Vec<Arc<Connection>> = self.lock().values().filter_map(Weak::upgrade).collect();
        let overdue: Vec<Arc<Connection>> = live
            .into_iter()
            .filter(|c| c.overdue(now, &self.timeouts).is_some())
            .collect();
        for c in &overdue {
            c.close();
        }
        self.closed
            .fetch_add(overdue.len() as u64, Ordering::Relaxed);
        overdue.len()
    }

    /// Sweeps every second until the runtime ends or the registry is gone.
    pub fn spawn_watchdog(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let registry = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(1));
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                let Some(registry) = registry.upgrade() else {
                    return;
                };
                registry.sweep();
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quick() -> Timeouts {
        Timeouts {
            head: Duration::from_millis(50),
            idle: Duration::from_millis(150),
            body: Duration::from_millis(50),
        }
    }

    #[test]
    fn at_the_cap_the_oldest_idle_connection_makes_room() {
        let registry = Registry::new(3, Timeouts::default());
        let a = registry.admit().unwrap();
        let b = registry.admit().unwrap();
        let c = registry.admit().unwrap();
        // a serves a request, c plays a stream: only b is idle.
        a.begin_request();
        c.set_streaming();
        let d = registry.admit().expect("b makes room");
        assert!(b.is_closing() && !a.is_closing() && !c.is_closing());
        assert_eq!(registry.open(), 3);
        // Nothing idle left: the next one is refused.
        d.begin_request();
        assert!(registry.admit().is_none());
        assert_eq!(registry.refused(), 1);
        // One ends: room again.
        drop(d);
        assert!(registry.admit().is_some());
    }

    #[test]
    fn slow_heads_and_idle_connections_are_swept_streams_never() {
        let registry = Registry::new(100, quick());
        let silent = registry.admit().unwrap(); // never sends a head
        let served = registry.admit().unwrap();
        served.begin_request();
        served.end_request(); // idle since now
        let stream = registry.admit().unwrap();
        stream.set_streaming();
        let busy = registry.admit().unwrap();
        busy.begin_request();
        std::thread::sleep(Duration::from_millis(80));
        assert_eq!(registry.sweep(), 1);
        assert!(silent.is_closing(), "no head within 50 ms");
        assert!(!served.is_closing(), "idle for 80 ms of 150");
        served.on_read(10); // a new head starts arriving...
        std::thread::sleep(Duration::from_millis(100));
        registry.sweep();
        assert!(served.is_closing(), "...and never ends");
        assert!(!stream.is_closing() && !busy.is_closing());
    }

    #[tokio::test]
    async fn closing_wakes_whoever_waits() {
        let registry = Registry::new(1, Timeouts::default());
        let conn = registry.admit().unwrap();
        let waiter = {
            let conn = conn.clone();
            tokio::spawn(async move { conn.closed().await })
        };
        tokio::task::yield_now().await;
        let _new = registry.admit().expect("the idle one makes room");
        tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .expect("woken")
            .unwrap();
    }
}
