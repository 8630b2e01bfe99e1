//! Tests against a real transport stream made by ffmpeg (H.264 + AAC, 2 s,
//! 25 fps, a keyframe every 25 frames), generated once per test run.

use std::collections::HashMap;
use std::process::Command;
use std::sync::OnceLock;

use super::hostile_tests::{exercise, mutate};
use super::keyframe::contains_keyframe;
use super::testutil::Rng;
use super::*;

/// Four seconds at 90 kHz: the shift used to loop the 2 s clip.
const FOUR_SECONDS: u64 = 4 * 90_000;

/// The ffmpeg-made stream. Fails (never skips) when ffmpeg is missing.
fn real_ts() -> &'static [u8] {
    static TS: OnceLock<Vec<u8>> = OnceLock::new();
    TS.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("clip.ts");
        let status = Command::new("ffmpeg")
            .args([
                "-v",
                "error",
                "-f",
                "lavfi",
                "-i",
                "testsrc2=size=320x240:rate=25",
            ])
            .args(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"])
            .args([
                "-t", "2", "-c:v", "libx264", "-preset", "veryfast", "-g", "25",
            ])
            .args(["-c:a", "aac", "-f", "mpegts"])
            .arg(&out)
            .status();
        match status {
            Ok(s) if s.success() => {}
            Ok(s) => panic!("ffmpeg failed to make the test stream ({s})"),
            Err(e) => panic!("ffmpeg not runnable ({e}); install ffmpeg: apt-get install ffmpeg"),
        }
        std::fs::read(&out).expect("read ffmpeg output")
    })
}

fn packets(ts: &[u8]) -> impl Iterator<Item = Packet<'_>> {
    ts.chunks(PACKET_SIZE).filter_map(Packet::new)
}

fn video_pid(ts: &[u8]) -> u16 {
    let mut t = Tracker::new();
    t.observe(ts);
    t.video_pid().expect("video PID")
}

#[test]
fn real_file_is_whole_packets_and_continuous() {
    let ts = real_ts();
    assert!(ts.len() > 100 * PACKET_SIZE);
    let r = check(ts);
    assert_eq!(r.misaligned_at, None);
    assert_eq!(r.packets as usize, ts.len() / PACKET_SIZE);
    assert!(r.cc_errors.is_empty(), "{:?}", r.cc_errors);
}

#[test]
fn real_file_aligner_passes_through_any_chunking() {
    let ts = real_ts();
    for size in [1, 100, 188, 7000] {
        let mut a = Aligner::new();
        let mut out = Vec::with_capacity(ts.len());
        for chunk in ts.chunks(size) {
            out.extend_from_slice(&a.push(chunk));
        }
        assert!(out == ts, "chunk size {size}: output differs");
        assert_eq!(a.junk_bytes(), 0);
        assert_eq!(a.packet_bytes(), ts.len() as u64);
        assert!(a.synced());
    }
}

#[test]
fn real_file_junk_is_dropped_and_sync_recovers() {
    let ts = real_ts();
    let mut rng = Rng::new(3);
    let mut junk = rng.bytes(5000);
    junk[0] = 0; // so the packet boundary visibly loses sync
    let cut = 300 * PACKET_SIZE;

    // Junk between packets: exactly the junk disappears.
    let mut input = ts[..cut].to_vec();
    input.extend_from_slice(&junk);
    input.extend_from_slice(&ts[cut..]);
    for size in [1, 100, 188, 7000] {
        let mut a = Aligner::new();
        let mut out = Vec::new();
        for chunk in input.chunks(size) {
            out.extend_from_slice(&a.push(chunk));
        }
        assert!(out == ts, "chunk size {size}: output differs");
        assert_eq!(a.junk_bytes(), junk.len() as u64);
        assert!(a.synced());
    }

    // Junk inside a packet: that packet is damaged, the rest comes through.
    let mid = cut + 50;
    let mut input = ts[..mid].to_vec();
    input.extend_from_slice(&junk);
    input.extend_from_slice(&ts[mid..]);
    let mut a = Aligner::new();
    let mut out = Vec::new();
    for chunk in input.chunks(1316) {
        out.extend_from_slice(&a.push(chunk));
    }
    assert_eq!(out.len() % PACKET_SIZE, 0);
    assert!(out.starts_with(&ts[..cut]));
    assert!(out.ends_with(&ts[cut + PACKET_SIZE..]));
    assert!(a.junk_bytes() >= junk.len() as u64 - PACKET_SIZE as u64);
    assert_eq!(a.junk_bytes() + a.packet_bytes(), input.len() as u64);
    assert!(a.synced());
}

#[test]
fn real_file_tracker_finds_h264_keyframes_and_psi() {
    let ts = real_ts();
    let mut t = Tracker::new();
    let mut keyframes = Vec::new();
    for (i, p) in ts.chunks(PACKET_SIZE).enumerate() {
        if t.observe(p).is_some() {
            keyframes.push(i * PACKET_SIZE);
        }
    }
    let video = t.video_pid().expect("video PID");
    assert_eq!(t.video_codec(), Some(VideoCodec::H264));
    let frames = packets(ts).filter(|p| p.pid() == video && p.pusi()).count();
    assert_eq!(frames, 50, "2 s at 25 fps");
    assert!(
        (2..=3).contains(&keyframes.len()),
        "keyframes at {keyframes:?} for {frames} frames"
    );
    assert_eq!(keyframes[0] / PACKET_SIZE, first_video_packet(ts, video));

    // The whole file at once reports the last keyframe.
    let mut whole = Tracker::new();
    assert_eq!(whole.observe(ts), keyframes.last().copied());

    let psi = t.psi().expect("PAT and PMT seen");
    assert_eq!(psi.len(), 2 * PACKET_SIZE);
    let pat = Packet::new(&psi[..PACKET_SIZE]).unwrap();
    assert_eq!(pat.pid(), 0);
    assert!(pat.pusi());
    let pmt = Packet::new(&psi[PACKET_SIZE..]).unwrap();
    assert_ne!(pmt.pid(), video);
    assert!(t.last_counters().iter().any(|&(pid, _)| pid == video));
}

fn first_video_packet(ts: &[u8], video: u16) -> usize {
    packets(ts)
        .position(|p| p.pid() == video && p.pusi())
        .unwrap()
}

#[test]
fn real_file_keyframe_nal_scan_agrees_with_random_access_flag() {
    let ts = real_ts();
    let video = video_pid(ts);
    let mut flagged = 0;
    for p in packets(ts).filter(|p| p.pid() == video && p.pusi()) {
        let payload = p.payload();
        let h = pes::parse(payload).expect("video PES header");
        let es = payload.get(h.data_at..).unwrap_or(&[]);
        assert_eq!(contains_keyframe(VideoCodec::H264, es), p.random_access());
        flagged += usize::from(p.random_access());
    }
    assert!(flagged >= 2);

    // With every random_access_indicator cleared, NAL scanning alone finds them.
    let mut cleared = ts.to_vec();
    for p in cleared.chunks_mut(PACKET_SIZE) {
        if Packet::new(p).is_some_and(|q| q.random_access()) {
            p[5] &= !0x40;
        }
    }
    let found = |s: &[u8]| {
        let mut t = Tracker::new();
        s.chunks(PACKET_SIZE)
            .enumerate()
            .filter(|(_, p)| t.observe(p).is_some())
            .count()
    };
    assert_eq!(found(&cleared), found(ts));
}

#[test]
fn real_file_shifted_loop_is_continuous() {
    let ts = real_ts();
    let video = video_pid(ts);
    let mut t = Tracker::new();
    t.observe(ts);
    let mut cc: HashMap<u16, u8> = t.last_counters().into_iter().collect();

    let pts: Vec<u64> = packets(ts).filter_map(|p| pes_pts(p.bytes())).collect();
    let span = pts.iter().max().unwrap() - pts.iter().min().unwrap();
    assert!(span < FOUR_SECONDS, "clip longer than the shift: {span}");

    let mut looped = ts.to_vec();
    for chunk in ts.chunks(PACKET_SIZE) {
        let mut p = chunk.to_vec();
        shift_timestamps(&mut p, FOUR_SECONDS);
        let q = Packet::new(&p).unwrap();
        let (pid, payload) = (q.pid(), q.has_payload());
        if let Some(c) = cc.get_mut(&pid) {
            *c = if payload { (*c + 1) & 0x0F } else { *c };
            set_continuity_counter(&mut p, *c);
        }
        looped.extend_from_slice(&p);
    }
    let r = check(&looped);
    assert_eq!(r.misaligned_at, None);
    assert!(r.cc_errors.is_empty(), "{:?}", r.cc_errors);

    // Timestamps moved by exactly the shift, PCR included.
    let second = &looped[ts.len()..];
    let first_video_pts = |s: &[u8]| {
        packets(s)
            .find(|p| p.pid() == video && p.pusi())
            .and_then(|p| pes_pts(p.bytes()))
            .unwrap()
    };
    assert_eq!(first_video_pts(second), first_video_pts(ts) + FOUR_SECONDS);
    let first_pcr = |s: &[u8]| packets(s).find_map(|p| p.pcr()).unwrap();
    assert_eq!(first_pcr(second), first_pcr(ts) + FOUR_SECONDS);
    let shifted: Vec<u64> = packets(second).filter_map(|p| pes_pts(p.bytes())).collect();
    assert_eq!(shifted.len(), pts.len());
    assert!(pts
        .iter()
        .zip(&shifted)
        .all(|(a, b)| a + FOUR_SECONDS == *b));
}

#[test]
fn real_file_raw_concat_needs_discontinuity_markers() {
    let ts = real_ts();
    let base = check(ts);
    let raw = [ts, ts].concat();
    assert!(
        !check(&raw).cc_errors.is_empty(),
        "raw concat should break counters"
    );

    // One marker per PID, announcing the counter its first packet will carry.
    let mut markers = Vec::new();
    let mut seen = Vec::new();
    for p in packets(ts) {
        if p.pid() != NULL_PID && !seen.contains(&p.pid()) {
            seen.push(p.pid());
            let cc = p.continuity_counter();
            let next = if p.has_payload() {
                cc
            } else {
                cc.wrapping_add(1)
            };
            markers.extend_from_slice(&discontinuity_marker(p.pid(), next));
        }
    }
    let fixed = [ts, &markers[..], ts].concat();
    let r = check(&fixed);
    assert_eq!(r.misaligned_at, None);
    assert!(r.cc_errors.is_empty(), "{:?}", r.cc_errors);
    assert_eq!(
        r.discontinuities,
        2 * base.discontinuities + seen.len() as u64
    );
    let first_marker = ts.len() as u64;
    assert!(r.discontinuity_offsets.contains(&first_marker));
}

#[test]
fn real_file_mutations_never_panic() {
    let ts = real_ts();
    let mut rng = Rng::new(11);
    // A clean pass keeps every packet.
    assert!(exercise(&mut rng, ts) == ts);
    for _ in 0..12 {
        let start = rng.below(ts.len() - 20_000);
        let mut data = ts[start..start + 20_000].to_vec();
        mutate(&mut rng, &mut data);
        exercise(&mut rng, &data);
    }
}
