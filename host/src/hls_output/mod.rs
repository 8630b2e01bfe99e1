//! Live HLS out: a channel's stream, as the relay sends it to any viewer, cut
//! into segments at keyframes with a sliding playlist, for players that ask
//! for `.m3u8` (the Xtream door's `/live/{user}/{pass}/{id}.m3u8`).
//!
//! An output is one viewer of the relay's shared session, so HLS and TS
//! viewers of a channel share one provider connection. It lives while its
//! player keeps asking: no playlist or segment request for [`IDLE`] and it
//! leaves the session, giving back what it held (the user's slot).
//! Segments are named by a random token, not by the user's password, so
//! segment URLs carry no credential.

mod segmenter;

use axum::body::Body;
use bytes::Bytes;
use futures_util::StreamExt;
use segmenter::Segmenter;
use std::any::Any;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::{watch, Notify};

/// An output nobody asked anything of for this long ends.
pub const IDLE: Duration = Duration::from_secs(12);
/// How long a first playlist request waits for the first segment.
const FIRST_SEGMENT: Duration = Duration::from_secs(15);

/// Every live HLS output, by token.
#[derive(Default)]
pub struct HlsOutputs {
    outputs: Mutex<HashMap<String, Arc<Output>>>,
}

/// One channel cut into segments for one owner (a user).
pub struct Output {
    token: String,
    owner: String,
    channel: String,
    segments: Mutex<Segmenter>,
    /// Bumped at every finished segment (and when the stream ends).
    finished: watch::Sender<u64>,
    last_asked: Mutex<Instant>,
    /// The stream ended or the output went idle, and what it held is back.
    ended: AtomicBool,
    /// Asks the output to end now.
    stop: Notify,
}

/// Why a playlist could not be given.
#[derive(Debug, PartialEq, Eq)]
pub enum PlaylistError {
    /// The stream brought no whole segment in time (or ended first).
    NoSegment,
}

impl HlsOutputs {
    /// The output `owner` has of `channel`, if it is running.
    pub fn find(&self, owner: &str, channel: &str) -> Option<Arc<Output>> {
        lock(&self.outputs)
            .values()
            .find(|o| o.owner == owner && o.channel == channel)
            .cloned()
    }

    /// The output with this token, if it is running.
    pub fn by_token(&self, token: &str) -> Option<Arc<Output>> {
        lock(&self.outputs).get(token).cloned()
    }

    /// Starts cutting `body` (a relay viewer's TS) for `owner`'s `channel`;
    /// `held` (the owner's slot) is dropped when the output ends. When one
    /// is already running (two first requests at once), that one is kept and
    /// `body` and `held` are let go.
    pub fn start(
        self: &Arc<Self>,
        owner: &str,
        channel: &str,
        body: Body,
        held: Box<dyn Any + Send>,
    ) -> Arc<Output> {
        let (finished, _) = watch::channel(0);
        let output = Arc::new(Output {
            token: new_token(),
            owner: owner.to_string(),
            channel: channel.to_string(),
            segments: Mutex::new(Segmenter::new()),
            finished,
            last_asked: Mutex::new(Instant::now()),
            ended: AtomicBool::new(false),
            stop: Notify::new(),
        });
        {
            let mut outputs = lock(&self.outputs);
            if let Some(running) = outputs
                .values()
                .find(|o| o.owner == owner && o.channel == channel)
            {
                return running.clone();
            }
            outputs.insert(output.token.clone(), output.clone());
        }
        let outputs = self.clone();
        let cutting = output.clone();
        tokio::spawn(async move {
            cutting.cut(body).await;
            lock(&outputs.outputs).remove(&cutting.token);
            // The stream ended or nobody asks: give back the slot, wake waiters.
            drop(held);
            cutting.ended.store(true, Ordering::Release);
            cutting.finished.send_modify(|n| *n += 1);
        });
        output
    }

    /// Ends the output of `owner` asked least recently among those whose
    /// channel `alone` says nothing else of theirs watches, and waits until
    /// what it held is back; whether one ended. A player that changes
    /// channels just stops asking for the old playlist, whose output would
    /// hold the user's slot for [`IDLE`] more: their new channel takes its
    /// place, as a new TS request does once the old connection closed.
    pub async fn end_one_of(&self, owner: &str, alone: impl Fn(&str) -> bool) -> bool {
        let oldest = lock(&self.outputs)
            .values()
            .filter(|o| o.owner == owner && alone(&o.channel))
            .min_by_key(|o| *lock(&o.last_asked))
            .cloned();
        let Some(output) = oldest else {
            return false;
        };
        let mut changed = output.finished.subscribe();
        output.stop.notify_one();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while !output.ended.load(Ordering::Acquire) {
            if tokio::time::timeout_at(deadline, changed.changed())
                .await
                .is_err()
            {
                return false;
            }
        }
        true
    }
}

impl Output {
    /// Feeds the stream to the segmenter until it ends or nobody asks.
    async fn cut(&self, body: Body) {
        let mut stream = body.into_data_stream();
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tokio::select! {
                chunk = stream.next() => {
                    let Some(Ok(chunk)) = chunk else {
                        return;
                    };
                    self.push(chunk);
                }
                _ = self.stop.notified() => return,
                _ = tick.tick() => {
                    if lock(&self.last_asked).elapsed() > IDLE {
                        return;
                    }
                }
            }
        }
    }

    fn push(&self, chunk: Bytes) {
        let finished = lock(&self.segments).push(chunk, Instant::now());
        if finished {
            self.finished.send_modify(|n| *n += 1);
        }
    }

    /// Marks the output as wanted now.
    pub fn touch(&self) {
        *lock(&self.last_asked) = Instant::now();
    }

    /// The live playlist (segment URLs from `url(token, seq)`), once a first
    /// segment is finished (waiting for it a while).
    pub async fn playlist(
        &self,
        url: impl Fn(&str, u64) -> String,
    ) -> Result<String, PlaylistError> {
        self.touch();
        let mut changed = self.finished.subscribe();
        let deadline = tokio::time::Instant::now() + FIRST_SEGMENT;
        loop {
            {
                let segments = lock(&self.segments);
                if segments.ready() {
                    return Ok(segments.playlist(|seq| url(&self.token, seq)));
                }
            }
            if self.ended.load(Ordering::Acquire) {
                return Err(PlaylistError::NoSegment);
            }
            let wait = tokio::time::timeout_at(deadline, changed.changed()).await;
            if !matches!(wait, Ok(Ok(()))) {
                return Err(PlaylistError::NoSegment);
            }
        }
    }

    /// Segment `seq`'s bytes while it is kept.
    pub fn segment(&self, seq: u64) -> Option<Bytes> {
        self.touch();
        lock(&self.segments).segment(seq)
    }
}

/// `m` locked (a panic while it was held leaves the data usable).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// 128 random bits, hex.
fn new_token() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS gives random bytes");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
