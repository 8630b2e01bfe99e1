//! Cuts a live MPEG-TS stream (what the relay sends a viewer) into HLS
//! segments at video keyframes and keeps a sliding window of them.
//!
//! A segment begins at a keyframe with the programme's PAT and PMT in front
//! (copies whose counters continue the stream), so a player can start at any
//! segment; it ends where the first keyframe at least [`MIN_SEGMENT`] later
//! begins. Its duration is the distance between the two keyframes' PTS (the
//! wall clock where the PTS jumped, and the segment after a jump is marked as
//! a discontinuity).

use bytes::{Bytes, BytesMut};
use std::collections::VecDeque;
use std::time::Instant;
use streamforge_ts::{clock_diff, fit_copies, pes_pts, Aligner, Packet, Tracker, PACKET_SIZE};

/// The shortest segment cut: the next keyframe at least this far (2 s of the
/// 90 kHz clock) after a segment's start ends it.
const MIN_SEGMENT: i64 = 2 * 90_000;
/// A distance between keyframes outside 0..this (30 s) is a jump, not a
/// duration.
const MAX_SEGMENT: i64 = 30 * 90_000;
/// A segment that grew this large without a keyframe is ended anyway.
const MAX_SEGMENT_BYTES: usize = 32 << 20;
/// Segments the playlist lists.
const LISTED: usize = 6;
/// Segments kept (two more than listed, for players a playlist behind).
const KEPT: usize = LISTED + 2;

/// One finished segment.
#[derive(Clone, Debug)]
pub(crate) struct Segment {
    /// Its media sequence number.
    pub(crate) seq: u64,
    /// The TS bytes.
    pub(crate) bytes: Bytes,
    /// Seconds it plays.
    pub(crate) duration: f64,
    /// Its timestamps do not continue the segment before it.
    pub(crate) discontinuity: bool,
}

/// The segment being filled.
struct Building {
    bytes: BytesMut,
    start_pts: Option<u64>,
    started: Instant,
    discontinuity: bool,
}

/// Live TS in, a sliding window of segments out.
pub(crate) struct Segmenter {
    aligner: Aligner,
    tracker: Tracker,
    building: Option<Building>,
    window: VecDeque<Segment>,
    next_seq: u64,
    /// Discontinuities that left the window (`EXT-X-DISCONTINUITY-SEQUENCE`).
    discontinuities_gone: u64,
}

impl Segmenter {
    /// A segmenter that has seen nothing.
    pub(crate) fn new() -> Segmenter {
        Segmenter {
            aligner: Aligner::new(),
            tracker: Tracker::new(),
            building: None,
            window: VecDeque::new(),
            next_seq: 0,
            discontinuities_gone: 0,
        }
    }

    /// Takes the next bytes of the stream; whether a segment was finished.
    pub(crate) fn push(&mut self, chunk: Bytes, now: Instant) -> bool {
        let data = self.aligner.push_bytes(chunk);
        let mut finished = false;
        // Packet by packet, so every keyframe in the chunk is a cut point.
        let mut from = 0;
        let mut marked = false;
        for at in (0..data.len()).step_by(PACKET_SIZE) {
            let packet = &data[at..at + PACKET_SIZE];
            marked |= marks_discontinuity(packet, self.tracker.video_pid());
            if self.tracker.observe(packet).is_none() {
                continue;
            }
            if let Some(ended) = self.keyframe(&data[from..at], &data[at..], now, marked) {
                finished |= ended;
                from = at;
                marked = false;
            }
        }
        finished | self.append(&data[from..], now)
    }

    /// A keyframe begins `rest`; `before` are the bytes since the last cut.
    /// `None`: no cut here; else a segment begins at it, and whether one
    /// ended (`false` for the first).
    fn keyframe(&mut self, before: &[u8], rest: &[u8], now: Instant, marked: bool) -> Option<bool> {
        let pts = pes_pts(&rest[..PACKET_SIZE]);
        let lasted = match (&self.building, pts) {
            (Some(b), Some(pts)) => b.start_pts.map(|s| clock_diff(pts, s)),
            _ => None,
        };
        let cut = match (&self.building, lasted) {
            (None, _) => true,
            (Some(_), Some(d)) => !(0..MIN_SEGMENT).contains(&d),
            // A keyframe without a PTS, or a segment begun without one.
            (Some(b), None) => now.duration_since(b.started).as_secs_f64() >= 2.0,
        };
        if !cut {
            return None;
        }
        let Some(mut b) = self.building.take() else {
            // The first keyframe: what came before it is dropped.
            self.start(rest, pts, now, false);
            return Some(false);
        };
        b.bytes.extend_from_slice(before);
        let jumped = lasted.is_none_or(|d| !(0..MAX_SEGMENT).contains(&d));
        let duration = match lasted {
            Some(d) if !jumped => d as f64 / 90_000.0,
            _ => now.duration_since(b.started).as_secs_f64(),
        };
        self.finish(b, duration);
        self.start(rest, pts, now, jumped || marked);
        Some(true)
    }

    /// Adds `data` to the segment under way (none yet: it is before the
    /// first keyframe and dropped).
    fn append(&mut self, data: &[u8], now: Instant) -> bool {
        let Some(b) = self.building.as_mut() else {
            return false;
        };
        b.bytes.extend_from_slice(data);
        if b.bytes.len() < MAX_SEGMENT_BYTES {
            return false;
        }
        let b = self.building.take().expect("checked above");
        let duration = now.duration_since(b.started).as_secs_f64();
        self.finish(b, duration);
        self.building = Some(Building {
            bytes: BytesMut::new(),
            start_pts: None,
            started: now,
            discontinuity: true,
        });
        true
    }

    /// Begins a segment at a keyframe with PAT and PMT (their counters fit
    /// to `following`, the stream from the keyframe on, which is appended
    /// after).
    fn start(&mut self, following: &[u8], pts: Option<u64>, now: Instant, discontinuity: bool) {
        let mut bytes = BytesMut::with_capacity(1 << 20);
        if let Some(psi) = self.tracker.psi() {
            let tracker = &self.tracker;
            bytes.extend_from_slice(&fit_copies(&psi, following, |pid| tracker.counter(pid)));
        }
        self.building = Some(Building {
            bytes,
            start_pts: pts,
            started: now,
            discontinuity,
        });
    }

    /// Puts a finished segment in the window, letting the oldest go.
    fn finish(&mut self, b: Building, duration: f64) {
        self.window.push_back(Segment {
            seq: self.next_seq,
            bytes: b.bytes.freeze(),
            duration,
            discontinuity: b.discontinuity,
        });
        self.next_seq += 1;
        while self.window.len() > KEPT {
            if self.window.pop_front().is_some_and(|s| s.discontinuity) {
                self.discontinuities_gone += 1;
            }
        }
    }

    /// Segment `seq`, while it is kept.
    pub(crate) fn segment(&self, seq: u64) -> Option<Bytes> {
        self.window
            .iter()
            .find(|s| s.seq == seq)
            .map(|s| s.bytes.clone())
    }

    /// Whether any segment is finished.
    pub(crate) fn ready(&self) -> bool {
        !self.window.is_empty()
    }

    /// The live playlist of the newest [`LISTED`] segments; `url(seq)` names
    /// each.
    pub(crate) fn playlist(&self, url: impl Fn(u64) -> String) -> String {
        let skip = self.window.len().saturating_sub(LISTED);
        let listed: Vec<&Segment> = self.window.iter().skip(skip).collect();
        let target = listed
            .iter()
            .map(|s| s.duration.round() as u64)
            .max()
            .unwrap_or(2)
            .max(1);
        let first = listed.first().map_or(self.next_seq, |s| s.seq);
        let dropped_marks = self.discontinuities_gone
            + self
                .window
                .iter()
                .take(skip)
                .filter(|s| s.discontinuity)
                .count() as u64;
        let mut out = format!(
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:{target}\n\
             #EXT-X-MEDIA-SEQUENCE:{first}\n#EXT-X-DISCONTINUITY-SEQUENCE:{dropped_marks}\n"
        );
        for s in listed {
            if s.discontinuity {
                out.push_str("#EXT-X-DISCONTINUITY\n");
            }
            out.push_str(&format!("#EXTINF:{:.3},\n{}\n", s.duration, url(s.seq)));
        }
        out
    }
}

/// Whether a video packet in `data` carries the discontinuity indicator (the
/// relay marks a picture whose timestamps do not continue).
fn marks_discontinuity(data: &[u8], video: Option<u16>) -> bool {
    let Some(video) = video else {
        return false;
    };
    data.chunks_exact(PACKET_SIZE)
        .filter_map(Packet::new)
        .any(|p| p.pid() == video && p.has_adaptation() && p.discontinuity())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// `seconds` of the relay-shaped test clip (keyframe every second).
    fn clip() -> Bytes {
        let dir = std::env::temp_dir().join(format!("sf-hls-out-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let out = dir.join("clip.ts");
        let status = std::process::Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
            .arg("testsrc=size=160x90:rate=25:duration=9")
            .args(["-f", "lavfi", "-i", "sine=frequency=440:duration=9"])
            .args([
                "-c:v",
                "libx264",
                "-g",
                "25",
                "-keyint_min",
                "25",
                "-c:a",
                "aac",
            ])
            .args(["-f", "mpegts"])
            .arg(&out)
            .status()
            .unwrap_or_else(|e| panic!("ffmpeg not runnable ({e}); apt-get install ffmpeg"));
        assert!(status.success());
        Bytes::from(std::fs::read(&out).unwrap())
    }

    #[test]
    fn segments_begin_at_keyframes_with_tables_and_last_their_pictures() {
        let ts = clip();
        let mut s = Segmenter::new();
        let t0 = Instant::now();
        // Odd-sized chunks: packets split across pushes.
        for (i, chunk) in ts.chunks(50_000 + 7).enumerate() {
            s.push(
                Bytes::copy_from_slice(chunk),
                t0 + Duration::from_millis(i as u64 * 100),
            );
        }
        // 9 s at a keyframe a second, segments of at least 2 s: four finished
        // (the fifth is under way).
        assert_eq!(
            s.window.len(),
            4,
            "{:?}",
            s.window.iter().map(|x| x.duration).collect::<Vec<_>>()
        );
        for seg in &s.window {
            assert!((seg.duration - 2.0).abs() < 0.05, "{}", seg.duration);
            assert!(!seg.discontinuity);
            let first = Packet::new(&seg.bytes[..PACKET_SIZE]).unwrap();
            assert_eq!(first.pid(), 0, "a PAT first");
            let report = streamforge_ts::check(&seg.bytes);
            assert!(report.cc_errors.is_empty(), "{:?}", report.cc_errors);
        }
        let playlist = s.playlist(|n| format!("/hls/t/{n}.ts"));
        assert!(playlist.contains("#EXT-X-TARGETDURATION:2\n"), "{playlist}");
        assert!(playlist.contains("#EXT-X-MEDIA-SEQUENCE:0\n"), "{playlist}");
        assert!(
            playlist.contains("#EXTINF:2.000,\n/hls/t/3.ts\n"),
            "{playlist}"
        );
        assert!(s.segment(3).is_some() && s.segment(4).is_none());
    }

    #[test]
    fn the_window_slides_and_a_jump_is_a_discontinuity() {
        let ts = clip();
        let mut s = Segmenter::new();
        let t0 = Instant::now();
        // The clip five times over: each loop starts its timestamps again.
        for round in 0..5u64 {
            for (i, chunk) in ts.chunks(188 * 100).enumerate() {
                let at = t0 + Duration::from_millis(round * 9000 + i as u64 * 50);
                s.push(Bytes::copy_from_slice(chunk), at);
            }
        }
        assert_eq!(s.window.len(), KEPT);
        assert!(s.segment(0).is_none(), "the oldest went");
        let playlist = s.playlist(|n| format!("{n}.ts"));
        let listed = playlist.lines().filter(|l| l.ends_with(".ts")).count();
        assert_eq!(listed, LISTED, "{playlist}");
        assert!(playlist.contains("#EXT-X-DISCONTINUITY\n"), "{playlist}");
        let first: u64 = playlist
            .lines()
            .find_map(|l| l.strip_prefix("#EXT-X-MEDIA-SEQUENCE:"))
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(first, s.next_seq - LISTED as u64);
    }
}
