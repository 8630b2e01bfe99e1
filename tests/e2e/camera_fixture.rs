//! The RTSP camera the camera feature is tested against, checked with real
//! clients before anything relies on it: ffprobe sees what was asked for,
//! clients are counted in and out, auth refuses strangers, a marker turns the
//! picture white or black within 2 s, and a stopped camera serves again.

use crate::common::process::{run_bounded, Reaped};
use crate::common::{wait_for_ok, wait_until, CameraOptions, Codec, Marker, RtspCamera};
use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long an RTSP client may take to connect, probe or see a change.
const LIMIT: Duration = Duration::from_secs(20);

/// A small picture, so parallel tests stay cheap on a shared machine.
fn small() -> CameraOptions {
    CameraOptions {
        width: 320,
        height: 180,
        ..CameraOptions::default()
    }
}

/// `ffprobe` on `url`: (codec, width, height) of its video, or what it said.
fn probe(url: &str) -> Result<(String, u64, u64), String> {
    let mut cmd = Command::new("ffprobe");
    cmd.args([
        "-v",
        "error",
        "-rtsp_transport",
        "tcp",
        "-select_streams",
        "v:0",
    ])
    .args([
        "-show_entries",
        "stream=codec_name,width,height",
        "-of",
        "json",
        url,
    ]);
    let out = run_bounded(cmd, "", LIMIT)
        .unwrap_or_else(|e| panic!("{e} (install it with `apt-get install ffmpeg`)"));
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    let s = &v["streams"][0];
    Ok((
        s["codec_name"].as_str().unwrap_or_default().to_string(),
        s["width"].as_u64().unwrap_or(0),
        s["height"].as_u64().unwrap_or(0),
    ))
}

/// `ffmpeg` reading `url` over TCP with `output` arguments; killed and
/// reaped on drop. Fails loudly when ffmpeg is missing.
fn ffmpeg(url: &str, output: &[&str]) -> Reaped {
    let child = Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-nostdin",
            "-v",
            "error",
            "-rtsp_transport",
            "tcp",
        ])
        .args(["-fflags", "nobuffer", "-flags", "low_delay", "-i", url])
        .args(output)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("ffmpeg is needed: apt-get install ffmpeg");
    Reaped(child)
}

/// The mean brightness (0-255) of the latest frame an ffmpeg reader
/// decoded, as 32×18 grey pixels, and how many frames it has seen.
struct Brightness {
    _ffmpeg: Reaped,
    mean: Arc<AtomicU32>,
    frames: Arc<AtomicUsize>,
}

impl Brightness {
    /// Starts ffmpeg on `url` and a thread reading its frames.
    fn watch(url: &str) -> Brightness {
        let mut ffmpeg = ffmpeg(
            url,
            &[
                "-vf",
                "scale=32:18",
                "-f",
                "rawvideo",
                "-pix_fmt",
                "gray",
                // Each frame written at once, not when a 32 KiB buffer fills.
                "-flush_packets",
                "1",
                "pipe:1",
            ],
        );
        let mut stdout = ffmpeg.0.stdout.take().expect("piped stdout");
        let (mean, frames) = (Arc::new(AtomicU32::new(0)), Arc::new(AtomicUsize::new(0)));
        let (m, f) = (mean.clone(), frames.clone());
        // Ends when ffmpeg is killed (its stdout closes).
        std::thread::spawn(move || {
            let mut frame = [0u8; 32 * 18];
            while stdout.read_exact(&mut frame).is_ok() {
                let sum: u32 = frame.iter().map(|&p| u32::from(p)).sum();
                m.store(sum / frame.len() as u32, Ordering::Release);
                f.fetch_add(1, Ordering::AcqRel);
            }
        });
        Brightness {
            _ffmpeg: ffmpeg,
            mean,
            frames,
        }
    }

    /// Waits until a frame decoded after now satisfies `bright`; how long it took.
    fn wait(&self, what: &str, from: Instant, bright: impl Fn(u32) -> bool) -> Duration {
        let seen = self.frames.load(Ordering::Acquire);
        wait_for_ok(what, Duration::from_secs(2), || {
            let (frames, mean) = (self.frames.load(Ordering::Acquire), self.mean());
            if frames > seen && bright(mean) {
                Ok(from.elapsed())
            } else {
                Err(format!("mean brightness {mean} after {frames} frames"))
            }
        })
    }

    /// The latest frame's mean brightness.
    fn mean(&self) -> u32 {
        self.mean.load(Ordering::Acquire)
    }
}

#[test]
fn ffprobe_sees_the_configured_codec_and_size() {
    let camera = RtspCamera::start(CameraOptions::default());
    assert_eq!(probe(&camera.url()), Ok(("h264".into(), 1280, 720)));
    camera.wait_sessions(0, LIMIT);

    let camera = RtspCamera::start(CameraOptions {
        width: 640,
        height: 360,
        fps: 5,
        codec: Codec::H265,
        ..CameraOptions::default()
    });
    assert_eq!(probe(&camera.url()), Ok(("hevc".into(), 640, 360)));
}

#[test]
fn clients_are_counted_in_and_out() {
    let camera = RtspCamera::start(small());
    assert_eq!((camera.sessions(), camera.sessions_total()), (0, 0));
    let first = ffmpeg(&camera.url(), &["-f", "null", "-"]);
    let second = ffmpeg(&camera.url(), &["-f", "null", "-"]);
    camera.wait_sessions(2, LIMIT);
    drop(first);
    camera.wait_sessions(1, LIMIT);
    drop(second);
    camera.wait_sessions(0, LIMIT);
    assert_eq!(camera.sessions_total(), 2);
}

#[test]
fn auth_refuses_clients_without_the_credentials() {
    let camera = RtspCamera::start(CameraOptions {
        credentials: Some(("viewer".into(), "s3cret:p@ss/word".into())),
        ..small()
    });
    let refused = probe(&camera.url()).expect_err("no credentials, no stream");
    assert!(refused.contains("401"), "ffprobe said: {refused}");
    let wrong = camera.url().replace("rtsp://", "rtsp://viewer:wrong@");
    assert!(probe(&wrong).is_err(), "a wrong password is refused");
    assert_eq!(
        probe(&camera.url_with_credentials()),
        Ok(("h264".into(), 320, 180))
    );
}

#[test]
fn a_marker_turns_the_picture_white_then_black() {
    let camera = RtspCamera::start(small());
    let viewer = Brightness::watch(&camera.url());
    wait_until("the reader's first frames", LIMIT, || {
        viewer.frames.load(Ordering::Acquire) >= 5
    });
    let pattern = viewer.mean();
    assert!((50..=200).contains(&pattern), "the test pattern: {pattern}");

    let set = camera.marker(Marker::White);
    let white = viewer.wait("a white picture", set, |mean| mean > 200);
    let set = camera.marker(Marker::Black);
    let black = viewer.wait("a black picture", set, |mean| mean < 50);
    let set = camera.marker(Marker::Off);
    viewer.wait("the pattern again", set, |mean| (50..=200).contains(&mean));
    eprintln!("marker to decoded frame: white {white:?}, black {black:?}");
}

#[test]
fn a_stopped_camera_serves_again_after_restart() {
    let mut camera = RtspCamera::start(small());
    let (url, port) = (camera.url(), camera.port());
    let viewer = ffmpeg(&url, &["-f", "null", "-"]);
    camera.wait_sessions(1, LIMIT);

    camera.stop();
    assert_eq!(camera.sessions(), 0);
    assert!(probe(&url).is_err(), "a stopped camera serves nothing");
    drop(viewer);

    camera.restart();
    assert_eq!(camera.port(), port, "the same port after a restart");
    assert_eq!(probe(&url), Ok(("h264".into(), 320, 180)));
    camera.wait_sessions(0, LIMIT);
    assert_eq!(camera.sessions_total(), 2);
}
