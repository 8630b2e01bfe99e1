//! A simulated HLS origin on its own loopback listener, for the relay's HLS
//! input: live media playlists over segments ffmpeg made at test time
//! ([`read_ffmpeg_playlist`]), a master playlist with two variants, an
//! AES-128 stream, a redirect to a tokenised stream, an fMP4 playlist (to
//! be refused), an M3U listing them and a guide for them, and faults
//! switched on per stream at runtime ([`HlsFault`]).
//!
//! Streams are named by their first path segment: `aes…` streams are
//! encrypted (key at `/key`, IV = media sequence), `tok` needs the token the
//! redirect gives, `fmp4` lists fMP4 segments, any other name plays the
//! segments as they are.

mod segments;
mod window;

pub use segments::{read_ffmpeg_playlist, HlsSegment};

use crate::shutdown::{Shutdown, ShutdownTrigger};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;
use window::Timeline;

/// The AES-128 key of `aes…` streams.
pub const HLS_KEY: [u8; 16] = *b"sim-hls-key-0123";
/// The token `/moved.m3u8` redirects with, needed by `tok`'s segments.
const TOKEN: &str = "t0k3n";

/// What can go wrong with one stream, from the moment it is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HlsFault {
    /// The playlist stops advancing (the media sequence stays).
    Stale,
    /// The next segment to appear answers 404 (once: the ones after work).
    MissingOne,
    /// Every segment from the next one on answers 404.
    MissingFrom,
}

#[derive(Debug, Default, Clone, Copy)]
struct Faults {
    frozen_at: Option<u64>,
    missing_one: Option<u64>,
    missing_from: Option<u64>,
}

struct Shared {
    timeline: Timeline,
    segments: Vec<HlsSegment>,
    start: Instant,
    base_url: String,
    faults: Mutex<HashMap<String, Faults>>,
    log: Mutex<Vec<String>>,
}

type St = Arc<Shared>;

impl Shared {
    fn produced(&self) -> u64 {
        self.timeline.produced(self.start.elapsed())
    }

    fn faults(&self, stream: &str) -> Faults {
        lock(&self.faults).get(stream).copied().unwrap_or_default()
    }

    fn note(&self, path: String) {
        lock(&self.log).push(path);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running simulated HLS origin. Dropping it stops it.
pub struct SimHls {
    shared: St,
    _stop: ShutdownTrigger,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SimHls {
    /// Serves `segments` (looped) on a runtime of its own in a dedicated thread.
    ///
    /// # Panics
    /// When no loopback port can be bound or `segments` is empty.
    pub fn start_blocking(segments: Vec<HlsSegment>) -> SimHls {
        assert!(!segments.is_empty(), "simulated HLS: no segment");
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("simulated HLS: bind");
        listener
            .set_nonblocking(true)
            .expect("simulated HLS: nonblocking");
        let base_url = format!("http://{}", listener.local_addr().expect("local address"));
        let shared = Arc::new(Shared {
            timeline: Timeline {
                durations: segments.iter().map(|s| s.duration).collect(),
            },
            segments,
            start: Instant::now(),
            base_url,
            faults: Mutex::new(HashMap::new()),
            log: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route("/playlist.m3u", get(m3u))
            .route("/guide.xml", get(guide))
            .route("/master.m3u8", get(master))
            .route("/moved.m3u8", get(moved))
            .route("/key", get(key))
            .route("/{stream}/index.m3u8", get(media))
            .route("/{stream}/seg/{file}", get(segment))
            .with_state(shared.clone());
        let (stop, shutdown) = Shutdown::new();
        let thread = std::thread::Builder::new()
            .name("sim-hls".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .enable_all()
                    .build()
                    .expect("simulated HLS: tokio runtime");
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener)
                        .expect("simulated HLS: listener");
                    let _ = axum::serve(listener, app)
                        .with_graceful_shutdown(shutdown.wait())
                        .await;
                });
            })
            .expect("simulated HLS: spawn thread");
        SimHls {
            shared,
            _stop: stop,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The M3U playlist listing the streams (for an `m3u` account).
    pub fn playlist_url(&self) -> String {
        format!("{}/playlist.m3u", self.shared.base_url)
    }

    /// An XMLTV guide with a channel for each listed stream.
    pub fn guide_url(&self) -> String {
        format!("{}/guide.xml", self.shared.base_url)
    }

    /// Switches `fault` on for `stream` (its first path segment), from now.
    pub fn set_fault(&self, stream: &str, fault: HlsFault) {
        let now = self.shared.produced();
        let mut faults = lock(&self.shared.faults);
        let f = faults.entry(stream.to_string()).or_default();
        match fault {
            HlsFault::Stale => f.frozen_at = Some(now),
            HlsFault::MissingOne => f.missing_one = Some(now),
            HlsFault::MissingFrom => f.missing_from = Some(now),
        }
    }

    /// Every request so far (path and query), oldest first.
    pub fn requests(&self) -> Vec<String> {
        lock(&self.shared.log).clone()
    }
}

impl Drop for SimHls {
    fn drop(&mut self) {
        let _ = self._stop.send(true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The listed streams: (tvg-id, name, path).
const LISTED: &[(&str, &str, &str)] = &[
    ("hls.one", "HLS One HD", "/one/index.m3u8"),
    ("hls.one", "HLS One SD", "/backup/index.m3u8"),
    ("hls.sealed", "HLS Sealed HD", "/aes/index.m3u8"),
    ("hls.variants", "HLS Variants", "/master.m3u8"),
    ("hls.moved", "HLS Moved HD", "/moved.m3u8"),
    ("hls.fmp4", "HLS Fragmented HD", "/fmp4/index.m3u8"),
];

async fn m3u(State(s): State<St>) -> Response {
    s.note("/playlist.m3u".into());
    let mut text = String::from("#EXTM3U\n");
    for (id, name, path) in LISTED {
        text.push_str(&format!(
            "#EXTINF:-1 tvg-id=\"{id}\" tvg-name=\"{name}\" group-title=\"HLS\",{name}\n{}{path}\n",
            s.base_url
        ));
    }
    ([(header::CONTENT_TYPE, "audio/x-mpegurl")], text).into_response()
}

async fn guide(State(s): State<St>) -> Response {
    s.note("/guide.xml".into());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let at = |t: i64| {
        time::OffsetDateTime::from_unix_timestamp(t)
            .map(|d| {
                format!(
                    "{:04}{:02}{:02}{:02}{:02}{:02} +0000",
                    d.year(),
                    u8::from(d.month()),
                    d.day(),
                    d.hour(),
                    d.minute(),
                    d.second()
                )
            })
            .unwrap_or_default()
    };
    let mut text = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tv>\n");
    let mut seen = Vec::new();
    for (id, name, _) in LISTED {
        if seen.contains(id) {
            continue;
        }
        seen.push(*id);
        let plain = name.trim_end_matches(" HD").trim_end_matches(" SD");
        text.push_str(&format!(
            "<channel id=\"{id}\"><display-name>{plain}</display-name></channel>\n"
        ));
    }
    for id in seen {
        text.push_str(&format!(
            "<programme start=\"{}\" stop=\"{}\" channel=\"{id}\"><title>Live</title></programme>\n",
            at(now - 3600),
            at(now + 3 * 3600)
        ));
    }
    text.push_str("</tv>\n");
    ([(header::CONTENT_TYPE, "application/xml")], text).into_response()
}

async fn master(State(s): State<St>) -> Response {
    s.note("/master.m3u8".into());
    let text = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\nsd/index.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=2500000,RESOLUTION=1280x720\nhd/index.m3u8\n";
    playlist_answer(text.to_string())
}

async fn moved(State(s): State<St>) -> Response {
    s.note("/moved.m3u8".into());
    (
        StatusCode::FOUND,
        [(header::LOCATION, format!("/tok/index.m3u8?token={TOKEN}"))],
    )
        .into_response()
}

async fn key(State(s): State<St>) -> Response {
    s.note("/key".into());
    HLS_KEY.to_vec().into_response()
}

fn playlist_answer(text: String) -> Response {
    (
        [(header::CONTENT_TYPE, "application/vnd.apple.mpegurl")],
        text,
    )
        .into_response()
}

async fn media(
    State(s): State<St>,
    Path(stream): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    s.note(format!("/{stream}/index.m3u8{}", with_query(&query)));
    if stream == "fmp4" {
        return playlist_answer(
            "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:1.0,\nseg/0.m4s\n"
                .into(),
        );
    }
    let faults = s.faults(&stream);
    let produced = faults.frozen_at.unwrap_or_else(|| s.produced());
    let key = stream.starts_with("aes").then_some("/key");
    let token = query
        .as_deref()
        .filter(|q| q.contains("token="))
        .map_or(String::new(), |q| format!("?{q}"));
    playlist_answer(s.timeline.playlist(produced, key, &token))
}

fn with_query(query: &Option<String>) -> String {
    query.as_ref().map_or(String::new(), |q| format!("?{q}"))
}

async fn segment(
    State(s): State<St>,
    Path((stream, file)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    s.note(format!("/{stream}/seg/{file}{}", with_query(&query)));
    let Some(seq) = file.strip_suffix(".ts").and_then(|n| n.parse::<u64>().ok()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if stream == "tok" && query.as_deref() != Some(&format!("token={TOKEN}")) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let faults = s.faults(&stream);
    let missing = faults.missing_one.is_some_and(|at| seq == at)
        || faults.missing_from.is_some_and(|at| seq >= at);
    if missing || seq >= s.produced() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let plain = &s.segments[s.timeline.file_of(seq)].bytes;
    let body = if stream.starts_with("aes") {
        bytes::Bytes::from(segments::seal(plain, &HLS_KEY, seq))
    } else {
        plain.clone()
    };
    ([(header::CONTENT_TYPE, "video/mp2t")], body).into_response()
}
