//! The task behind one HLS session: polls the media playlist (every target
//! duration after a change, half of it otherwise, as RFC 8216 section 6.3.4
//! asks), fetches the new segments in order, decrypts them, cuts them to
//! whole packets, splices across a discontinuity (one clock, one set of
//! PIDs and counters: `streamforge_ts::Splicer`), and queues them for
//! the pacer (the queue's bound keeps it at most a couple of segments
//! ahead). It gives up with a reason the relay fails over on: the playlist
//! stale for three target durations, the playlist failing three times in a
//! row, or two segments in a row failing (one is skipped, marked as a gap).

use super::decrypt;
use super::fetch::{Fetcher, MAX_PLAYLIST, MAX_SEGMENT};
use super::playlist::{self, Encryption, Media, Parsed, Segment};
use crate::relay::health::Failure;
use crate::relay::metrics::{add, Metrics};
use bytes::{Bytes, BytesMut};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use streamforge_ts::{Aligner, Splicer, Tracker};
use tokio::sync::mpsc;
use tokio::time::Instant;
use url::Url;

/// A segment ready to play: whole MPEG-TS packets and how long they last.
pub(crate) struct Ready {
    pub(crate) data: Bytes,
    pub(crate) duration: Duration,
}

/// When the playlist last advanced, for the body to explain a silence.
#[derive(Debug)]
pub(crate) struct Progress {
    start: Instant,
    /// Milliseconds after `start` of the last advance.
    advanced_ms: AtomicU64,
    target_ms: AtomicU64,
}

impl Progress {
    pub(crate) fn new(target: Duration) -> Progress {
        Progress {
            start: Instant::now(),
            advanced_ms: AtomicU64::new(0),
            target_ms: AtomicU64::new(target.as_millis() as u64),
        }
    }

    fn advanced(&self, target: Duration) {
        let ms = self.start.elapsed().as_millis() as u64;
        self.advanced_ms.store(ms, Ordering::Relaxed);
        self.target_ms
            .store(target.as_millis() as u64, Ordering::Relaxed);
    }

    /// How long the playlist has not advanced, when that is longer than a
    /// target duration and a half (it should advance every target duration).
    pub(crate) fn stale_for(&self) -> Option<Duration> {
        let since =
            self.start.elapsed().as_millis() as u64 - self.advanced_ms.load(Ordering::Relaxed);
        let target = self.target_ms.load(Ordering::Relaxed);
        (since > target + target / 2).then(|| Duration::from_millis(since))
    }
}

/// Segment failures in a row that end the source (one is skipped).
const SEGMENT_FAILURES: u32 = 2;
/// Playlist failures in a row that end the source.
const PLAYLIST_FAILURES: u32 = 3;
/// Keys kept per session (a provider rotating keys adds one per rotation).
const MAX_KEYS: usize = 16;

/// One session's follower state.
pub(crate) struct Follower {
    pub(crate) fetch: Fetcher,
    /// The media playlist, asked for again at every poll.
    pub(crate) url: Url,
    pub(crate) media: Media,
    /// The next segment to fetch.
    pub(crate) next: u64,
    pub(crate) metrics: Arc<Metrics>,
    /// Longest wait for a playlist, key or segment.
    pub(crate) timeout: Duration,
    keys: HashMap<Url, [u8; 16]>,
    /// A segment was skipped or the window moved past us: the next one is a seam.
    gap: bool,
    /// One programme across discontinuities (segments are whole: nothing
    /// is held back at their ends).
    splicer: Splicer,
    /// What was sent so far, for the splicer.
    sent: Tracker,
    /// Shared with the body.
    pub(crate) progress: Arc<Progress>,
}

impl Follower {
    /// A follower of `media` (read from `url`) starting at segment `next`.
    pub(crate) fn new(
        fetch: Fetcher,
        url: Url,
        media: Media,
        next: u64,
        metrics: Arc<Metrics>,
        timeout: Duration,
    ) -> Follower {
        let target = media.target_duration;
        Follower {
            fetch,
            url,
            media,
            next,
            metrics,
            timeout,
            keys: HashMap::new(),
            gap: false,
            splicer: Splicer::new(false, MAX_SEGMENT),
            sent: Tracker::new(),
            progress: Arc::new(Progress::new(target)),
        }
    }

    /// Follows the playlist until it ends (`Ok`: the end list was reached or
    /// nobody listens any more) or fails.
    pub(crate) async fn run(mut self, out: &mpsc::Sender<Ready>) -> Result<(), Failure> {
        let mut last_advance = Instant::now();
        let mut advanced = true;
        let mut playlist_failures = 0;
        let mut segment_failures = 0;
        loop {
            let due: Vec<Segment> = self
                .media
                .segments
                .iter()
                .filter(|s| s.sequence >= self.next)
                .cloned()
                .collect();
            if due.first().is_some_and(|s| s.sequence > self.next) {
                // The window moved past segments we never got.
                self.gap = true;
            }
            for segment in due {
                self.next = segment.sequence + 1;
                match self.segment(&segment).await {
                    Ok(data) => {
                        segment_failures = 0;
                        let ready = Ready {
                            data,
                            duration: segment.duration,
                        };
                        if out.send(ready).await.is_err() {
                            return Ok(());
                        }
                    }
                    Err(e) => {
                        segment_failures += 1;
                        if segment_failures >= SEGMENT_FAILURES {
                            return Err(Failure::SegmentsBroken(format!(
                                "segment {}: {e}",
                                segment.sequence
                            )));
                        }
                        add(&self.metrics.hls_segments_skipped, 1);
                        self.gap = true;
                    }
                }
            }
            if self.media.ended {
                return Ok(());
            }
            let target = self.media.target_duration;
            tokio::time::sleep(if advanced { target } else { target / 2 }).await;
            match self.playlist().await {
                Ok(media) => {
                    playlist_failures = 0;
                    advanced = media.end_sequence() > self.media.end_sequence();
                    if advanced {
                        last_advance = Instant::now();
                        self.progress.advanced(media.target_duration);
                    }
                    self.media = media;
                }
                Err(e) => {
                    playlist_failures += 1;
                    advanced = false;
                    if playlist_failures >= PLAYLIST_FAILURES {
                        return Err(Failure::PlaylistBroken(e));
                    }
                }
            }
            let stale_after = self.media.target_duration * 3;
            if last_advance.elapsed() >= stale_after {
                return Err(Failure::PlaylistStale(stale_after));
            }
        }
    }

    /// The media playlist as it is now.
    async fn playlist(&self) -> Result<Media, String> {
        let (at, body) = self
            .fetch
            .get(self.url.clone(), MAX_PLAYLIST, self.timeout)
            .await?;
        match playlist::parse(&body, &at)? {
            Parsed::Media(media) => Ok(media),
            Parsed::Master(_) => Err("the media playlist turned into a master playlist".into()),
        }
    }

    /// One segment, fetched, decrypted, cut to whole packets and marked at a seam.
    async fn segment(&mut self, segment: &Segment) -> Result<Bytes, String> {
        let (_, body) = self
            .fetch
            .get(segment.url.clone(), MAX_SEGMENT, self.timeout)
            .await?;
        let body = match &segment.encryption {
            Encryption::None => body,
            Encryption::Aes128 { key, iv } => {
                let key = self.key(key).await?;
                let iv = iv.unwrap_or_else(|| decrypt::sequence_iv(segment.sequence));
                decrypt::decrypt(&body, &key, &iv)?
            }
        };
        let packets = Aligner::new().push_bytes(body);
        if packets.is_empty() {
            return Err("the segment is not MPEG-TS".into());
        }
        let seam = std::mem::take(&mut self.gap) || segment.discontinuity;
        if seam && self.sent.psi().is_some() {
            self.splicer.begin_source(&self.sent);
        }
        let mut pieces = Vec::new();
        self.splicer.push(packets, &self.sent, &mut pieces);
        if self.splicer.waiting() {
            // A segment is a whole source: it starts within it or at its end.
            self.splicer.start_anyway(&self.sent, &mut pieces);
        }
        let mut data = BytesMut::new();
        for piece in &pieces {
            self.sent.observe(piece);
            data.extend_from_slice(piece);
        }
        Ok(match pieces.len() {
            1 => pieces.pop().expect("one piece"),
            _ => data.freeze(),
        })
    }

    /// An AES-128 key, fetched once per session.
    async fn key(&mut self, url: &Url) -> Result<[u8; 16], String> {
        if let Some(key) = self.keys.get(url) {
            return Ok(*key);
        }
        let (_, body) = self
            .fetch
            .get(url.clone(), 1024, self.timeout)
            .await
            .map_err(|e| format!("key: {e}"))?;
        let key = decrypt::key_from(&body)?;
        if self.keys.len() >= MAX_KEYS {
            self.keys.clear();
        }
        self.keys.insert(url.clone(), key);
        Ok(key)
    }
}
