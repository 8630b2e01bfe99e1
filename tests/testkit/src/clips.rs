//! Clips the simulated panel can serve besides its built-in three, made with
//! ffmpeg when a test asks (a few seconds of encoding): an HEVC 1080p one
//! and an interlaced 576i one, muxed like `scripts/make-clips` muxes the
//! built-in clips (4 s, closed 25-frame GOPs, one frame per PES) so they loop
//! as cleanly. Fails loudly when ffmpeg (with libx265) is missing: CI
//! installs it.

use std::process::Command;
use streamforge_sim::Clip;

/// 1920x1080p25 HEVC Main + AAC stereo.
pub fn hevc_fhd() -> Clip {
    make(
        "1920x1080",
        &[
            "-c:v",
            "libx265",
            "-preset",
            "ultrafast",
            "-x265-params",
            "keyint=25:min-keyint=25:scenecut=0:open-gop=0:log-level=error",
            "-b:v",
            "900k",
        ],
    )
}

/// 720x576i25 H.264 (top field first, interlaced coding) + AAC stereo.
pub fn interlaced_sd() -> Clip {
    make(
        "720x576",
        &[
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-flags",
            "+ilme+ildct+cgop",
            "-x264-params",
            "tff=1:keyint=25:min-keyint=25:scenecut=0:open-gop=0",
            "-b:v",
            "400k",
        ],
    )
}

fn make(size: &str, video: &[&str]) -> Clip {
    let dir = tempfile::tempdir().expect("a temporary dir");
    let out = dir.path().join("clip.ts");
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
        .args(["-f", "lavfi", "-i"])
        .arg(format!("testsrc2=size={size}:rate=25:duration=4"))
        .args(["-f", "lavfi", "-i"])
        // Two AAC frames short of the video, as the built-in clips.
        .arg("sine=frequency=1000:sample_rate=48000:duration=3.957333")
        .args([
            "-map", "0:v", "-map", "1:a", "-pix_fmt", "yuv420p", "-threads", "1",
        ])
        .args(video)
        .args(["-c:a", "aac", "-b:a", "48k", "-ac", "2"])
        .args(["-pes_payload_size", "0", "-f", "mpegts"])
        .arg(&out)
        .status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => panic!("ffmpeg could not make a {size} clip ({s}): {video:?}"),
        Err(e) => panic!("ffmpeg not runnable ({e}); install ffmpeg: apt-get install ffmpeg"),
    }
    let bytes = std::fs::read(&out).expect("read the clip ffmpeg made");
    Clip::from_ts(bytes).expect("ffmpeg's clip is MPEG-TS the simulator takes")
}
