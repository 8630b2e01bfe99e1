//! The cameras StreamForge knows and the ones streaming now. A camera
//! streams (one decoder) while it has viewers and a grace time after the
//! last one left; each level streams while it has viewers. The server-wide
//! limit counts streaming cameras; more viewers of a streaming camera are
//! never refused by it.

use super::capture::{Capture, Source};
use super::encode::LevelEncoder;
use super::level::{Level, Levels};
use super::stream::LevelStream;
use bytes::Bytes;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A camera as the registry needs it.
#[derive(Clone)]
pub struct CameraDef {
    /// URL-safe id (`camera list`, the endpoints).
    pub id: String,
    /// Display name.
    pub name: String,
    /// The decoder's input: URL with credentials filled (secret), what to redact.
    pub source_url: String,
    /// Secrets to take out of the decoder's messages.
    pub redact: Vec<String>,
}

/// Settings for every camera (flags, environment, config).
#[derive(Debug, Clone)]
pub struct Settings {
    /// The levels offered and the default.
    pub levels: Levels,
    /// Cameras streaming at once, at most (`STREAM_MAX_CONCURRENT`).
    pub max_streams: usize,
    /// Frames kept per level (`STREAM_FRAME_BUFFER_SIZE`).
    pub keep_frames: usize,
    /// How long a camera keeps streaming after its last viewer left.
    pub grace: Duration,
    /// Longest wait for an idle camera's first picture (snapshots).
    pub first_picture: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            levels: Levels::defaults(),
            max_streams: 10,
            keep_frames: 5,
            grace: Duration::from_secs(10),
            first_picture: Duration::from_secs(10),
        }
    }
}

/// Why a camera request cannot be served.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CameraError {
    /// No camera with this id.
    #[error("no camera {0:?}; `streamforge camera list` shows the ids")]
    Unknown(String),
    /// The server-wide limit of streaming cameras is reached.
    #[error("{0} cameras are streaming, the most allowed (--camera-max-streams / STREAM_MAX_CONCURRENT); stop watching one or raise the limit")]
    Limit(usize),
    /// The camera gives no pictures.
    #[error("camera {0:?} is offline: {1}")]
    Offline(String, String),
    /// An unknown quality name or a bad size.
    #[error("{0}")]
    BadRequest(String),
}

/// Counters for metrics and status.
#[derive(Default)]
pub struct Counters {
    /// Requests refused by the limit.
    pub refused: AtomicU64,
    /// Camera sessions started.
    pub started: AtomicU64,
    /// JPEG frames sent to viewers (WebSocket and MJPEG).
    pub sent: AtomicU64,
}

/// One streaming camera: its decoder and its levels in use.
pub struct Session {
    def: CameraDef,
    capture: Mutex<Capture>,
    latest: Arc<super::capture::Latest>,
    levels: Mutex<Vec<Option<Arc<LevelStream>>>>,
    viewers: AtomicUsize,
    idle_since: Mutex<Option<Instant>>,
    online: tokio::sync::watch::Sender<bool>,
}

impl Session {
    /// Whether the camera gives pictures, and changes of it.
    pub fn online(&self) -> tokio::sync::watch::Receiver<bool> {
        self.online.subscribe()
    }
}

/// A viewer of one level of one camera; dropping it leaves.
pub struct Viewer {
    session: Arc<Session>,
    stream: Arc<LevelStream>,
}

impl Viewer {
    /// The level's frames from now on.
    pub fn frames(&self) -> tokio::sync::broadcast::Receiver<Bytes> {
        self.stream.subscribe()
    }

    /// The newest frame of the level, if one was made.
    pub fn latest(&self) -> Option<Bytes> {
        self.stream.latest()
    }

    /// The level watched.
    pub fn level(&self) -> &Level {
        &self.stream.level
    }

    /// The camera's online state and its changes.
    pub fn online(&self) -> tokio::sync::watch::Receiver<bool> {
        self.session.online()
    }
}

impl Drop for Viewer {
    fn drop(&mut self) {
        self.stream.viewers.fetch_sub(1, Ordering::SeqCst);
        if self.session.viewers.fetch_sub(1, Ordering::SeqCst) == 1 {
            *self.session.idle_since.lock().expect("idle") = Some(Instant::now());
        }
    }
}

/// A camera at a glance, for `camera list`, the API and status.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct CameraView {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Giving pictures now (false when not streaming).
    pub online: bool,
    /// Viewers now.
    pub viewers: usize,
    /// Streaming now (decoder running).
    #[serde(default)]
    pub streaming: bool,
    /// Viewers per level in use.
    #[serde(default)]
    pub levels: BTreeMap<String, usize>,
    /// Frames encoded per level in use, in this session.
    #[serde(default)]
    pub encoded: BTreeMap<String, u64>,
    /// Pictures decoded in this session.
    #[serde(default)]
    pub pictures: u64,
    /// Decoder restarts in this session.
    #[serde(default)]
    pub restarts: u64,
    /// Why it is offline, if it is.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Called with (event kind, camera id, text) when a camera comes or goes.
pub type OnEvent = Arc<dyn Fn(&str, &str, String) + Send + Sync>;

/// Every camera, and the streaming ones.
pub struct Cameras {
    defs: Mutex<BTreeMap<String, CameraDef>>,
    running: Mutex<HashMap<String, Arc<Session>>>,
    /// The settings the server started with.
    pub settings: Settings,
    /// What a config reload may change: the levels with their default, and
    /// the grace time.
    live: arc_swap::ArcSwap<(Levels, Duration)>,
    /// Counters for metrics.
    pub counters: Counters,
    on_event: OnEvent,
}

impl Cameras {
    /// A registry with `settings`; `on_event` records camera events.
    pub fn new(settings: Settings, on_event: OnEvent) -> Arc<Cameras> {
        Arc::new(Cameras {
            defs: Mutex::default(),
            running: Mutex::default(),
            live: arc_swap::ArcSwap::from_pointee((settings.levels.clone(), settings.grace)),
            settings,
            counters: Counters::default(),
            on_event,
        })
    }

    /// Replaces the known cameras; streaming cameras no longer known stop.
    pub fn set(&self, defs: Vec<CameraDef>) {
        let defs: BTreeMap<String, CameraDef> =
            defs.into_iter().map(|d| (d.id.clone(), d)).collect();
        let gone: Vec<Arc<Session>> = {
            let mut running = self.running.lock().expect("running cameras");
            // Gone, or its URL changed: the old decoder stops (a viewer's
            // next request starts the new one).
            let ids: Vec<String> = running
                .iter()
                .filter(|(id, s)| {
                    defs.get(*id)
                        .is_none_or(|d| d.source_url != s.def.source_url)
                })
                .map(|(id, _)| id.clone())
                .collect();
            ids.iter().filter_map(|id| running.remove(id)).collect()
        };
        *self.defs.lock().expect("cameras") = defs;
        for s in gone {
            stop_session(&s);
        }
    }

    /// The levels offered, with the default in force now.
    pub fn levels(&self) -> Levels {
        self.live.load().0.clone()
    }

    /// A new default quality and grace time (config reload); the levels
    /// themselves stay as started. An unknown quality changes nothing.
    pub fn set_live(&self, default_quality: &str, grace: Duration) -> Result<(), String> {
        let levels = self.settings.levels.clone().with_default(default_quality)?;
        self.live.store(Arc::new((levels, grace)));
        Ok(())
    }

    /// Whether a camera with `id` exists.
    pub fn exists(&self, id: &str) -> bool {
        self.defs.lock().expect("cameras").contains_key(id)
    }

    /// Joins camera `id` at level `level` (an index into the levels),
    /// starting its decoder and the level's encoder if needed.
    pub fn watch(&self, id: &str, level: usize) -> Result<Viewer, CameraError> {
        let session = self.session(id)?;
        let stream = {
            let mut levels = session.levels.lock().expect("levels");
            let slot = &mut levels[level];
            match slot {
                Some(s) => s.clone(),
                None => {
                    let s = LevelStream::start(
                        id,
                        self.settings.levels.all()[level].clone(),
                        session.latest.clone(),
                        self.settings.keep_frames,
                    );
                    *slot = Some(s.clone());
                    s
                }
            }
        };
        stream.viewers.fetch_add(1, Ordering::SeqCst);
        session.viewers.fetch_add(1, Ordering::SeqCst);
        *session.idle_since.lock().expect("idle") = None;
        Ok(Viewer { session, stream })
    }

    /// The streaming session of `id`, started if needed (within the limit).
    fn session(&self, id: &str) -> Result<Arc<Session>, CameraError> {
        let def = self
            .defs
            .lock()
            .expect("cameras")
            .get(id)
            .cloned()
            .ok_or_else(|| CameraError::Unknown(id.to_string()))?;
        let mut running = self.running.lock().expect("running cameras");
        if let Some(s) = running.get(id) {
            return Ok(s.clone());
        }
        if running.len() >= self.settings.max_streams {
            self.counters.refused.fetch_add(1, Ordering::Relaxed);
            return Err(CameraError::Limit(self.settings.max_streams));
        }
        let (online, _) = tokio::sync::watch::channel(false);
        let on_event = self.on_event.clone();
        let notify = online.clone();
        let cam = id.to_string();
        let source = Source {
            url: def.source_url.clone(),
            redact: def.redact.clone(),
            largest: self.settings.levels.largest(),
        };
        let capture = Capture::start(id, source, move |up, reason| {
            notify.send_replace(up);
            let text = match reason {
                None => format!("camera {cam}: pictures arriving"),
                Some(r) => format!("camera {cam}: offline, retrying: {r}"),
            };
            on_event(
                if up {
                    "camera-online"
                } else {
                    "camera-offline"
                },
                &cam,
                text,
            );
        })
        .map_err(|e| CameraError::Offline(id.to_string(), e.to_string()))?;
        let latest = capture.latest().clone();
        let session = Arc::new(Session {
            def,
            capture: Mutex::new(capture),
            latest,
            levels: Mutex::new(vec![None; self.settings.levels.all().len()]),
            viewers: AtomicUsize::new(0),
            idle_since: Mutex::new(Some(Instant::now())),
            online,
        });
        self.counters.started.fetch_add(1, Ordering::Relaxed);
        running.insert(id.to_string(), session.clone());
        Ok(session)
    }

    /// A JPEG of camera `id` now: the newest frame of a streaming camera at
    /// once (encoded from the newest picture when the level is not
    /// streaming); for an idle camera the decoder starts and the first
    /// picture is used (concurrent requests share it). `width` asks for a
    /// size instead of a level.
    pub async fn snapshot(
        self: &Arc<Self>,
        id: &str,
        level: usize,
        width: Option<u32>,
    ) -> Result<Bytes, CameraError> {
        let mut target = self.settings.levels.all()[level].clone();
        if let Some(w) = width {
            if !(16..=7680).contains(&w) {
                return Err(CameraError::BadRequest(
                    "width must be between 16 and 7680 pixels".into(),
                ));
            }
            target = Level {
                name: format!("{w}w"),
                width: w,
                height: 4320,
                ..target
            };
        }
        let session = self.session(id)?;
        if width.is_none() {
            let ready = session.levels.lock().expect("levels")[level].clone();
            if let Some(jpeg) = ready.and_then(|s| s.latest()) {
                if session.latest.recent(Duration::from_secs(2)).is_some() {
                    return Ok(jpeg);
                }
            }
        }
        // Holding a viewer count keeps the decoder while we wait.
        session.viewers.fetch_add(1, Ordering::SeqCst);
        let guard = SessionHold(session.clone());
        let wait = self.settings.first_picture;
        let latest = session.latest.clone();
        let picture = crate::blocking::run(move || {
            Ok(latest.recent(Duration::from_secs(2)).or_else(|| {
                latest
                    .next_after(latest.state().pictures, wait)
                    .map(|(_, p)| p)
            }))
        })
        .await
        .ok()
        .flatten();
        drop(guard);
        let Some(picture) = picture else {
            let reason = session
                .latest
                .state()
                .reason
                .unwrap_or_else(|| format!("no picture within {} s", wait.as_secs()));
            return Err(CameraError::Offline(id.to_string(), reason));
        };
        crate::blocking::run(move || {
            LevelEncoder::new(target)
                .encode(&picture)
                .map_err(anyhow::Error::msg)
        })
        .await
        .map_err(|e| CameraError::Offline(id.to_string(), format!("{e:#}")))
    }

    /// Every camera with its state.
    pub fn list(&self) -> Vec<CameraView> {
        let defs = self.defs.lock().expect("cameras").clone();
        let running = self.running.lock().expect("running cameras").clone();
        defs.values()
            .map(|d| {
                let s = running.get(&d.id);
                let state = s.map(|s| s.latest.state()).unwrap_or_default();
                let in_use: Vec<Arc<LevelStream>> = s
                    .map(|s| {
                        s.levels
                            .lock()
                            .expect("levels")
                            .iter()
                            .flatten()
                            .cloned()
                            .collect()
                    })
                    .unwrap_or_default();
                let levels = in_use
                    .iter()
                    .map(|l| (l.level.name.clone(), l.viewers.load(Ordering::SeqCst)))
                    .collect();
                let encoded = in_use
                    .iter()
                    .map(|l| (l.level.name.clone(), l.encoded.load(Ordering::Relaxed)))
                    .collect();
                CameraView {
                    id: d.id.clone(),
                    name: d.name.clone(),
                    online: state.online,
                    viewers: s.map_or(0, |s| s.viewers.load(Ordering::SeqCst)),
                    streaming: s.is_some(),
                    levels,
                    encoded,
                    pictures: state.pictures,
                    restarts: state.restarts,
                    reason: state.reason,
                }
            })
            .collect()
    }

    /// Stops levels nobody watches and cameras idle past the grace time;
    /// called about once a second.
    pub fn reap(&self) {
        let grace = self.live.load().1;
        let idle: Vec<Arc<Session>> = {
            let mut running = self.running.lock().expect("running cameras");
            let ids: Vec<String> = running
                .iter()
                .filter(|(_, s)| {
                    s.idle_since
                        .lock()
                        .expect("idle")
                        .is_some_and(|t| t.elapsed() >= grace)
                        && s.viewers.load(Ordering::SeqCst) == 0
                })
                .map(|(id, _)| id.clone())
                .collect();
            ids.iter().filter_map(|id| running.remove(id)).collect()
        };
        for s in idle {
            stop_session(&s);
        }
        let running: Vec<Arc<Session>> = self
            .running
            .lock()
            .expect("running cameras")
            .values()
            .cloned()
            .collect();
        for s in running {
            let unwatched: Vec<Arc<LevelStream>> = {
                let mut levels = s.levels.lock().expect("levels");
                levels
                    .iter_mut()
                    .filter(|l| {
                        l.as_ref()
                            .is_some_and(|l| l.viewers.load(Ordering::SeqCst) == 0)
                    })
                    .filter_map(Option::take)
                    .collect()
            };
            for l in unwatched {
                l.stop();
            }
        }
    }

    /// Stops every camera (server shutdown).
    pub fn shutdown(&self) {
        let all: Vec<Arc<Session>> = self
            .running
            .lock()
            .expect("running cameras")
            .drain()
            .map(|(_, s)| s)
            .collect();
        for s in all {
            stop_session(&s);
        }
    }

    /// Cameras streaming now.
    pub fn streaming(&self) -> usize {
        self.running.lock().expect("running cameras").len()
    }
}

/// Keeps a session from being reaped while a snapshot waits.
struct SessionHold(Arc<Session>);

impl Drop for SessionHold {
    fn drop(&mut self) {
        if self.0.viewers.fetch_sub(1, Ordering::SeqCst) == 1 {
            *self.0.idle_since.lock().expect("idle") = Some(Instant::now());
        }
    }
}

fn stop_session(s: &Session) {
    for l in s
        .levels
        .lock()
        .expect("levels")
        .iter_mut()
        .filter_map(Option::take)
    {
        l.stop();
    }
    s.capture.lock().expect("capture").stop();
    s.online.send_replace(false);
}
