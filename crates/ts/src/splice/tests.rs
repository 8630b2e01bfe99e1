//! The splicer against streams made by ffmpeg as two different encoders
//! would make them: other PIDs, a clock ten hours away, open GOPs. The
//! spliced result must decode with ffmpeg without a single error line, keep
//! the first source's PIDs and counters, and keep its clock going forward.

use super::*;
use crate::{check, clock::clock_diff, pes_pts, Tracker};
use std::process::Command;

/// A 4 s clip: 320x240 H.264 with B-frames + AAC, made by ffmpeg with `extra` options.
fn clip(extra: &[&str]) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("clip.ts");
    let status = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-f", "lavfi", "-i"])
        .arg("testsrc2=size=320x240:rate=25")
        .args(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"])
        .args([
            "-t", "4", "-c:v", "libx264", "-preset", "veryfast", "-g", "25",
        ])
        .args(["-c:a", "aac", "-b:a", "64k"])
        .args(extra)
        .args(["-f", "mpegts"])
        .arg(&out)
        .status()
        .unwrap_or_else(|e| panic!("ffmpeg not runnable ({e}); apt-get install ffmpeg"));
    assert!(status.success(), "ffmpeg could not make the clip");
    std::fs::read(&out).expect("read the clip")
}

/// Feeds `bytes` in 7-packet chunks (so cuts fall inside access units).
fn feed(s: &mut Splicer, bytes: &[u8], sent: &mut Tracker, out: &mut Vec<u8>) {
    for chunk in bytes.chunks(7 * PACKET_SIZE) {
        let mut pieces = Vec::new();
        s.push(Bytes::copy_from_slice(chunk), sent, &mut pieces);
        for piece in pieces {
            sent.observe(&piece);
            out.extend_from_slice(&piece);
        }
    }
}

/// ffmpeg's error lines decoding `ts` (and remuxing it, which checks DTS order).
fn ffmpeg_errors(ts: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spliced.ts");
    std::fs::write(&path, ts).unwrap();
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-i"])
        .arg(&path)
        .args(["-map", "0", "-c", "copy", "-f", "mpegts", "-y"])
        .arg(dir.path().join("remux.ts"))
        .args(["-map", "0", "-f", "null", "-"])
        .output()
        .expect("ffmpeg runs");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn pids(ts: &[u8]) -> Vec<u16> {
    let mut v: Vec<u16> = ts
        .chunks_exact(PACKET_SIZE)
        .filter_map(Packet::new)
        .map(|p| p.pid())
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// PTS of PES starts on `pid`, in order.
fn stamps(ts: &[u8], pid: u16) -> Vec<u64> {
    ts.chunks_exact(PACKET_SIZE)
        .filter(|p| Packet::new(p).is_some_and(|p| p.pid() == pid))
        .filter_map(pes_pts)
        .collect()
}

/// The second encoder's options: its own PIDs, service and a clock 10 h on.
const OTHER_ENCODER: [&str; 10] = [
    "-mpegts_pmt_start_pid",
    "0x20",
    "-streamid",
    "0:0x31",
    "-streamid",
    "1:0x34",
    "-mpegts_service_id",
    "7",
    "-output_ts_offset",
    "36000",
];

/// A spliced stream: `a` cut off 2.3 s in (inside a picture), then `b`
/// from 1.3 s in (mid-GOP). Returns it, where `b`'s part starts, and where
/// `a`'s clock stood.
fn splice(a: &[u8], b: &[u8]) -> (Vec<u8>, usize, Clock) {
    let mut s = Splicer::new(true, 1 << 20);
    let mut sent = Tracker::new();
    let mut out = Vec::new();
    let cut = (a.len() * 23 / 40) / PACKET_SIZE * PACKET_SIZE + 3 * PACKET_SIZE;
    feed(&mut s, &a[..cut], &mut sent, &mut out);
    let mut tail = Vec::new();
    s.end_source(&sent, &mut tail);
    for piece in tail {
        sent.observe(&piece);
        out.extend_from_slice(&piece);
    }
    let before = out.len();
    let end_a = sent.clock();
    s.begin_source(&sent);
    let join = (b.len() / 3) / PACKET_SIZE * PACKET_SIZE;
    feed(&mut s, &b[join..], &mut sent, &mut out);
    assert!(!s.waiting(), "b started");
    if let Ok(path) = std::env::var("SPLICE_DUMP") {
        std::fs::write(path, &out).unwrap();
    }
    (out, before, end_a)
}

#[test]
fn two_encoders_spliced_mid_picture_play_as_one_programme() {
    let a = clip(&[]);
    // Another encoder: other PIDs and clock, deeper B-frame reordering.
    let mut other = OTHER_ENCODER.to_vec();
    other.extend(["-bf", "4"]);
    let b = clip(&other);
    let (out, before, end_a) = splice(&a, &b);

    let errors = ffmpeg_errors(&out);
    assert!(errors.is_empty(), "ffmpeg reported:\n{errors}");
    assert_eq!(pids(&out), pids(&a), "a's PIDs only");
    let report = check(&out);
    assert!(report.cc_errors.is_empty(), "{:?}", report.cc_errors);
    assert_eq!(report.discontinuities, 0);
    // Pictures and sound go on from where a's ended, forward.
    let mut first = Tracker::new();
    first.observe(&a);
    let (video, audio) = (first.video_pid().unwrap(), first.first_audio_pid().unwrap());
    let after = &out[before..];
    let first_picture = stamps(after, video)[0];
    // The picture waits for the sound, which goes on in whole PES (ffmpeg
    // packs up to 0.35 s of AAC in one): at most that and three frames.
    let gap = clock_diff(first_picture, end_a.video_end.unwrap());
    let most = 3 * 3600 + end_a.audio_step as i64;
    assert!(
        (0..=most).contains(&gap),
        "picture gap {gap} (at most {most})"
    );
    let first_sound = stamps(after, audio)[0];
    let gap = clock_diff(first_sound, end_a.audio_end.unwrap());
    assert!(gap.abs() <= end_a.audio_step as i64, "sound gap {gap}");
}

#[test]
fn an_open_gop_source_starts_without_its_leading_pictures() {
    let a = clip(&[]);
    let mut other = OTHER_ENCODER.to_vec();
    other.extend(["-x264-params", "open-gop=1"]);
    let b = clip(&other);
    let (out, before, _) = splice(&a, &b);
    // b starts at a non-IDR I picture; the B-pictures after it that show
    // before it refer to the GOP before, never sent: none goes out.
    let video = 0x100;
    let after = stamps(&out[before..], video);
    assert!(
        after.iter().all(|&p| clock_diff(p, after[0]) >= 0),
        "{after:?}"
    );
    // So the decoder reports no missing reference. (ffmpeg keeps a's
    // pictures in its reorder buffer across a non-IDR start and may drop
    // or repeat a frame or two of the first GOP; that is its null muxer's
    // complaint, not a decoding error.)
    let errors = ffmpeg_errors(&out);
    assert!(!errors.contains("[h264"), "ffmpeg reported:\n{errors}");
}

#[test]
fn a_source_cut_inside_its_first_picture_sends_none_of_it() {
    // The stream's first chunk brings its tables and the start of its first
    // picture; the source is cut before the picture ends (a panel closing at
    // once). Nothing of that picture may go out: the edge holds it even
    // though what went out had no tables yet to say which PID is video.
    let a = clip(&[]);
    let mut reader = Tracker::new();
    reader.observe(&a);
    let video = reader.video_pid().unwrap();
    let second_picture = a
        .chunks_exact(PACKET_SIZE)
        .enumerate()
        .filter(|(_, p)| Packet::new(p).is_some_and(|p| p.pid() == video && p.pusi()))
        .nth(1)
        .map(|(i, _)| i * PACKET_SIZE)
        .unwrap();
    // Cut a few packets before the second picture starts, in one chunk.
    let first = &a[..second_picture - 3 * PACKET_SIZE];
    let mut s = Splicer::new(true, 1 << 20);
    let mut sent = Tracker::new();
    let mut pieces = Vec::new();
    s.push(Bytes::copy_from_slice(first), &sent, &mut pieces);
    for piece in &pieces {
        sent.observe(piece);
    }
    s.end_source(&sent, &mut pieces);
    let out: Vec<u8> = pieces.iter().flat_map(|p| p.iter().copied()).collect();
    let video_packets = out
        .chunks_exact(PACKET_SIZE)
        .filter(|p| Packet::new(p).is_some_and(|p| p.pid() == video))
        .count();
    assert_eq!(video_packets, 0, "a cut-off first picture went out");
    assert!(
        out.chunks_exact(PACKET_SIZE)
            .any(|p| Packet::new(p).is_some_and(|p| p.pid() == 0)),
        "the tables before it go out"
    );
}
