//! The readers against streams ffmpeg makes (libx264, libx265 and its audio
//! encoders), checked against what ffprobe says of the same files. Fails
//! (never skips) when ffmpeg is missing.

use super::*;
use crate::{Packet, Tracker, PACKET_SIZE};
use std::process::Command;

/// One test stream: ffmpeg's video and audio options, and what ffprobe
/// reads of it.
struct Made {
    ts: Vec<u8>,
    probed: serde_like::Probed,
}

/// Makes a short TS with ffmpeg: a test pattern of `size` at `rate`, `video`
/// encoder options, a sine tone with `audio` options.
fn make(size: &str, rate: &str, video: &[&str], audio: &[&str]) -> Made {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("probe.ts");
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-f", "lavfi", "-i"])
        .arg(format!("testsrc2=size={size}:rate={rate}:duration=0.12"))
        .args([
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=48000:duration=0.5",
        ])
        .args(video)
        .args(audio)
        .args(["-f", "mpegts"])
        .arg(&out)
        .status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => panic!("ffmpeg failed to make a test stream ({s}): {video:?} {audio:?}"),
        Err(e) => panic!("ffmpeg not runnable ({e}); install ffmpeg: apt-get install ffmpeg"),
    }
    let probed = serde_like::probe(&out);
    Made {
        ts: std::fs::read(&out).expect("read ffmpeg output"),
        probed,
    }
}

/// ffprobe's view, read from its flat output (no JSON crate in this one).
mod serde_like {
    use std::collections::HashMap;
    use std::path::Path;
    use std::process::Command;

    /// Key=value per stream, video first then audio.
    pub(super) struct Probed {
        pub video: HashMap<String, String>,
        pub audio: HashMap<String, String>,
    }

    pub(super) fn probe(path: &Path) -> Probed {
        let out = Command::new("ffprobe")
            .args(["-v", "error", "-show_streams", "-of", "flat=s=_"])
            .arg(path)
            .output()
            .expect("ffprobe runs (apt-get install ffmpeg)");
        let text = String::from_utf8_lossy(&out.stdout);
        let mut streams: Vec<HashMap<String, String>> = Vec::new();
        for line in text.lines() {
            let Some(rest) = line.strip_prefix("streams_stream_") else {
                continue;
            };
            let Some((index, kv)) = rest.split_once('_') else {
                continue;
            };
            let index: usize = index.parse().unwrap();
            let (k, v) = kv.split_once('=').unwrap();
            if streams.len() <= index {
                streams.resize(index + 1, HashMap::new());
            }
            streams[index].insert(k.to_string(), v.trim_matches('"').to_string());
        }
        let kind = |k: &str| {
            streams
                .iter()
                .find(|s| s.get("codec_type").map(String::as_str) == Some(k))
                .cloned()
                .unwrap_or_default()
        };
        Probed {
            video: kind("video"),
            audio: kind("audio"),
        }
    }
}

/// The data of the first PES on `pid` (its first packet to the next start).
fn first_pes(ts: &[u8], pid: u16) -> Vec<u8> {
    let mut es = Vec::new();
    let mut started = false;
    for p in ts.chunks_exact(PACKET_SIZE).filter_map(Packet::new) {
        if p.pid() != pid {
            continue;
        }
        if p.pusi() {
            if started {
                break;
            }
            started = true;
            let payload = p.payload();
            let header = 9 + usize::from(*payload.get(8).unwrap_or(&0));
            es.extend_from_slice(payload.get(header..).unwrap_or_default());
        } else if started {
            es.extend_from_slice(p.payload());
        }
    }
    es
}

/// Reads `made` with the probe readers and compares with ffprobe.
fn check(made: &Made, codec: VideoCodec) -> (Picture, Sound) {
    let mut t = Tracker::new();
    t.observe(&made.ts);
    let video = t.video_pid().expect("a video PID");
    let audio = t.audio_pids()[0];
    let picture = picture(codec, &first_pes(&made.ts, video)).expect("the SPS reads");
    let sound = sound(&first_pes(&made.ts, audio)).expect("the audio header reads");
    let v = &made.probed.video;
    assert_eq!(
        picture.width.to_string(),
        v["width"],
        "{picture:?} vs {v:?}"
    );
    assert_eq!(
        picture.height.to_string(),
        v["height"],
        "{picture:?} vs {v:?}"
    );
    let a = &made.probed.audio;
    assert_eq!(
        sound.channels.to_string(),
        a["channels"],
        "{sound:?} vs {a:?}"
    );
    assert_eq!(
        sound.sample_rate.to_string(),
        a["sample_rate"],
        "{sound:?} vs {a:?}"
    );
    (picture, sound)
}

fn rate(picture: &Picture) -> f64 {
    picture.frame_rate.expect("the VUI carries timing").fps()
}

#[test]
fn h264_high_720p_with_aac_stereo() {
    let made = make(
        "1280x720",
        "25",
        &[
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-profile:v",
            "high",
        ],
        &["-c:a", "aac", "-ac", "2"],
    );
    let (p, s) = check(&made, VideoCodec::H264);
    assert_eq!((p.profile, p.interlaced, p.tier()), ("High", false, "HD"));
    assert!((rate(&p) - 25.0).abs() < 0.01, "{p:?}");
    assert_eq!(s.codec, "AAC");
}

#[test]
fn h264_baseline_cropped_ntsc_rate_with_mp2_mono() {
    let made = make(
        "640x360",
        "30000/1001",
        &[
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-profile:v",
            "baseline",
        ],
        &["-c:a", "mp2", "-ac", "1", "-ar", "44100"],
    );
    let (p, s) = check(&made, VideoCodec::H264);
    assert_eq!((p.profile, p.height, p.tier()), ("Baseline", 360, "SD"));
    assert!((rate(&p) - 29.97).abs() < 0.01, "{p:?}");
    assert_eq!((s.codec, s.channels), ("MP2", 1));
}

#[test]
fn h264_interlaced_576i_with_ac3_5_1() {
    let made = make(
        "720x576",
        "25",
        &[
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-flags",
            "+ilme+ildct",
            "-x264-params",
            "interlaced=1:tff=1",
        ],
        &["-c:a", "ac3", "-ac", "6"],
    );
    let (p, s) = check(&made, VideoCodec::H264);
    assert!(p.interlaced, "{p:?}");
    assert_eq!(p.tier(), "SD");
    assert_eq!((s.codec, s.channels), ("AC-3", 6));
}

#[test]
fn h264_high_422_1080p_crops_by_its_chroma_units() {
    let made = make(
        "1920x1080",
        "50",
        &[
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv422p",
        ],
        &["-c:a", "eac3", "-ac", "2"],
    );
    let (p, s) = check(&made, VideoCodec::H264);
    assert_eq!((p.profile, p.tier()), ("High 4:2:2", "FHD"));
    assert!((rate(&p) - 50.0).abs() < 0.01, "{p:?}");
    assert_eq!((s.codec, s.channels), ("E-AC-3", 2));
}

#[test]
fn hevc_main_1080p_with_aac_5_1() {
    let made = make(
        "1920x1080",
        "25",
        &[
            "-c:v",
            "libx265",
            "-preset",
            "ultrafast",
            "-x265-params",
            "log-level=error",
        ],
        &["-c:a", "aac", "-ac", "6"],
    );
    let (p, s) = check(&made, VideoCodec::Hevc);
    assert_eq!((p.profile, p.interlaced, p.tier()), ("Main", false, "FHD"));
    assert!((rate(&p) - 25.0).abs() < 0.01, "{p:?}");
    assert_eq!((s.codec, s.channels), ("AAC", 6));
}

#[test]
fn hevc_main10_4k() {
    let made = make(
        "3840x2160",
        "50",
        &[
            "-c:v",
            "libx265",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p10le",
            "-x265-params",
            "log-level=error",
        ],
        &["-c:a", "aac", "-ac", "2"],
    );
    let (p, _) = check(&made, VideoCodec::Hevc);
    assert_eq!((p.profile, p.bit_depth, p.tier()), ("Main 10", 10, "4K"));
    assert!((rate(&p) - 50.0).abs() < 0.01, "{p:?}");
}

#[test]
fn cut_and_hostile_parameter_sets_read_as_nothing() {
    let made = make(
        "1280x720",
        "25",
        &["-c:v", "libx264", "-preset", "ultrafast"],
        &["-c:a", "aac"],
    );
    let mut t = Tracker::new();
    t.observe(&made.ts);
    let es = first_pes(&made.ts, t.video_pid().unwrap());
    let sps_at = es
        .windows(4)
        .position(|w| w[..3] == [0, 0, 1] && w[3] & 0x1F == 7)
        .unwrap();
    // Every cut of the SPS: no panic, and never a wrong size.
    for end in sps_at..sps_at + 40 {
        if let Some(p) = picture(VideoCodec::H264, &es[..end]) {
            assert_eq!((p.width, p.height), (1280, 720));
        }
    }
    let mut rng = crate::testutil::Rng::new(7);
    for _ in 0..2000 {
        let mut bytes = es[sps_at..(sps_at + 64).min(es.len())].to_vec();
        for _ in 0..4 {
            let i = rng.below(bytes.len());
            bytes[i] = rng.below(256) as u8;
        }
        let _ = picture(VideoCodec::H264, &bytes);
        let _ = picture(VideoCodec::Hevc, &bytes);
        let _ = sound(&bytes);
    }
}

#[test]
fn the_tracker_knows_the_format_from_the_first_keyframe_and_reads_a_new_source() {
    let hd = make(
        "1280x720",
        "25",
        &["-c:v", "libx264", "-preset", "ultrafast"],
        &["-c:a", "aac", "-ac", "2"],
    );
    let sd = make(
        "720x576",
        "25",
        &["-c:v", "libx264", "-preset", "ultrafast"],
        &["-c:a", "ac3", "-ac", "6"],
    );
    let mut t = Tracker::new();
    assert!(t.picture().is_none() && t.sound().is_none());
    t.observe(&hd.ts);
    let p = t.picture().expect("read at the first keyframe");
    assert_eq!((p.width, p.height), (1280, 720));
    assert_eq!(t.sound().map(|s| (s.codec, s.channels)), Some(("AAC", 2)));
    let version = t.format_version();
    // The same PIDs with another encoding (a new source): read at its
    // first keyframe once the tracker is told, not before.
    t.observe(&sd.ts);
    assert_eq!(
        t.picture().map(|p| p.width),
        Some(1280),
        "read every 31 keyframes"
    );
    t.read_format_soon();
    t.observe(&sd.ts);
    let p = t.picture().unwrap();
    assert_eq!((p.width, p.height), (720, 576));
    assert_eq!(t.sound().map(|s| (s.codec, s.channels)), Some(("AC-3", 6)));
    assert_ne!(t.format_version(), version);
}
