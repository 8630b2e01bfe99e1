//! A real RTSP camera for the camera tests and benchmarks: GStreamer's RTSP
//! server (`assets/rtsp_camera.py`) on 127.0.0.1 with a live test pattern,
//! whose connected clients are counted and whose picture can be flipped to
//! solid white or black to time glass-to-viewer latency. Killed and reaped on
//! drop; a missing GStreamer or Python binding fails the test, never skips it.

use crate::process::Reaped;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The camera's script, found at compile time so any test binary can run it.
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/rtsp_camera.py");

/// What the camera needs (`scripts/setup` installs them), named when it cannot start.
pub const PACKAGES: &str = "python3-gi gir1.2-gstreamer-1.0 gir1.2-gst-rtsp-server-1.0 \
     gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly \
     gstreamer1.0-plugins-bad";

/// How long the camera may take to serve (GStreamer's first start scans its plugins).
const START_LIMIT: Duration = Duration::from_secs(60);

/// How long the camera may take to answer a marker command.
const MARKER_LIMIT: Duration = Duration::from_secs(5);

/// The video codec the camera sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codec {
    /// H.264 (x264enc), what most cameras send.
    H264,
    /// H.265 (x265enc), what newer cameras send.
    H265,
}

/// What the camera shows: a solid frame for latency timing, or its pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marker {
    /// A solid white frame (a viewer's JPEG turns bright).
    White,
    /// A solid black frame.
    Black,
    /// The moving test pattern again.
    Off,
}

impl Marker {
    fn word(self) -> &'static str {
        match self {
            Marker::White => "white",
            Marker::Black => "black",
            Marker::Off => "off",
        }
    }
}

/// How the camera is set up; [`Default`] is 1280×720 @ 15 fps H.264 at
/// `/cam` without auth, so tests name only what they change.
#[derive(Clone, Debug)]
pub struct CameraOptions {
    /// The stream's path on the server.
    pub path: String,
    /// Picture width in pixels.
    pub width: u32,
    /// Picture height in pixels.
    pub height: u32,
    /// Frames per second (one keyframe per second).
    pub fps: u32,
    /// The codec sent.
    pub codec: Codec,
    /// Basic-auth user and password; clients without them are refused (401).
    pub credentials: Option<(String, String)>,
}

impl Default for CameraOptions {
    fn default() -> Self {
        CameraOptions {
            path: "/cam".into(),
            width: 1280,
            height: 720,
            fps: 15,
            codec: Codec::H264,
            credentials: None,
        }
    }
}

/// What the script reports that a caller waits for.
enum Event {
    Ready(u16),
    MarkerSet(String, Instant),
}

/// Counts shared with the stdout reader; they outlive restarts.
#[derive(Default)]
struct Counts {
    now: AtomicUsize,
    total: AtomicUsize,
}

/// One run of the script: the child, its stdin and what its output says.
struct Running {
    child: Reaped,
    control: Mutex<(ChildStdin, Receiver<Event>)>,
    stderr: Arc<Mutex<String>>,
    readers: Vec<JoinHandle<()>>,
}

/// A live RTSP camera on loopback; killed and reaped on drop.
pub struct RtspCamera {
    options: CameraOptions,
    port: u16,
    counts: Arc<Counts>,
    running: Option<Running>,
}

impl RtspCamera {
    /// Starts a camera on a free 127.0.0.1 port and waits until it serves.
    /// Fails, naming the Debian packages, when GStreamer or Python cannot run it.
    pub fn start(options: CameraOptions) -> RtspCamera {
        let counts = Arc::new(Counts::default());
        let (running, port) = launch(&options, 0, &counts);
        RtspCamera {
            options,
            port,
            counts,
            running: Some(running),
        }
    }

    /// The loopback port it serves on (the same after [`RtspCamera::restart`]).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The options it was started with.
    pub fn options(&self) -> &CameraOptions {
        &self.options
    }

    /// `rtsp://127.0.0.1:PORT/cam`, without credentials.
    pub fn url(&self) -> String {
        format!("rtsp://127.0.0.1:{}{}", self.port, self.options.path)
    }

    /// The URL with `user:password@` (percent-encoded); fails when the camera
    /// has no credentials, since the plain [`RtspCamera::url`] is meant then.
    pub fn url_with_credentials(&self) -> String {
        let (user, password) = self
            .options
            .credentials
            .as_ref()
            .expect("the camera has no credentials: set CameraOptions::credentials");
        format!(
            "rtsp://{}:{}@127.0.0.1:{}{}",
            encode(user),
            encode(password),
            self.port,
            self.options.path
        )
    }

    /// RTSP clients (connections) open to it now.
    pub fn sessions(&self) -> usize {
        self.counts.now.load(Ordering::Acquire)
    }

    /// RTSP clients that ever connected, across restarts.
    pub fn sessions_total(&self) -> usize {
        self.counts.total.load(Ordering::Acquire)
    }

    /// Waits until exactly `n` clients are connected, for at most `limit`.
    pub fn wait_sessions(&self, n: usize, limit: Duration) {
        crate::wait::wait_until_explained(
            limit,
            || self.sessions() == n,
            || {
                format!(
                    "the camera at {} having {n} RTSP clients (it has {}); its stderr:\n{}",
                    self.url(),
                    self.sessions(),
                    self.stderr()
                )
            },
        );
    }

    /// Switches the picture (see [`Marker`]) and waits for the camera to
    /// confirm; when it was set, the start of a glass-to-viewer measurement.
    pub fn marker(&self, marker: Marker) -> Instant {
        let running = self.running.as_ref().expect("a marker on a stopped camera");
        let mut control = running.control.lock().expect("the camera's control");
        let (stdin, events) = &mut *control;
        writeln!(stdin, "marker {}", marker.word())
            .and_then(|()| stdin.flush())
            .unwrap_or_else(|e| panic!("the camera's stdin: {e}; {}", self.stderr()));
        let deadline = Instant::now() + MARKER_LIMIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match events.recv_timeout(left) {
                Ok(Event::MarkerSet(word, at)) if word == marker.word() => return at,
                Ok(_) => {}
                Err(e) => panic!(
                    "the camera did not confirm `marker {}` ({e}); its stderr:\n{}",
                    marker.word(),
                    self.stderr()
                ),
            }
        }
    }

    /// The camera dies (SIGKILL, reaped): its clients lose it at once.
    pub fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            running.finish();
        }
        self.counts.now.store(0, Ordering::Release);
    }

    /// Starts it again (stopping it first if needed) on the same port with
    /// the same options, and waits until it serves.
    pub fn restart(&mut self) {
        self.stop();
        let (running, _) = launch(&self.options, self.port, &self.counts);
        self.running = Some(running);
    }

    /// What the camera wrote to stderr so far (GStreamer's warnings, errors).
    pub fn stderr(&self) -> String {
        self.running
            .as_ref()
            .map(|r| r.stderr.lock().map(|s| s.clone()).unwrap_or_default())
            .unwrap_or_default()
    }
}

impl Drop for RtspCamera {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            running.finish();
        }
    }
}

impl Running {
    /// Kills and reaps the child, then joins its readers (its pipes are closed).
    fn finish(self) {
        drop(self.child);
        for reader in self.readers {
            let _ = reader.join();
        }
    }
}

/// Runs the script on `port` (0: any free one) and waits for `ready`; the
/// running script and the port it serves on.
fn launch(options: &CameraOptions, port: u16, counts: &Arc<Counts>) -> (Running, u16) {
    let mut cmd = Command::new(python());
    cmd.arg(SCRIPT)
        .arg("--port")
        .arg(port.to_string())
        .args(["--path", &options.path])
        .args(["--width", &options.width.to_string()])
        .args(["--height", &options.height.to_string()])
        .args(["--fps", &options.fps.to_string()])
        .args(["--codec", codec_name(options.codec)]);
    if let Some((user, password)) = &options.credentials {
        cmd.args(["--username", user, "--password", password]);
    }
    let child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}; install {PACKAGES}", python()));
    let mut child = Reaped(child);
    let stdin = child.0.stdin.take().expect("piped stdin");
    let stderr = Arc::new(Mutex::new(String::new()));
    let (tx, events) = mpsc::channel();
    let readers = vec![
        read_events(child.0.stdout.take().expect("piped stdout"), tx, counts),
        keep_stderr(child.0.stderr.take().expect("piped stderr"), &stderr),
    ];
    let mut running = Running {
        child,
        control: Mutex::new((stdin, events)),
        stderr,
        readers,
    };
    let ready = {
        let (_, events) = &mut *running.control.get_mut().expect("the camera's control");
        events.recv_timeout(START_LIMIT)
    };
    match ready {
        Ok(Event::Ready(port)) => (running, port),
        Ok(Event::MarkerSet(..)) => unreachable!("no marker was asked for before ready"),
        Err(RecvTimeoutError::Timeout) => {
            let text = running.stderr.lock().map(|s| s.clone()).unwrap_or_default();
            running.finish();
            panic!("the RTSP camera did not serve within {START_LIMIT:?}; its stderr:\n{text}")
        }
        Err(RecvTimeoutError::Disconnected) => {
            // Its stdout closed: it exited. Reaping it lets stderr end too.
            let stderr = running.stderr.clone();
            let status = running.child.0.wait().map(|s| s.to_string());
            running.finish();
            let text = stderr.lock().map(|s| s.clone()).unwrap_or_default();
            panic!(
                "the RTSP camera exited before serving ({}): {}\n\
                 (it runs on the Debian packages {PACKAGES})",
                status.unwrap_or_else(|e| e.to_string()),
                text.trim()
            )
        }
    }
}

/// Debian's own Python, where `python3-gi` is installed: a `python3` first
/// on PATH (pyenv, a venv) usually cannot import `gi`.
fn python() -> &'static str {
    if std::path::Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    }
}

fn codec_name(codec: Codec) -> &'static str {
    match codec {
        Codec::H264 => "h264",
        Codec::H265 => "h265",
    }
}

/// Reads the script's stdout: counts clients, passes `ready` and `marker-set` on.
fn read_events(
    stdout: impl Read + Send + 'static,
    events: mpsc::Sender<Event>,
    counts: &Arc<Counts>,
) -> JoinHandle<()> {
    let counts = counts.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            let at = Instant::now();
            let (word, value) = line.split_once(' ').unwrap_or((&line, ""));
            match word {
                "ready" => {
                    let port = value.parse().expect("`ready PORT` from the camera");
                    let _ = events.send(Event::Ready(port));
                }
                "marker-set" => {
                    let _ = events.send(Event::MarkerSet(value.to_string(), at));
                }
                "client-connected" | "client-closed" => {
                    let now = value.parse().expect("a client count from the camera");
                    if word == "client-connected" {
                        counts.total.fetch_add(1, Ordering::AcqRel);
                    }
                    counts.now.store(now, Ordering::Release);
                }
                _ => {}
            }
        }
    })
}

/// Keeps the script's stderr (so a chatty GStreamer never blocks on a full pipe).
fn keep_stderr(stderr: impl Read + Send + 'static, into: &Arc<Mutex<String>>) -> JoinHandle<()> {
    let into = into.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { return };
            if let Ok(mut text) = into.lock() {
                text.push_str(&line);
                text.push('\n');
            }
        }
    })
}

/// Percent-encodes a URL userinfo part (everything but unreserved characters).
fn encode(part: &str) -> String {
    part.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Width and height of one JPEG (from its SOF0 marker), after checking it
/// starts with SOI and ends with EOI: what the camera tests check every
/// frame with.
pub fn jpeg_size(jpeg: &[u8]) -> (u32, u32) {
    assert!(jpeg.len() > 4, "a JPEG of {} bytes", jpeg.len());
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8], "a JPEG starts with SOI");
    assert_eq!(
        &jpeg[jpeg.len() - 2..],
        &[0xFF, 0xD9],
        "a JPEG ends with EOI"
    );
    let at = jpeg
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("a baseline JPEG has an SOF0 marker");
    let h = u16::from_be_bytes([jpeg[at + 5], jpeg[at + 6]]);
    let w = u16::from_be_bytes([jpeg[at + 7], jpeg[at + 8]]);
    (w as u32, h as u32)
}
