//! The one decode per camera: a supervised ffmpeg that reads the camera
//! (RTSP over TCP) and writes YUV4MPEG2 pictures at the largest level's size
//! and rate, full-range 4:2:0, read here on the capture's own thread. ffmpeg
//! reads every codec cameras send (H.264, H.265, MJPEG) and is already a
//! requirement; a dying or unreachable camera is retried with back-off and
//! shown offline, and what ffmpeg says is kept with the camera's URL and
//! password taken out.

use super::y4m::{Picture, Reader};
use std::io::{BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// First wait before a retry; doubles up to [`RETRY_MAX`] while failing.
const RETRY_FIRST: Duration = Duration::from_millis(500);
/// Longest wait between retries.
const RETRY_MAX: Duration = Duration::from_secs(30);
/// ffmpeg's socket timeout for the camera, in microseconds (a silent camera
/// ends the decoder, which is then retried).
const SOCKET_TIMEOUT_US: &str = "5000000";

/// What the decoder reads and how big and fast its pictures are.
#[derive(Clone)]
pub struct Source {
    /// The camera's URL with credentials filled in (a secret: never logged).
    pub url: String,
    /// Strings to take out of anything ffmpeg says (the filled URL, the password).
    pub redact: Vec<String>,
    /// Largest picture size and rate any level needs.
    pub largest: (u32, u32, u32),
}

/// The latest picture and the camera's state, shared between the capture
/// thread and the encoders.
#[derive(Default)]
pub struct Latest {
    slot: Mutex<Slot>,
    changed: Condvar,
}

#[derive(Default)]
struct Slot {
    seq: u64,
    picture: Option<Arc<Picture>>,
    at: Option<Instant>,
    online: bool,
    reason: Option<String>,
    restarts: u64,
    stopped: bool,
}

/// A copy of the camera's state, for status and events.
#[derive(Debug, Clone, Default)]
pub struct State {
    /// Pictures are arriving.
    pub online: bool,
    /// Why the camera is offline (ffmpeg's last words, redacted).
    pub reason: Option<String>,
    /// Decoder restarts after a failure.
    pub restarts: u64,
    /// Pictures decoded so far.
    pub pictures: u64,
}

impl Latest {
    /// The picture after `seen` (by sequence number), waiting up to `wait`;
    /// `None` on time-out or once the capture stopped.
    pub fn next_after(&self, seen: u64, wait: Duration) -> Option<(u64, Arc<Picture>)> {
        let slot = self.slot.lock().expect("camera slot");
        let (slot, _) = self
            .changed
            .wait_timeout_while(slot, wait, |s| s.seq <= seen && !s.stopped)
            .expect("camera slot");
        (slot.seq > seen).then(|| {
            (
                slot.seq,
                slot.picture.clone().expect("a picture with its seq"),
            )
        })
    }

    /// The latest picture, if one arrived within `fresh`.
    pub fn recent(&self, fresh: Duration) -> Option<Arc<Picture>> {
        let slot = self.slot.lock().expect("camera slot");
        slot.at
            .filter(|at| at.elapsed() <= fresh && slot.online)
            .and(slot.picture.clone())
    }

    /// The camera's state now.
    pub fn state(&self) -> State {
        let slot = self.slot.lock().expect("camera slot");
        State {
            online: slot.online,
            reason: slot.reason.clone(),
            restarts: slot.restarts,
            pictures: slot.seq,
        }
    }

    fn publish(&self, picture: Picture) -> bool {
        let mut slot = self.slot.lock().expect("camera slot");
        let came_online = !slot.online;
        slot.seq += 1;
        slot.picture = Some(Arc::new(picture));
        slot.at = Some(Instant::now());
        slot.online = true;
        slot.reason = None;
        drop(slot);
        self.changed.notify_all();
        came_online
    }

    fn went_offline(&self, reason: String) {
        let mut slot = self.slot.lock().expect("camera slot");
        slot.online = false;
        slot.reason = Some(reason);
        slot.restarts += 1;
        drop(slot);
        self.changed.notify_all();
    }

    fn stop(&self) {
        self.slot.lock().expect("camera slot").stopped = true;
        self.changed.notify_all();
    }
}

/// A running decoder for one camera; dropping it (or [`Capture::stop`])
/// ends ffmpeg and the thread.
pub struct Capture {
    latest: Arc<Latest>,
    stop: Arc<AtomicBool>,
    child: Arc<Mutex<Option<Child>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Capture {
    /// Starts decoding `source`; `on_change(online)` is called from the
    /// capture thread whenever the camera comes online or goes offline.
    pub fn start(
        name: &str,
        source: Source,
        on_change: impl Fn(bool, Option<&str>) + Send + 'static,
    ) -> std::io::Result<Capture> {
        let latest = Arc::new(Latest::default());
        let stop = Arc::new(AtomicBool::new(false));
        let child = Arc::new(Mutex::new(None));
        let thread = std::thread::Builder::new()
            .name(format!("camera {name}"))
            .spawn({
                let (latest, stop, child) = (latest.clone(), stop.clone(), child.clone());
                move || supervise(&source, &latest, &stop, &child, &on_change)
            })?;
        Ok(Capture {
            latest,
            stop,
            child,
            thread: Some(thread),
        })
    }

    /// The pictures and state this capture shares.
    pub fn latest(&self) -> &Arc<Latest> {
        &self.latest
    }

    /// Ends ffmpeg and waits for the thread.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.latest.stop();
        if let Some(mut c) = self.child.lock().expect("camera child").take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Runs ffmpeg until stopped, again after each failure with back-off.
fn supervise(
    source: &Source,
    latest: &Latest,
    stop: &AtomicBool,
    slot: &Mutex<Option<Child>>,
    on_change: &dyn Fn(bool, Option<&str>),
) {
    let mut wait = RETRY_FIRST;
    while !stop.load(Ordering::SeqCst) {
        let started = Instant::now();
        let (reason, pictures) = run_once(source, latest, stop, slot, on_change);
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let reason = redact(&reason, &source.redact);
        latest.went_offline(reason.clone());
        on_change(false, Some(&reason));
        // A decoder that ran well for a while starts the back-off again.
        if pictures > 0 && started.elapsed() > Duration::from_secs(10) {
            wait = RETRY_FIRST;
        }
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline && !stop.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(50).min(deadline - Instant::now()));
        }
        wait = (wait * 2).min(RETRY_MAX);
    }
}

/// One ffmpeg run: its pictures go to `latest`. Returns why it ended and
/// how many pictures it gave.
fn run_once(
    source: &Source,
    latest: &Latest,
    stop: &AtomicBool,
    slot: &Mutex<Option<Child>>,
    on_change: &dyn Fn(bool, Option<&str>),
) -> (String, u64) {
    let mut child = match decoder_command(source).spawn() {
        Ok(c) => c,
        Err(e) => return (format!("ffmpeg could not start: {e}; install ffmpeg"), 0),
    };
    let (Some(stdout), Some(mut stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return ("ffmpeg's pipes are missing".into(), 0);
    };
    *slot.lock().expect("camera child") = Some(child);
    if stop.load(Ordering::SeqCst) {
        kill(slot);
        return ("stopped".into(), 0);
    }
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut pictures = 0;
    let ended = match Reader::new(BufReader::with_capacity(1 << 20, stdout)) {
        Err(e) => format!("the decoder gave no pictures ({e})"),
        Ok(mut reader) => loop {
            match reader.next_picture() {
                Ok(Some(p)) => {
                    pictures += 1;
                    if latest.publish(p) {
                        on_change(true, None);
                    }
                }
                Ok(None) => break "the camera's stream ended".to_string(),
                Err(e) => break format!("the decoder's output broke ({e})"),
            }
        },
    };
    kill(slot);
    let said = errors.join().unwrap_or_default();
    let last = said
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(str::trim);
    (
        match last {
            Some(line) => format!("{ended}: {line}"),
            None => ended,
        },
        pictures,
    )
}

fn kill(slot: &Mutex<Option<Child>>) {
    if let Some(mut c) = slot.lock().expect("camera child").take() {
        let _ = c.kill();
        let _ = c.wait();
    }
}

/// The ffmpeg command for `source`: low-delay input, video only, scaled
/// down (never up) into the largest level, at its rate, full range 4:2:0.
fn decoder_command(source: &Source) -> Command {
    let (w, h, fps) = source.largest;
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-nostdin", "-hide_banner", "-loglevel", "error"]);
    cmd.args(["-fflags", "nobuffer", "-flags", "low_delay"]);
    // The stream's parameters come with the first keyframe; ffmpeg's default
    // probing (5 MB / 5 s) made a cold camera's first picture take 2.4 s
    // against 1.3 s with this, measured on the test camera (1 s GOP).
    cmd.args(["-probesize", "65536", "-analyzeduration", "500000"]);
    if source.url.starts_with("rtsp://") || source.url.starts_with("rtsps://") {
        cmd.args(["-rtsp_transport", "tcp", "-timeout", SOCKET_TIMEOUT_US]);
    } else if !source.url.contains("://") {
        // A local file (tests, demos): read at its own pace, looped.
        cmd.args(["-re", "-stream_loop", "-1"]);
    }
    cmd.arg("-i").arg(&source.url);
    cmd.args(["-an", "-sn", "-dn", "-vf"]);
    cmd.arg(format!(
        "fps={fps},scale=w='min(iw,{w})':h='min(ih,{h})':force_original_aspect_ratio=decrease:force_divisible_by=2:out_range=full"
    ));
    cmd.args([
        "-pix_fmt",
        "yuvj420p",
        "-strict",
        "-1",
        "-f",
        "yuv4mpegpipe",
        "pipe:1",
    ]);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// `text` with every secret in `secrets` (and the URL-encoded form) replaced.
pub fn redact(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        out = out.replace(s.as_str(), "<hidden>");
        let encoded = percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
        out = out.replace(&encoded, "<hidden>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_taken_out_of_what_ffmpeg_says() {
        let said = "rtsp://admin:p@ss w0rd@10.0.0.5/live: 401 Unauthorized (p%40ss%20w0rd)";
        let out = redact(said, &["p@ss w0rd".into()]);
        assert!(!out.contains("p@ss") && !out.contains("p%40ss"), "{out}");
    }
}
