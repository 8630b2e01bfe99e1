//! Viewers the channel's pump writes to itself. A `GET /stream/{n}` that
//! opens its connection (see [`super::front`]) hands its socket to the pump,
//! which writes each chunk straight to it with a non-blocking `writev`: no
//! task to wake, no HTTP body framing. A viewer whose socket is full keeps
//! its unwritten chunks in its own queue (references, not copies) and the
//! pump writes them when the socket drains; one that falls more than
//! [`RING_CHUNKS`] chunks behind skips ahead to the next keyframe (after
//! PAT/PMT, each PID's jump marked), as a body viewer does. A viewer stuck
//! for the stuck-viewer timeout is let go by [`super::hub::Hub::sweep`];
//! the pump then drops its socket.

use super::config::RING_CHUNKS;
use super::hub::Chunk;
use super::metrics::{add, Metrics};
use super::skip::SkipMarks;
use super::viewer::ViewerGuard;
use bytes::Bytes;
use std::collections::VecDeque;
use std::io::{ErrorKind, IoSlice};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::net::TcpStream;

/// Slices per `writev`.
const MAX_SLICES: usize = 16;

/// A viewer waiting to be added by the pump: its socket (the response head
/// already written) and its place on the channel.
pub(crate) struct Joiner {
    pub(crate) socket: TcpStream,
    pub(crate) guard: ViewerGuard,
}

struct DirectViewer {
    socket: TcpStream,
    guard: ViewerGuard,
    /// Bytes not written yet; the front one may be partly written already.
    queue: VecDeque<Bytes>,
    /// The front chunk was partly written: it must be finished before any
    /// skip, or a packet would be cut.
    mid_chunk: bool,
    /// Sequence number of the last chunk queued.
    seq: u64,
    /// Skipped ahead: waiting for a keyframe to resume at.
    resync: bool,
    /// The socket was full at the last write: written again once it drains.
    blocked: bool,
    /// Since the last skip ahead: the counter jumps still to mark.
    marks: Option<SkipMarks>,
}

/// Why a viewer is dropped.
struct Gone;

impl DirectViewer {
    /// Queues what this viewer should get of `chunk`; `false` if it had
    /// fallen too far behind (it skips to the next keyframe).
    fn queue(&mut self, chunk: &Chunk) -> bool {
        self.seq = chunk.seq;
        if self.resync {
            let Some(at) = chunk.keyframe else {
                return true;
            };
            self.resync = false;
            let from = &chunk.data[at as usize..];
            let (marks, resumed) = SkipMarks::resume(chunk.psi.as_ref(), from);
            self.queue.push_back(resumed);
            self.marks = Some(marks);
            return true;
        }
        if self.queue.len() >= RING_CHUNKS {
            // Keep only the rest of a chunk being written, then wait for a keyframe.
            let keep = self.mid_chunk.then(|| self.queue.pop_front()).flatten();
            self.queue.clear();
            self.queue.extend(keep);
            self.resync = true;
            self.queue(chunk);
            return false;
        }
        match &mut self.marks {
            Some(marks) if marks.active() => self.queue.push_back(marks.follow(&chunk.data)),
            _ => self.queue.push_back(chunk.data.clone()),
        }
        true
    }

    /// Writes what the socket takes now. `Ok(true)`: all written.
    fn flush(&mut self, metrics: &Metrics) -> Result<bool, Gone> {
        if self.guard.lease.released() {
            return Err(Gone);
        }
        let mut wrote = false;
        let result = loop {
            if self.queue.is_empty() {
                break Ok(true);
            }
            let mut slices = [IoSlice::new(&[]); MAX_SLICES];
            let n = self.queue.len().min(MAX_SLICES);
            for (slot, data) in slices.iter_mut().zip(self.queue.iter()) {
                *slot = IoSlice::new(data);
            }
            match self.socket.try_write_vectored(&slices[..n]) {
                Ok(0) => break Err(Gone),
                Ok(written) => {
                    wrote = true;
                    self.advance(written, metrics);
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break Ok(false),
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => break Err(Gone),
            }
        };
        let lease = &self.guard.lease;
        if wrote {
            lease
                .touched_ms
                .store(self.guard.hub.now_ms(), Ordering::Relaxed);
        }
        if let Ok(true) = result {
            lease.seq.store(self.seq, Ordering::Relaxed);
        }
        self.blocked = matches!(result, Ok(false));
        result
    }

    fn advance(&mut self, mut written: usize, metrics: &Metrics) {
        add(&metrics.bytes_out, written as u64);
        add(&self.guard.lease.bytes, written as u64);
        self.guard
            .hub
            .bytes_out
            .fetch_add(written as u64, Ordering::Relaxed);
        while written > 0 {
            let front = self.queue.front_mut().expect("written bytes were queued");
            if written >= front.len() {
                written -= front.len();
                self.queue.pop_front();
                self.mid_chunk = false;
            } else {
                *front = front.slice(written..);
                self.mid_chunk = true;
                written = 0;
            }
        }
    }
}

/// The viewers one pump writes to, and the counters they feed.
pub(crate) struct DirectViewers {
    list: Vec<DirectViewer>,
    metrics: Arc<Metrics>,
}

impl DirectViewers {
    /// None yet.
    pub(crate) fn new(metrics: Arc<Metrics>) -> DirectViewers {
        DirectViewers {
            list: Vec::new(),
            metrics,
        }
    }

    /// Adds a viewer starting with `prefix` (PAT/PMT and the bytes since the
    /// last keyframe) and continuing with the chunk after `seq`.
    pub(crate) fn add(&mut self, joiner: Joiner, prefix: VecDeque<Bytes>, seq: u64) {
        let mut viewer = DirectViewer {
            socket: joiner.socket,
            guard: joiner.guard,
            queue: prefix,
            mid_chunk: false,
            seq,
            resync: false,
            blocked: false,
            marks: None,
        };
        if viewer.flush(&self.metrics).is_ok() {
            self.list.push(viewer);
        }
    }

    /// Hands `chunk` to every viewer, writing what each socket takes now;
    /// with `hold`, only queues it (more follows at once: one `writev` for
    /// all of it, written by the next `send` without `hold` or, failing
    /// that, by [`DirectViewers::flush_waiting`]).
    pub(crate) fn send(&mut self, chunk: &Chunk, hold: bool) {
        if self.list.is_empty() {
            return;
        }
        let metrics = &self.metrics;
        self.list.retain_mut(|v| {
            if !v.queue(chunk) {
                add(&metrics.viewers_lagged, 1);
            }
            // A viewer waiting for its socket is written when it drains.
            hold || v.blocked || v.flush(metrics).is_ok()
        });
    }

    /// Whether a viewer has bytes queued (its socket was full, or they were
    /// held for more).
    pub(crate) fn any_waiting(&self) -> bool {
        self.list.iter().any(|v| !v.queue.is_empty())
    }

    /// Ready once a waiting viewer's socket can take more (or is gone).
    pub(crate) async fn writable(&self) {
        std::future::poll_fn(|cx| self.poll_writable(cx)).await
    }

    fn poll_writable(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut ready = false;
        for v in self.list.iter().filter(|v| !v.queue.is_empty()) {
            ready |= v.socket.poll_write_ready(cx).is_ready();
        }
        if ready {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    /// Writes to every waiting viewer what its socket takes now.
    pub(crate) fn flush_waiting(&mut self) {
        let metrics = &self.metrics;
        self.list
            .retain_mut(|v| v.queue.is_empty() || v.flush(metrics).is_ok());
    }

    /// Drops the viewers that were let go (by the sweep).
    pub(crate) fn drop_released(&mut self) {
        self.list.retain(|v| !v.guard.lease.released());
    }
}
