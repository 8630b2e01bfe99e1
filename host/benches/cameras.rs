//! The camera feature against its targets (DESIGN.md sections 7 and 10): a
//! real RTSP camera (GStreamer's RTSP server, 1920×1080 @ 15 fps H.264 on
//! loopback, `testkit::RtspCamera`) added with `camera add`, served by
//! `streamforge serve`, watched by WebSocket viewers that are threads in
//! this process (tungstenite). It measures
//! - glass-to-viewer latency per level: the camera's picture is switched to
//!   solid white / black and the time runs from the switch to the first
//!   JPEG whose mean brightness crossed mid-grey; beside it, as the floor,
//!   ffmpeg reading a second camera directly through the same switches;
//! - CPU seconds of the server (its process plus its ffmpeg decoder) for 1,
//!   10 and 50 viewers of one camera at the medium level, over a 10 s window,
//!   and the RTSP sessions the camera sees;
//! - snapshot latency of a streaming camera and of an idle one.
//!
//! It prints one table and does not judge the targets, but fails when
//! something is broken: a viewer gets no frames or a bad JPEG, a marker never
//! shows, a snapshot is refused.
//!
//! Run: `cargo bench -p streamforge --bench cameras` (needs ffmpeg and the
//! GStreamer packages `testkit::camera::PACKAGES` names).

#[path = "cameras/viewer.rs"]
mod viewer;
// Only the /proc readers are used here; the nginx guard beside them is not.
#[allow(dead_code)]
#[path = "relay/procs.rs"]
mod procs;

use std::collections::HashMap;
use std::io::Read;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use streamforge_testkit::Reaped;
use streamforge_testkit::{cli, CameraOptions, Marker, RtspCamera, Server};
use viewer::Viewer;

/// The source: the largest level's size and rate.
const WIDTH: u32 = 1920;
const HEIGHT: u32 = 1080;
const FPS: u32 = 15;
/// Timed marker switches, and the least time between two.
const FLIPS: usize = 10;
const FLIP_GAP: Duration = Duration::from_secs(1);
/// Longest wait for a switch to show at every level (then it counts as missed).
const FLIP_LIMIT: Duration = Duration::from_secs(5);
/// Mean luma a white picture is above and a black one below.
const MID_GREY: f64 = 128.0;
/// Mean luma a solid black picture is below (the pattern is well above).
const SOLID_BLACK: f64 = 40.0;
/// Viewer counts for the CPU rows, all at [`CPU_LEVEL`].
const VIEWER_COUNTS: [usize; 3] = [1, 10, 50];
const CPU_LEVEL: &str = "medium";
/// CPU window per viewer count, and the settling time before it.
const WINDOW: Duration = Duration::from_secs(10);
const WARMUP: Duration = Duration::from_secs(1);
/// Snapshots of the streaming camera, and cold ones of the idle camera.
const SNAPSHOTS: usize = 20;
const IDLE_SNAPSHOTS: usize = 3;
/// The server's default grace time after a camera's last viewer.
const GRACE: Duration = Duration::from_secs(10);
/// Longest wait for viewers' first frames (a cold camera: ffmpeg connects,
/// waits for a keyframe, the levels start).
const FIRST_FRAMES: Duration = Duration::from_secs(30);
/// The levels (name, width, height, fps) as DESIGN.md section 10 has them.
const LEVELS: [(&str, u32, u32, u32); 3] = [
    ("low", 640, 360, 5),
    ("medium", 1280, 720, 10),
    ("high", 1920, 1080, 15),
];

/// Everything the bench runs against; fields drop in order (server first).
struct Bench {
    server: Server,
    addr: SocketAddr,
    /// A camera token (`token issue`) for both cameras.
    token: String,
    client: reqwest::blocking::Client,
    camera: RtspCamera,
    idle_camera: RtspCamera,
    _data: tempfile::TempDir,
}

const CAM: &str = "cam";
const IDLE_CAM: &str = "idle";

impl Bench {
    fn start() -> Bench {
        require_ffmpeg();
        let options = CameraOptions {
            width: WIDTH,
            height: HEIGHT,
            fps: FPS,
            ..CameraOptions::default()
        };
        let camera = RtspCamera::start(options.clone());
        let idle_camera = RtspCamera::start(options);
        let data = streamforge_testkit::data_dir();
        for (id, cam) in [(CAM, &camera), (IDLE_CAM, &idle_camera)] {
            cli(data.path(), &["camera", "add", id, "--url", &cam.url()]);
        }
        let token = cli(
            data.path(),
            &[
                "token", "issue", "--camera", CAM, "--camera", IDLE_CAM, "--ttl", "1h",
            ],
        )
        .trim()
        .to_string();
        assert!(
            token.split('.').count() == 3,
            "`token issue` printed no JWT: {token:?}"
        );
        let server = Server::start(data.path(), &[]);
        let addr: SocketAddr = server
            .url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .parse()
            .unwrap_or_else(|_| panic!("the API url `{}` is not http://ADDR", server.url));
        Bench {
            server,
            addr,
            token,
            client: streamforge_testkit::client(),
            camera,
            idle_camera,
            _data: data,
        }
    }

    /// A WebSocket viewer of `id` at `level`.
    fn viewer(&self, id: &str, level: &str, timing: bool) -> Viewer {
        let path = format!(
            "/api/v1/cameras/{id}/stream?quality={level}&token={}",
            self.token
        );
        Viewer::connect(self.addr, &path, timing)
    }

    /// `GET /api/v1/cameras`: the entry of `id`.
    fn camera_view(&self, id: &str) -> serde_json::Value {
        let list = self.server.api("/api/v1/cameras");
        list.as_array()
            .and_then(|a| a.iter().find(|c| c["id"] == id))
            .cloned()
            .unwrap_or_else(|| panic!("camera {id} is not in /api/v1/cameras: {list}"))
    }

    /// One snapshot of `id` with `query`; how long it took (request sent to
    /// the last byte read). Fails unless it is a JPEG.
    fn snapshot(&self, id: &str, query: &str) -> Duration {
        let url = format!(
            "{}/api/v1/cameras/{id}/stream/snapshot?{query}",
            self.server.url.trim_end_matches('/')
        );
        let started = Instant::now();
        let response = self
            .client
            .get(&url)
            .bearer_auth(&self.token)
            .send()
            .unwrap_or_else(|e| panic!("snapshot of {id} ({query}): {e}"));
        let status = response.status();
        let kind = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let body = response
            .bytes()
            .unwrap_or_else(|e| panic!("snapshot of {id} ({query}): {e}"));
        let took = started.elapsed();
        assert!(
            status.is_success() && kind.starts_with("image/jpeg"),
            "snapshot of {id} ({query}) answered {status} {kind}: {}",
            String::from_utf8_lossy(&body[..body.len().min(300)])
        );
        viewer::mean_luma(&body)
            .unwrap_or_else(|e| panic!("snapshot of {id} ({query}) is not a JPEG: {e}"));
        took
    }

    /// The server and its children (the ffmpeg decoders).
    fn server_pids(&mut self) -> (u32, Vec<u32>) {
        let pid = self.server.pid();
        if let Err(e) = self.server.check_alive() {
            panic!("{e}");
        }
        (pid, procs::children_of(pid))
    }
}

fn require_ffmpeg() {
    let ok = Command::new("ffmpeg")
        .arg("-version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "ffmpeg not found (the camera decoder): install ffmpeg (apt-get install ffmpeg)"
    );
}

/// Waits until every viewer has `n` frames; fails naming the stragglers.
fn wait_frames(viewers: &[Viewer], n: u64, limit: Duration, what: &str) {
    let deadline = Instant::now() + limit;
    loop {
        if let Some((i, e)) = viewers
            .iter()
            .enumerate()
            .find_map(|(i, v)| v.error().map(|e| (i, e)))
        {
            panic!("{what}: viewer {i} stopped: {e}");
        }
        let behind = viewers.iter().filter(|v| v.frames() < n).count();
        if behind == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: {behind} of {} viewers have fewer than {n} frames after {limit:?}",
            viewers.len()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.partial_cmp(b).unwrap());
    if s.is_empty() {
        return f64::NAN;
    }
    s[s.len() / 2]
}

fn max(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::NAN, f64::max)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Glass-to-viewer per level: latencies in ms (None: missed) and the details.
struct Latency {
    per_level: Vec<Vec<Option<f64>>>,
    first_frame_ms: Vec<f64>,
    fps: Vec<f64>,
    kib: Vec<f64>,
    sessions: usize,
    /// Server threads' CPU during the timed switches (the level encoders).
    threads: Vec<(String, f64, u64)>,
}

fn latency(b: &Bench) -> (Latency, Viewer) {
    let connected = Instant::now();
    let viewers: Vec<Viewer> = LEVELS
        .iter()
        .map(|(name, ..)| b.viewer(CAM, name, true))
        .collect();
    wait_frames(&viewers, 3, FIRST_FRAMES, "latency viewers' first frames");
    let first_frame_ms = viewers
        .iter()
        .map(|v| ms(*v.stats.first.get().unwrap() - connected))
        .collect();
    let logs: Vec<&Log> = viewers
        .iter()
        .map(|v| v.stats.brightness.as_ref().unwrap())
        .collect();
    let alive = || viewers.iter().find_map(Viewer::error);
    let mut counted_from = Instant::now();
    let mut threads0 = HashMap::new();
    let mut frames_before = Vec::new();
    let mut bytes_before = Vec::new();
    let mut sessions = b.camera.sessions();
    let per_level = switches(
        &b.camera,
        &logs,
        &alive,
        || {
            counted_from = Instant::now();
            threads0 = procs::thread_times(&[b.server.pid()]);
            frames_before = viewers.iter().map(Viewer::frames).collect();
            bytes_before = viewers
                .iter()
                .map(|v| v.stats.bytes.load(Ordering::Acquire))
                .collect();
        },
        || sessions = sessions.max(b.camera.sessions()),
    );
    let secs = counted_from.elapsed().as_secs_f64();
    let threads = procs::thread_cpu_between(&threads0, &procs::thread_times(&[b.server.pid()]));
    let fps = viewers
        .iter()
        .zip(&frames_before)
        .map(|(v, n)| (v.frames() - n) as f64 / secs)
        .collect();
    let kib = viewers
        .iter()
        .zip(&bytes_before)
        .zip(&frames_before)
        .map(|((v, bytes), n)| {
            let frames = (v.frames() - n).max(1) as f64;
            (v.stats.bytes.load(Ordering::Acquire) - bytes) as f64 / frames / 1024.0
        })
        .collect();
    // The next part's first viewer joins before these leave: the camera
    // keeps streaming, so the CPU rows see no decoder start.
    let next = b.viewer(CAM, CPU_LEVEL, false);
    wait_frames(
        std::slice::from_ref(&next),
        2,
        FIRST_FRAMES,
        "the CPU viewer",
    );
    drop(viewers);
    (
        Latency {
            per_level,
            first_frame_ms,
            fps,
            kib,
            sessions,
            threads,
        },
        next,
    )
}

/// `(arrival, mean luma)` of every picture a timed reader got.
type Log = Mutex<Vec<(Instant, f64)>>;

/// The first picture in `log` that arrived at `since` or later and is on
/// the `white` side of mid-grey: its arrival.
fn crossed(log: &Log, since: Instant, white: bool) -> Option<Instant> {
    let log = log.lock().unwrap();
    log.iter()
        .rev()
        .take_while(|(at, _)| *at >= since)
        .filter(|(_, mean)| (*mean > MID_GREY) == white)
        .map(|(at, _)| *at)
        .last()
}

/// An untimed switch to black first (so every timed one goes solid to
/// solid), then [`FLIPS`] timed switches white / black; per reader, the ms
/// from each switch to its first picture showing it (None: not within
/// [`FLIP_LIMIT`]). `start` runs as the timed switches begin, `each` after
/// every switch; `alive` names a reader that stopped.
fn switches(
    camera: &RtspCamera,
    logs: &[&Log],
    alive: &dyn Fn() -> Option<String>,
    start: impl FnOnce(),
    mut each: impl FnMut(),
) -> Vec<Vec<Option<f64>>> {
    // Truly black (not just a darker pattern frame), and then a little
    // longer so nothing of the pattern is still on its way.
    let warm = camera.marker(Marker::Black);
    let black = |log: &&Log| {
        let log = log.lock().unwrap();
        log.iter()
            .any(|(at, mean)| *at >= warm && *mean < SOLID_BLACK)
    };
    let seen = wait_for_all(logs, alive, FLIP_LIMIT, black)
        .unwrap_or_else(|| panic!("a solid black picture never reached every reader"));
    std::thread::sleep((seen + FLIP_GAP / 2).saturating_duration_since(Instant::now()));
    start();
    let mut per_reader = vec![Vec::new(); logs.len()];
    for flip in 0..FLIPS {
        let white = flip % 2 == 0;
        let at = camera.marker(if white { Marker::White } else { Marker::Black });
        let _ = wait_for_all(logs, alive, FLIP_LIMIT, |log| {
            crossed(log, at, white).is_some()
        });
        for (i, log) in logs.iter().enumerate() {
            per_reader[i].push(crossed(log, at, white).map(|t| ms(t - at)));
        }
        each();
        // Whole seconds apart, every level's frame clock would meet the
        // switch at the same phase each time: a spread of offsets over the
        // slowest level's interval (200 ms) samples every phase instead.
        let next = at + FLIP_GAP + Duration::from_millis(flip as u64 * 131 % 1000 / 5);
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
    }
    camera.marker(Marker::Off);
    per_reader
}

/// Polls until `done` holds for every log; the moment, or None at the deadline.
fn wait_for_all(
    logs: &[&Log],
    alive: &dyn Fn() -> Option<String>,
    limit: Duration,
    mut done: impl FnMut(&&Log) -> bool,
) -> Option<Instant> {
    let deadline = Instant::now() + limit;
    loop {
        if logs.iter().all(&mut done) {
            return Some(Instant::now());
        }
        if let Some(e) = alive() {
            panic!("a timed reader stopped: {e}");
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// The floor under the glass-to-viewer rows: ffmpeg reading the idle
/// camera directly with the server's decoder input flags, writing small grey
/// pictures (flushed each) to a pipe read here; the same timed switches.
/// The camera's RTSP session ends before the snapshot part.
fn direct(b: &Bench) -> (Vec<Option<f64>>, f64) {
    const W: usize = 160;
    const H: usize = 90;
    let spawned = Instant::now();
    let child = Command::new("ffmpeg")
        .args(["-nostdin", "-hide_banner", "-loglevel", "error"])
        .args(["-fflags", "nobuffer", "-flags", "low_delay"])
        .args(["-rtsp_transport", "tcp", "-i", &b.idle_camera.url()])
        .args(["-an", "-vf", &format!("scale={W}:{H}"), "-pix_fmt", "gray"])
        .args(["-flush_packets", "1", "-f", "rawvideo", "pipe:1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("ffmpeg: {e}: install ffmpeg (apt-get install ffmpeg)"));
    let mut child = Reaped(child);
    let log: Arc<Log> = Arc::new(Mutex::new(Vec::new()));
    let reader = {
        let (log, mut out) = (log.clone(), child.0.stdout.take().unwrap());
        std::thread::spawn(move || {
            let mut picture = vec![0u8; W * H];
            while out.read_exact(&mut picture).is_ok() {
                let mean = picture.iter().map(|&v| f64::from(v)).sum::<f64>() / (W * H) as f64;
                log.lock().unwrap().push((Instant::now(), mean));
            }
        })
    };
    let deadline = Instant::now() + FIRST_FRAMES;
    while log.lock().unwrap().len() < 3 {
        assert!(
            Instant::now() < deadline,
            "ffmpeg reading {} gave no pictures within {FIRST_FRAMES:?}",
            b.idle_camera.url()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let first_ms = ms(log.lock().unwrap()[0].0 - spawned);
    let alive = || None;
    let mut per_reader = switches(&b.idle_camera, &[&*log], &alive, || {}, || {});
    drop(child);
    let _ = reader.join();
    b.idle_camera.wait_sessions(0, Duration::from_secs(10));
    (per_reader.pop().unwrap(), first_ms)
}

/// One viewer count's window.
struct CpuRow {
    viewers: usize,
    /// schedstat seconds: the server process, its decoder children.
    server_s: f64,
    decoder_s: f64,
    /// utime + stime seconds of the same processes.
    stat_s: f64,
    /// This bench process (the viewers' own cost, for context).
    clients_s: f64,
    secs: f64,
    min_fps: f64,
    avg_fps: f64,
    mbit_s: f64,
    sessions: usize,
    decoded_fps: f64,
    threads: Vec<(String, f64, u64)>,
}

impl CpuRow {
    fn total(&self) -> f64 {
        self.server_s + self.decoder_s
    }
}

fn cpu(b: &mut Bench, first: Viewer) -> (Vec<CpuRow>, Viewer) {
    let mut viewers = vec![first];
    let mut rows = Vec::new();
    for &n in &VIEWER_COUNTS {
        while viewers.len() < n {
            viewers.push(b.viewer(CAM, CPU_LEVEL, false));
        }
        wait_frames(&viewers, 2, FIRST_FRAMES, &format!("{n} viewers"));
        std::thread::sleep(WARMUP);
        let (pid, children) = b.server_pids();
        let pictures = |b: &Bench| b.camera_view(CAM)["pictures"].as_u64().unwrap_or(0);
        let pictures0 = pictures(b);
        let frames0: Vec<u64> = viewers.iter().map(Viewer::frames).collect();
        let bytes0: u64 = viewers
            .iter()
            .map(|v| v.stats.bytes.load(Ordering::Acquire))
            .sum();
        let threads0 = procs::thread_times(&[pid]);
        let server0 = procs::cpu_seconds_precise(&[pid]);
        let decoder0 = procs::cpu_seconds_precise(&children);
        let stat0 = procs::cpu_seconds(&[pid]) + procs::cpu_seconds(&children);
        let clients0 = procs::cpu_seconds_precise(&[std::process::id()]);
        let started = Instant::now();
        let mut sessions = b.camera.sessions();
        while started.elapsed() < WINDOW {
            std::thread::sleep(Duration::from_millis(250).min(WINDOW - started.elapsed()));
            sessions = sessions.max(b.camera.sessions());
        }
        let server_s = procs::cpu_seconds_precise(&[pid]) - server0;
        let decoder_s = procs::cpu_seconds_precise(&children) - decoder0;
        let stat_s = procs::cpu_seconds(&[pid]) + procs::cpu_seconds(&children) - stat0;
        let clients_s = procs::cpu_seconds_precise(&[std::process::id()]) - clients0;
        let secs = started.elapsed().as_secs_f64();
        let threads = procs::thread_cpu_between(&threads0, &procs::thread_times(&[pid]));
        let after = procs::children_of(pid);
        assert_eq!(
            after, children,
            "the server's children changed during the window (a decoder restarted?)"
        );
        if let Some(e) = viewers.iter().find_map(Viewer::error) {
            panic!("a viewer stopped during the {n}-viewer window: {e}");
        }
        let rates: Vec<f64> = viewers
            .iter()
            .zip(&frames0)
            .map(|(v, f)| (v.frames() - f) as f64 / secs)
            .collect();
        let bytes: u64 = viewers
            .iter()
            .map(|v| v.stats.bytes.load(Ordering::Acquire))
            .sum::<u64>()
            - bytes0;
        rows.push(CpuRow {
            viewers: n,
            server_s,
            decoder_s,
            stat_s,
            clients_s,
            secs,
            min_fps: rates.iter().copied().fold(f64::INFINITY, f64::min),
            avg_fps: rates.iter().sum::<f64>() / rates.len() as f64,
            mbit_s: bytes as f64 * 8.0 / secs / 1e6,
            sessions,
            decoded_fps: (pictures(b).saturating_sub(pictures0)) as f64 / secs,
            threads,
        });
    }
    viewers.truncate(1);
    let kept = viewers.pop().unwrap();
    (rows, kept)
}

struct Snapshots {
    streamed_ms: Vec<f64>,
    encoded_ms: Vec<f64>,
    idle_ms: Vec<f64>,
    /// Seconds from the last snapshot until the idle camera's decoder stopped.
    stopped_after_s: Vec<f64>,
    idle_sessions_when_stopped: usize,
    sessions: usize,
}

/// Snapshots while `_viewer` keeps the camera streaming at the medium level.
fn snapshots(b: &Bench, _viewer: &Viewer) -> Snapshots {
    let streamed_ms: Vec<f64> = (0..SNAPSHOTS)
        .map(|_| ms(b.snapshot(CAM, &format!("quality={CPU_LEVEL}"))))
        .collect();
    let encoded_ms: Vec<f64> = (0..SNAPSHOTS)
        .map(|_| ms(b.snapshot(CAM, "quality=low")))
        .collect();
    let sessions = b.camera.sessions();
    let mut idle_ms = Vec::new();
    let mut stopped_after_s = Vec::new();
    let mut idle_sessions_when_stopped = 0;
    let mut last: Option<Instant> = None;
    for _ in 0..IDLE_SNAPSHOTS {
        let limit = GRACE + Duration::from_secs(20);
        let deadline = Instant::now() + limit;
        loop {
            let view = b.camera_view(IDLE_CAM);
            if view["streaming"] == false {
                if let Some(t) = last {
                    stopped_after_s.push(t.elapsed().as_secs_f64());
                    // Its RTSP session ends with the decoder (a moment later).
                    let closing = Instant::now() + Duration::from_secs(5);
                    while b.idle_camera.sessions() > 0 && Instant::now() < closing {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    idle_sessions_when_stopped =
                        idle_sessions_when_stopped.max(b.idle_camera.sessions());
                }
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the idle camera still streams {limit:?} after its last snapshot: {view}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        idle_ms.push(ms(b.snapshot(IDLE_CAM, &format!("quality={CPU_LEVEL}"))));
        last = Some(Instant::now());
    }
    Snapshots {
        streamed_ms,
        encoded_ms,
        idle_ms,
        stopped_after_s,
        idle_sessions_when_stopped,
        sessions,
    }
}

/// `name 0.87 s (373 runs), ...` for the six busiest threads (a thread is
/// named for its camera and level, cut to 15 characters by the kernel).
fn threads_text(threads: &[(String, f64, u64)]) -> String {
    threads
        .iter()
        .take(6)
        .map(|(n, s, runs)| format!("{n} {s:.2} s ({runs} runs)"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn main() {
    let started = Instant::now();
    let load_before = load_average();
    let mut b = Bench::start();
    let (floor, floor_first_ms) = direct(&b);
    let (lat, first) = latency(&b);
    let (rows, kept) = cpu(&mut b, first);
    let snaps = snapshots(&b, &kept);
    drop(kept);
    let sessions_total = b.camera.sessions_total();
    let view = b.camera_view(CAM);
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());

    println!();
    println!(
        "Cameras (DESIGN.md sections 7 and 10): camera {WIDTH}×{HEIGHT} @ {FPS} fps H.264 \
         (GStreamer RTSP server, loopback) → streamforge serve (release) → WebSocket viewers \
         (tungstenite threads in this process)."
    );
    println!(
        "  glass-to-viewer: frame arrival against the source's clock, marker = solid frame \
         switched at the RTSP server: from the Instant the camera confirmed a solid white/black \
         picture to the arrival of the first WebSocket JPEG whose mean luma crossed {MID_GREY:.0}; \
         {FLIPS} switches ≥ {FLIP_GAP:?} apart, one viewer per level at once. The GStreamer \
         pipeline itself adds about one frame ({:.0} ms); the reference row is what the \
         camera and a bare ffmpeg reader take without the server.",
        1000.0 / f64::from(FPS)
    );
    println!(
        "  CPU: on-CPU seconds (/proc/PID/task/*/schedstat) of the streamforge process plus its \
         ffmpeg decoder over a {WINDOW:?} window, {WARMUP:?} after every viewer had frames; \
         viewers are WebSocket clients at {CPU_LEVEL}, added to the same running camera \
         (1 → 10 → 50)."
    );
    println!(
        "  snapshot: GET …/stream/snapshot with a camera token, request to last byte; streaming = \
         one {CPU_LEVEL} viewer connected; idle = a second camera whose decoder was seen stopped \
         (GET /api/v1/cameras), so the GET starts ffmpeg and waits for its first picture."
    );
    println!(
        "  machine: {cores} cores, load average {load_before} before, {} after; the camera's \
         x264 encoder and these viewers share them with the server.",
        load_average()
    );
    println!();
    println!("| what | measured | target |");
    println!("|---|---|---|");
    for (i, (name, w, h, fps)) in LEVELS.iter().enumerate() {
        let got: Vec<f64> = lat.per_level[i].iter().flatten().copied().collect();
        let missed = lat.per_level[i].len() - got.len();
        let missed = if missed > 0 {
            format!(", {missed} of {FLIPS} not seen within {FLIP_LIMIT:?}")
        } else {
            String::new()
        };
        println!(
            "| glass-to-viewer, {name} {w}×{h} @ {fps} fps | median {:.0} ms, max {:.0} ms{missed} | ≤ 500 ms |",
            median(&got),
            max(&got)
        );
    }
    let got: Vec<f64> = floor.iter().flatten().copied().collect();
    println!(
        "| reference: ffmpeg reading the camera directly (no server) | median {:.0} ms, max {:.0} ms{} | |",
        median(&got),
        max(&got),
        if got.len() < floor.len() { ", some not seen" } else { "" }
    );
    let one = rows[0].total();
    for r in &rows {
        let ratio = r.total() / one;
        let target = if r.viewers == 50 {
            "≤ 1.3 × one"
        } else {
            ""
        };
        println!(
            "| CPU, {} viewer{} at {CPU_LEVEL} | {:.2} s in {:.1} s ({:.0}% of a core), {ratio:.2} × one | {target} |",
            r.viewers,
            if r.viewers == 1 { "" } else { "s" },
            r.total(),
            r.secs,
            r.total() / r.secs * 100.0
        );
    }
    let last = rows.last().unwrap();
    println!(
        "| CPU ratio 50 / 1 viewers | {:.2} × | ≤ 1.3 × |",
        last.total() / one
    );
    let most = rows
        .iter()
        .map(|r| r.sessions)
        .max()
        .unwrap_or(0)
        .max(lat.sessions)
        .max(snaps.sessions);
    println!(
        "| RTSP sessions at the camera (most seen; connections ever) | {most} ({sessions_total}) | 1 |"
    );
    println!(
        "| snapshot, streaming camera ({CPU_LEVEL}, being streamed) | median {:.1} ms, max {:.1} ms ({SNAPSHOTS} GETs) | ≤ 100 ms |",
        median(&snaps.streamed_ms),
        max(&snaps.streamed_ms)
    );
    println!(
        "| snapshot, streaming camera (low, not streamed: encoded from the latest picture) | median {:.1} ms, max {:.1} ms ({SNAPSHOTS} GETs) | |",
        median(&snaps.encoded_ms),
        max(&snaps.encoded_ms)
    );
    println!(
        "| snapshot, idle camera (decoder started for it) | median {:.0} ms, max {:.0} ms ({IDLE_SNAPSHOTS} GETs) | |",
        median(&snaps.idle_ms),
        max(&snaps.idle_ms)
    );

    println!();
    println!("Details");
    for (i, (name, _, _, fps)) in LEVELS.iter().enumerate() {
        let all: Vec<String> = lat.per_level[i]
            .iter()
            .map(|v| v.map_or("missed".into(), |v| format!("{v:.0}")))
            .collect();
        println!(
            "  {name}: switches [{}] ms; first frame {:.0} ms after connecting (cold camera); \
             {:.1} fps received (level {fps}), {:.0} KiB per JPEG",
            all.join(", "),
            lat.first_frame_ms[i],
            lat.fps[i],
            lat.kib[i]
        );
    }
    let all: Vec<String> = floor
        .iter()
        .map(|v| v.map_or("missed".into(), |v| format!("{v:.0}")))
        .collect();
    println!(
        "  reference (ffmpeg with the server's input flags, -flush_packets 1, 160×90 grey to a \
         pipe): switches [{}] ms; first picture {floor_first_ms:.0} ms after ffmpeg started \
         (cold camera)",
        all.join(", ")
    );
    let jpegs: f64 = lat.fps.iter().sum();
    println!(
        "  during the switches ({:.0} JPEGs/s over the three levels), busiest server threads: {}",
        jpegs,
        threads_text(&lat.threads)
    );
    for r in &rows {
        println!(
            "  {} viewer(s): streamforge {:.2} s + decoder {:.2} s (utime+stime {:.2} s); \
             per viewer {:.1}-{:.1} fps (min-avg), {:.1} Mbit/s in all; decoder {:.1} pictures/s; \
             RTSP sessions {}; this bench's own CPU {:.2} s",
            r.viewers,
            r.server_s,
            r.decoder_s,
            r.stat_s,
            r.min_fps,
            r.avg_fps,
            r.mbit_s,
            r.decoded_fps,
            r.sessions,
            r.clients_s
        );
        println!("    busiest server threads: {}", threads_text(&r.threads));
    }
    let streamforge_only = last.server_s / rows[0].server_s.max(1e-9);
    println!(
        "  50 / 1 for the streamforge process alone (without the decoder): {streamforge_only:.2} ×"
    );
    let fmt = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{x:.1}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!(
        "  snapshots: streamed [{}] ms; encoded on demand [{}] ms; idle [{}] ms",
        fmt(&snaps.streamed_ms),
        fmt(&snaps.encoded_ms),
        fmt(&snaps.idle_ms)
    );
    println!(
        "  idle camera: decoder seen stopped {} s after a snapshot (grace {GRACE:?}); RTSP \
         sessions at it 5 s later at most: {}",
        fmt(&snaps.stopped_after_s),
        snaps.idle_sessions_when_stopped
    );
    println!(
        "  /api/v1/cameras for {CAM} at the end: {view}; whole bench {:.0} s",
        started.elapsed().as_secs_f64()
    );
}
