//! One level of one camera: an encoder thread that turns the latest picture
//! into a JPEG at the level's rate, and the frames it made, shared by every
//! viewer of that level as `Bytes`. A slow viewer lags behind in the
//! broadcast and skips frames; nobody waits for it.

use super::capture::Latest;
use super::encode::LevelEncoder;
use super::level::Level;
use bytes::Bytes;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// A level being encoded for its viewers.
pub struct LevelStream {
    /// The level.
    pub level: Level,
    frames: broadcast::Sender<Bytes>,
    recent: Mutex<VecDeque<Bytes>>,
    keep: usize,
    /// Viewers of this level now.
    pub viewers: AtomicUsize,
    /// Frames encoded so far.
    pub encoded: AtomicU64,
    stop: Arc<AtomicBool>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl LevelStream {
    /// Starts encoding `level` from `latest`, keeping the last `keep` frames
    /// (`STREAM_FRAME_BUFFER_SIZE`).
    pub fn start(camera: &str, level: Level, latest: Arc<Latest>, keep: usize) -> Arc<LevelStream> {
        let keep = keep.max(1);
        let stream = Arc::new(LevelStream {
            level: level.clone(),
            frames: broadcast::channel(keep).0,
            recent: Mutex::new(VecDeque::with_capacity(keep)),
            keep,
            viewers: AtomicUsize::new(0),
            encoded: AtomicU64::new(0),
            stop: Arc::new(AtomicBool::new(false)),
            thread: Mutex::new(None),
        });
        let weak = Arc::downgrade(&stream);
        let stop = stream.stop.clone();
        let thread = std::thread::Builder::new()
            .name(format!("camera {camera} {}", level.name))
            .spawn(move || encode_loop(level, &latest, &stop, weak))
            .expect("spawning a camera encoder thread");
        *stream.thread.lock().expect("encoder thread") = Some(thread);
        stream
    }

    /// New frames from now on (a lagging receiver skips to the newest).
    pub fn subscribe(&self) -> broadcast::Receiver<Bytes> {
        self.frames.subscribe()
    }

    /// The newest frame, for a viewer that just joined or a snapshot.
    pub fn latest(&self) -> Option<Bytes> {
        self.recent.lock().expect("recent frames").back().cloned()
    }

    /// Ends the encoder thread.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.lock().expect("encoder thread").take() {
            let _ = t.join();
        }
    }

    fn push(&self, jpeg: Bytes) {
        let mut recent = self.recent.lock().expect("recent frames");
        if recent.len() == self.keep {
            recent.pop_front();
        }
        recent.push_back(jpeg.clone());
        drop(recent);
        self.encoded.fetch_add(1, Ordering::Relaxed);
        let _ = self.frames.send(jpeg);
    }
}

/// Encodes the newest picture whenever one arrives and the level's frame
/// interval has passed; pictures in between are skipped.
fn encode_loop(
    level: Level,
    latest: &Latest,
    stop: &AtomicBool,
    stream: std::sync::Weak<LevelStream>,
) {
    let interval = Duration::from_secs_f64(1.0 / level.fps.max(1) as f64);
    let mut encoder = LevelEncoder::new(level);
    let mut seen = 0;
    // When the next frame is due. A picture up to half an interval early
    // counts, and the schedule advances by whole intervals, so the rate is
    // the level's on average even when the source's rate is not a multiple
    // of it (15 → 10 fps takes two of every three pictures).
    let mut due: Option<Instant> = None;
    while !stop.load(Ordering::SeqCst) {
        let Some((seq, picture)) = latest.next_after(seen, Duration::from_millis(200)) else {
            continue;
        };
        seen = seq;
        let now = Instant::now();
        if due.is_some_and(|d| now + interval / 2 < d) {
            continue;
        }
        let next = due.map_or(now, |d| d) + interval;
        // After a pause (a slow source, a reconnect), no burst to catch up.
        due = Some(if next + interval < now {
            now + interval
        } else {
            next
        });
        match encoder.encode(&picture) {
            Ok(jpeg) => match stream.upgrade() {
                Some(s) => s.push(jpeg),
                None => return,
            },
            Err(e) => tracing::warn!("camera encoder: {e}"),
        }
    }
}
