//! One viewer's HTTP body: the clean-point prefix, then the channel's chunks
//! as they come. Behind by more than the ring: skip ahead to the next
//! keyframe (after PAT/PMT, each PID's jump marked). Let go by the sweep,
//! or the channel closed: the body ends (the chunked response is terminated
//! cleanly). Dropping the body (the client left) gives the viewer's place
//! back.

use super::hub::{Chunk, Hub, Lease};
use super::metrics::{add, Metrics};
use super::skip::SkipMarks;
use axum::body::Body;
use bytes::Bytes;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tokio::sync::broadcast::{error::RecvError, Receiver};

/// Gives the viewer's place back when the body is dropped, however that happens.
pub(crate) struct ViewerGuard {
    pub(crate) hub: Arc<Hub>,
    pub(crate) lease: Arc<Lease>,
}

impl Drop for ViewerGuard {
    fn drop(&mut self) {
        self.hub.release(&self.lease);
    }
}

struct Viewer {
    guard: ViewerGuard,
    prefix: VecDeque<Bytes>,
    rx: Receiver<Chunk>,
    metrics: Arc<Metrics>,
    /// Skipped ahead: waiting for a keyframe to resume at.
    resync: bool,
    /// Since the last skip ahead: the counter jumps still to mark.
    marks: Option<SkipMarks>,
}

impl Viewer {
    fn hand_out(&mut self, data: Bytes, seq: u64) -> Bytes {
        let lease = &self.guard.lease;
        lease.seq.store(seq, Ordering::Relaxed);
        lease
            .touched_ms
            .store(self.guard.hub.now_ms(), Ordering::Relaxed);
        add(&self.metrics.bytes_out, data.len() as u64);
        add(&lease.bytes, data.len() as u64);
        self.guard
            .hub
            .bytes_out
            .fetch_add(data.len() as u64, Ordering::Relaxed);
        data
    }

    async fn next(&mut self) -> Option<Bytes> {
        if let Some(first) = self.prefix.pop_front() {
            let seq = self.guard.lease.seq.load(Ordering::Relaxed);
            return Some(self.hand_out(first, seq));
        }
        loop {
            if self.guard.lease.released() {
                return None;
            }
            match self.rx.recv().await {
                Ok(chunk) if !self.resync => {
                    let data = match &mut self.marks {
                        Some(marks) if marks.active() => marks.follow(&chunk.data),
                        _ => chunk.data,
                    };
                    return Some(self.hand_out(data, chunk.seq));
                }
                Ok(chunk) => {
                    let Some(at) = chunk.keyframe else { continue };
                    self.resync = false;
                    let from = &chunk.data[at as usize..];
                    let (marks, resumed) = SkipMarks::resume(chunk.psi.as_ref(), from);
                    self.marks = Some(marks);
                    return Some(self.hand_out(resumed, chunk.seq));
                }
                Err(RecvError::Lagged(_)) => {
                    add(&self.metrics.viewers_lagged, 1);
                    self.resync = true;
                }
                Err(RecvError::Closed) => return None,
            }
        }
    }
}

/// The response body for a viewer who joined `guard.hub`.
pub(crate) fn body(
    guard: ViewerGuard,
    prefix: VecDeque<Bytes>,
    rx: Receiver<Chunk>,
    metrics: Arc<Metrics>,
) -> Body {
    let viewer = Viewer {
        guard,
        prefix,
        rx,
        metrics,
        resync: false,
        marks: None,
    };
    let stream = futures_util::stream::unfold(viewer, |mut v| async move {
        let data = v.next().await?;
        Some((Ok::<_, Infallible>(data), v))
    });
    Body::from_stream(stream)
}
