//! What watching a channel costs per byte: `Tracker::observe` (PAT/PMT,
//! keyframes, and the content counters behind the video-frozen and
//! audio-missing checks) over a real 20 Mbit/s H.264 + AAC clip made by
//! ffmpeg, in the relay's 64 KiB chunks. Prints CPU seconds per GB, the
//! unit the relay bench uses, so the share of the relay's cost is plain.

use std::process::Command;
use std::time::Instant;
use streamforge_ts::{Tracker, PACKET_SIZE};

/// Bytes handed to `observe` at once (the relay's largest chunk, in whole packets).
const CHUNK: usize = 64 * 1024 / PACKET_SIZE * PACKET_SIZE;
/// Passes over the clip per measurement.
const PASSES: usize = 400;

fn clip() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("clip.ts");
    let status = Command::new("ffmpeg")
        .args(["-nostdin", "-y", "-v", "error"])
        .args(["-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=25"])
        .args(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"])
        .args([
            "-t",
            "4",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-g",
            "25",
        ])
        .args(["-b:v", "18M", "-maxrate", "18M", "-bufsize", "18M"])
        .args([
            "-c:a", "aac", "-b:a", "128k", "-f", "mpegts", "-muxrate", "20M",
        ])
        .arg(&out)
        .status()
        .unwrap_or_else(|e| {
            panic!("ffmpeg not found ({e}): install ffmpeg (apt-get install ffmpeg)")
        });
    assert!(status.success(), "ffmpeg could not make the clip");
    std::fs::read(&out).unwrap()
}

/// CPU time of this thread, in seconds.
fn thread_cpu() -> f64 {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let ns: f64 = text
        .split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN);
    ns / 1e9
}

fn main() {
    let bytes = clip();
    let mut best = f64::INFINITY;
    let mut content = Default::default();
    for _ in 0..5 {
        let mut tracker = Tracker::new();
        let (cpu, wall) = (thread_cpu(), Instant::now());
        let mut keyframes = 0;
        for _ in 0..PASSES {
            for chunk in bytes.chunks(CHUNK) {
                keyframes += usize::from(tracker.observe(chunk).is_some());
            }
        }
        let spent = thread_cpu() - cpu;
        let spent = if spent.is_finite() && spent > 0.0 {
            spent
        } else {
            wall.elapsed().as_secs_f64()
        };
        assert!(keyframes > 0, "the clip has keyframes");
        best = best.min(spent);
        content = tracker.content();
    }
    let gb = (bytes.len() * PASSES) as f64 / 1e9;
    println!("Tracker::observe over a 20 Mbit/s H.264 + AAC clip, 64 KiB chunks (best of 5)");
    println!("| bytes | CPU s | CPU s/GB | counted (pictures, audio PES, PTS jumps) |");
    println!("|---|---|---|---|");
    println!(
        "| {:.2} GB | {best:.3} | {:.4} | {}, {}, {} |",
        gb,
        best / gb,
        content.pictures,
        content.audio_frames,
        content.pts_jumps
    );
}
