//! HLS made with ffmpeg at test time (its `hls` muxer: 1 s H.264 + AAC
//! segments of a test pattern), served live by the simulated HLS origin.
//! Fails loudly when ffmpeg is missing: CI installs it.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use streamforge_sim::hls::{read_ffmpeg_playlist, HlsSegment};
use streamforge_sim::SimHls;

/// Seconds of media looped (six 1 s segments).
pub const LOOP_SECONDS: u32 = 6;

/// The segments, made once per test process.
pub fn segments() -> Vec<HlsSegment> {
    static MADE: OnceLock<Vec<HlsSegment>> = OnceLock::new();
    MADE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temp dir");
        make_segments(dir.path(), "640x360", "600k")
    })
    .clone()
}

/// A simulated HLS origin serving [`segments`].
pub fn origin() -> SimHls {
    SimHls::start_blocking(segments())
}

/// Adds `origin`'s M3U to the data dir `data` as account `hls` (allowing
/// `connections`) and its guide as `origin`, then syncs and matches.
pub fn add_origin(data: &Path, origin: &SimHls, connections: u32) {
    let url = origin.playlist_url();
    let connections = connections.to_string();
    crate::cli(
        data,
        &[
            "account",
            "add",
            "hls",
            "--provider",
            "m3u",
            "--url",
            &url,
            "--max-connections",
            &connections,
        ],
    );
    crate::cli(data, &["guide", "add", "origin", &origin.guide_url()]);
    crate::cli(data, &["sync"]);
    crate::cli(data, &["match"]);
}

/// [`LOOP_SECONDS`] of 1 s segments of a `size` test pattern with video at
/// `bitrate` (ffmpeg's `-b:v`), made in `dir` and read back.
pub fn make_segments(dir: &Path, size: &str, bitrate: &str) -> Vec<HlsSegment> {
    let seconds = LOOP_SECONDS.to_string();
    let source = format!("testsrc2=size={size}:rate=25");
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-v", "error", "-y"])
        .args(["-f", "lavfi", "-i", &source])
        .args(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"])
        .args(["-t", &seconds])
        .args(["-c:v", "libx264", "-preset", "ultrafast", "-g", "25"])
        .args(["-keyint_min", "25", "-sc_threshold", "0", "-b:v", bitrate])
        .args(["-c:a", "aac", "-b:a", "96k"])
        .args(["-f", "hls", "-hls_time", "1", "-hls_list_size", "0"])
        .arg("-hls_segment_filename")
        .arg(dir.join("s%03d.ts"))
        .arg(dir.join("index.m3u8"))
        .stdin(Stdio::null())
        .output()
        .expect("ffmpeg is needed: apt-get install ffmpeg");
    assert!(
        out.status.success(),
        "ffmpeg could not make HLS: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    read_ffmpeg_playlist(&dir.join("index.m3u8")).expect("ffmpeg's HLS output")
}
