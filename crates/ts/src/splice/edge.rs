//! Clean ends: the stream going out is held back from the start of the
//! earliest access unit not yet known whole (a video picture until the next
//! one begins, an audio PES until its announced length arrived), so a source
//! cut off by a close, a stall or junk leaves nothing half-sent: what was
//! held is dropped. Muxers send a picture's sound after it (by up to the mux
//! delay), so a picture is also held until the sound that plays with it has
//! come (at most [`ALIGN_MAX`] ahead of it), and [`Edge::cut`] sends that
//! held sound: the whole audio PES that play before the last picture sent
//! ends. Sound and pictures sent then end together, and the next source's
//! sound can continue the old one where the pictures continue. (Measured:
//! without the hold the sound sent ended 107 ms before the pictures after a
//! stall, as the sound of the last pictures never came; without the top-up,
//! 176 ms before after a frozen picture.)
//!
//! Holding costs one look at each packet's PID (and a PES header per
//! picture and audio frame); the bytes themselves are never copied, only
//! sliced. What is held is bounded: past `max_held` bytes everything goes
//! out as it comes until the next picture starts. A picture that stops
//! coming in the middle (the video PID falls silent while sound and tables
//! flow) holds the stream back until the relay fails the source over (its
//! frozen-picture check fires after the stall time): sound running on alone
//! makes mpv warn of an A-V desync (measured: `Audio/Video desynchronisation
//! detected!` after a 1.8 s frozen picture), a short silence does not. Only
//! past [`STUCK_AFTER`], longer than any detection, is the picture dropped
//! and the sound let go on; should pictures come back, the first one is
//! marked as a discontinuity.

use crate::clock::{clock_add, clock_diff, AudioPace};
use crate::{discontinuity_marker, pes, Packet, PACKET_SIZE};
use bytes::{Bytes, BytesMut};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// A picture is held for its sound at most this far ahead of the sound
/// (0.5 s, more than muxers' usual lead and well within the relay's
/// frozen-picture check): a programme whose sound lags further does not hold
/// pictures.
const ALIGN_MAX: i64 = 45_000;

/// A picture under way whose PID brought nothing for this long is given up.
pub(crate) const STUCK_AFTER: Duration = Duration::from_secs(10);

/// A PES under way: where it starts and how many bytes it still lacks
/// (`None`: unbounded, whole when the next one on its PID starts).
#[derive(Clone, Copy, Debug)]
struct Open {
    start: u64,
    left: Option<usize>,
}

/// The held back end of the stream.
#[derive(Debug, Default)]
pub(crate) struct Edge {
    /// Bytes pushed and not released, in order.
    held: VecDeque<Bytes>,
    held_bytes: usize,
    /// Stream position of the first held byte.
    base: u64,
    video_pid: Option<u16>,
    audio_pid: Option<u16>,
    video: Option<Open>,
    audio: Option<Open>,
    /// The audio PES starts seen (for where a whole one ends).
    pace: AudioPace,
    /// Where the sound that came so far ends (its latest whole PES).
    audio_end: Option<u64>,
    /// Pictures (start, PTS) the sound has not reached yet, oldest first.
    ahead: VecDeque<(u64, u64)>,
    max_held: usize,
    /// When the video PID last brought a packet.
    video_seen: Option<Instant>,
    /// The PTS of the newest picture begun (how far the pictures reached).
    newest_picture: Option<u64>,
    /// A stuck picture was dropped: video packets are dropped until the next
    /// picture starts, which is marked.
    stuck: bool,
    /// [`STUCK_AFTER`], shorter in tests.
    stuck_after: Duration,
}

impl Edge {
    /// An edge holding at most `max_held` bytes.
    pub(crate) fn new(max_held: usize) -> Edge {
        Edge {
            max_held,
            stuck_after: STUCK_AFTER,
            ..Edge::default()
        }
    }

    /// Follows the programme's video and first audio PID (as announced to viewers).
    pub(crate) fn follow(&mut self, video: Option<u16>, audio: Option<u16>) {
        if video != self.video_pid {
            self.video_pid = video;
            self.video = None;
            self.newest_picture = None;
            self.ahead.clear();
        }
        if audio != self.audio_pid {
            self.audio_pid = audio;
            self.audio = None;
            self.audio_end = None;
            self.ahead.clear();
        }
    }

    /// Takes `packets` (whole packets); appends to `out` what may go out now.
    pub(crate) fn push(&mut self, packets: Bytes, out: &mut Vec<Bytes>) {
        if packets.is_empty() {
            return;
        }
        let packets = match (self.stuck, self.video_pid) {
            (true, Some(video)) => self.after_stuck(&packets, video),
            _ => packets,
        };
        let at = self.base + self.held_bytes as u64;
        if self.video_pid.is_some() || self.audio_pid.is_some() {
            let mut video = false;
            for (i, raw) in packets.chunks_exact(PACKET_SIZE).enumerate() {
                if let Some(p) = Packet::new(raw) {
                    video |= self.scan(&p, at + (i * PACKET_SIZE) as u64);
                }
            }
            // One clock read per push, not per packet.
            if video {
                self.video_seen = Some(Instant::now());
            }
        }
        let stuck = self.video.is_some()
            && self
                .video_seen
                .is_some_and(|t| t.elapsed() > self.stuck_after);
        if stuck {
            self.give_up_picture();
        }
        self.held_bytes += packets.len();
        self.held.push_back(packets);
        let end = self.base + self.held_bytes as u64;
        let mut until = end;
        for open in [self.video, self.audio].into_iter().flatten() {
            until = until.min(open.start);
        }
        if self.sound_quiet() {
            self.ahead.clear();
        }
        while let Some(&(start, pts)) = self.ahead.front() {
            // No sound yet, or sound far behind: nothing to wait for.
            let lead = self.audio_end.map_or(-1, |a| clock_diff(pts, a));
            if !(0..=ALIGN_MAX).contains(&lead) {
                self.ahead.pop_front();
                continue;
            }
            until = until.min(start);
            break;
        }
        if stuck || self.held_bytes > self.max_held {
            // A stuck picture, or too much held (a huge picture, or one that
            // never ends): let it all go.
            until = end;
            self.video = None;
            self.audio = None;
            self.ahead.clear();
        }
        self.release(until, out);
    }

    /// The source is cut off: what is held is dropped, all but the whole
    /// audio PES (in order, from the first held) that start before
    /// `pictures_end`, where the pictures sent end; those go to `out`. What
    /// follows is a new start.
    pub(crate) fn cut(&mut self, pictures_end: Option<u64>, out: &mut Vec<Bytes>) {
        if let (Some(audio), Some(end)) = (self.audio_pid, pictures_end) {
            let sound = self.sound_before(audio, end);
            if !sound.is_empty() {
                out.push(sound);
            }
        }
        self.base += self.held_bytes as u64;
        self.held.clear();
        self.held_bytes = 0;
        self.video = None;
        self.audio = None;
        self.pace = AudioPace::default();
        self.audio_end = None;
        self.ahead.clear();
        self.stuck = false;
        self.video_seen = None;
        self.newest_picture = None;
    }

    /// The held packets of `audio` that make whole PES starting before
    /// `end`, up to the first that does not (so its counters stay unbroken).
    fn sound_before(&self, audio: u16, end: u64) -> Bytes {
        let mut out = BytesMut::new();
        let mut pes = BytesMut::new();
        let mut keep = false;
        let packets = self
            .held
            .iter()
            .flat_map(|b| b.chunks_exact(PACKET_SIZE))
            .filter_map(Packet::new)
            .filter(|p| p.pid() == audio);
        for p in packets {
            if p.pusi() {
                if keep {
                    out.extend_from_slice(&pes);
                }
                pes.clear();
                let (_, pts) = pes_start(&p);
                keep = pts.is_some_and(|t| clock_diff(end, t) > 0);
                if !keep {
                    break;
                }
            } else if pes.is_empty() {
                // The rest of a PES that began before the held bytes: it
                // went out with its start, its end is held; never the case,
                // as the open PES is where holding starts.
                continue;
            }
            pes.extend_from_slice(p.bytes());
        }
        // The last PES counts only when whole (its announced length came).
        if keep && !pes.is_empty() {
            let whole = Packet::new(&pes[..PACKET_SIZE])
                .map(|p| pes_start(&p).0)
                .is_some_and(|len| {
                    len.is_some_and(|len| {
                        let got: usize = pes
                            .chunks_exact(PACKET_SIZE)
                            .filter_map(Packet::new)
                            .map(|p| p.payload().len())
                            .sum();
                        got >= len
                    })
                });
            if whole {
                out.extend_from_slice(&pes);
            }
        }
        out.freeze()
    }

    /// Bytes held back now.
    pub(crate) fn held(&self) -> usize {
        self.held_bytes
    }

    /// The picture under way stopped coming: its packets are dropped from
    /// what is held, and so are its later ones until the next picture.
    fn give_up_picture(&mut self) {
        let (Some(open), Some(video)) = (self.video.take(), self.video_pid) else {
            return;
        };
        let mut at = self.base;
        for segment in self.held.iter_mut() {
            let start = at;
            at += segment.len() as u64;
            if at <= open.start {
                continue;
            }
            let mut kept = BytesMut::with_capacity(segment.len());
            for (i, raw) in segment.chunks_exact(PACKET_SIZE).enumerate() {
                let dropped = start + (i * PACKET_SIZE) as u64 >= open.start
                    && Packet::new(raw).is_some_and(|p| p.pid() == video);
                if !dropped {
                    kept.extend_from_slice(raw);
                }
            }
            *segment = kept.freeze();
        }
        self.held_bytes = self.held.iter().map(Bytes::len).sum();
        self.stuck = true;
    }

    /// `packets` after a stuck picture: its video packets dropped until the
    /// next picture, which gets a discontinuity marker before it.
    fn after_stuck(&mut self, packets: &Bytes, video: u16) -> Bytes {
        let mut out = BytesMut::with_capacity(packets.len() + PACKET_SIZE);
        for raw in packets.chunks_exact(PACKET_SIZE) {
            match Packet::new(raw).filter(|p| p.pid() == video) {
                Some(p) if self.stuck && p.pusi() => {
                    self.stuck = false;
                    out.extend_from_slice(&discontinuity_marker(video, p.continuity_counter()));
                    out.extend_from_slice(raw);
                }
                Some(_) if self.stuck => {}
                _ => out.extend_from_slice(raw),
            }
        }
        out.freeze()
    }

    /// The sound stopped (its PID fell silent, or never spoke) while pictures
    /// come: the newest picture is further ahead of the sound's end than
    /// any muxer's lead. Measured in stream time, not by the clock, so a
    /// relay thread that reads late under load (a tail of pictures read
    /// alone, 200 ms after the last sound) still holds them for their sound.
    fn sound_quiet(&self) -> bool {
        match (self.newest_picture, self.audio_end) {
            (_, None) => true,
            (Some(pts), Some(sound)) => clock_diff(pts, sound) > ALIGN_MAX,
            (None, Some(_)) => false,
        }
    }

    /// Follows one packet; whether it was on the video PID.
    fn scan(&mut self, p: &Packet<'_>, at: u64) -> bool {
        let pid = p.pid();
        if Some(pid) == self.video_pid {
            if p.pusi() {
                let (len, pts) = pes_start(p);
                self.video = Some(Open {
                    start: at,
                    left: len,
                });
                if let Some(pts) = pts {
                    self.newest_picture = Some(pts);
                    if self.audio_pid.is_some() {
                        self.ahead.push_back((at, pts));
                    }
                }
            }
            self.video = advance(self.video, p);
            true
        } else if Some(pid) == self.audio_pid {
            if p.pusi() {
                self.audio_done();
                let (len, pts) = pes_start(p);
                if let Some(pts) = pts {
                    self.pace.pes(pts, len.map_or(0, |l| l - 6));
                }
                self.audio = Some(Open {
                    start: at,
                    left: len,
                });
            }
            self.audio = advance(self.audio, p);
            if self.audio.is_none() {
                self.audio_done();
            }
            false
        } else {
            false
        }
    }

    /// The audio PES under way is whole: the sound that came reaches its end.
    fn audio_done(&mut self) {
        if let Some(pts) = self.pace.last_pts() {
            self.audio_end = Some(clock_add(pts, self.pace.lasts() as i64));
        }
    }

    /// Hands out the held bytes before stream position `until`.
    fn release(&mut self, until: u64, out: &mut Vec<Bytes>) {
        while self.ahead.front().is_some_and(|(at, _)| *at < until) {
            self.ahead.pop_front();
        }
        while self.base < until {
            let Some(front) = self.held.front_mut() else {
                break;
            };
            let take = (until - self.base).min(front.len() as u64) as usize;
            let piece = if take == front.len() {
                self.held.pop_front().expect("front exists")
            } else {
                front.split_to(take)
            };
            self.base += take as u64;
            self.held_bytes -= take;
            out.push(piece);
        }
    }
}

/// The announced PES length (payload bytes after the 6-byte head, `None`
/// for 0: unbounded) and PTS of the PES starting in `p`.
fn pes_start(p: &Packet<'_>) -> (Option<usize>, Option<u64>) {
    let payload = p.payload();
    let len = pes::announced_len(payload);
    let pts = pes::parse(payload)
        .and_then(|h| h.pts_at)
        .and_then(|at| pes::read_timestamp(payload.get(at..)?));
    ((len > 0).then_some(len + 6), pts)
}

/// `open` after packet `p` of its PID: `None` once its bytes all arrived.
fn advance(open: Option<Open>, p: &Packet<'_>) -> Option<Open> {
    let mut open = open?;
    if let Some(left) = open.left.as_mut() {
        *left = left.saturating_sub(p.payload().len());
        if *left == 0 {
            return None;
        }
    }
    Some(open)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{h264_frame, pes, Mux};
    use std::time::Duration;

    const VIDEO: u16 = 0x100;
    const AUDIO: u16 = 0x101;

    fn audio_pes(pts: u64) -> Vec<u8> {
        let mut p = pes(0xC0, Some(pts), None, &[0x21; 100]);
        let len = (p.len() - 6) as u16;
        p[4..6].copy_from_slice(&len.to_be_bytes());
        p
    }

    fn joined(out: &[Bytes]) -> Vec<u8> {
        out.iter().flat_map(|b| b.iter().copied()).collect()
    }

    #[test]
    fn a_picture_goes_out_once_the_next_begins_and_a_cut_tops_up_the_sound() {
        let mut e = Edge::new(1 << 20);
        e.follow(Some(VIDEO), Some(AUDIO));
        let mut m = Mux::default();
        m.pes(AUDIO, None, &audio_pes(0));
        let first = m.out.len();
        m.pes(VIDEO, None, &h264_frame(true, 1000, 1000));
        let mut out = Vec::new();
        e.push(Bytes::from(std::mem::take(&mut m.out)), &mut out);
        // The audio before the picture goes; the picture is still under way.
        assert_eq!(joined(&out).len(), first);
        // The next picture begins: the first is whole and goes.
        m.pes(VIDEO, None, &h264_frame(false, 4600, 500));
        // Its sound comes after it, as muxers send it; then it is cut off.
        m.pes(AUDIO, None, &audio_pes(1920));
        m.pes(AUDIO, None, &audio_pes(3840));
        m.pes(AUDIO, None, &audio_pes(5760));
        let mut out2 = Vec::new();
        e.push(Bytes::from(std::mem::take(&mut m.out)), &mut out2);
        assert!(e.held() > 500, "{}", e.held());
        // Cut with the pictures sent ending at 4600: the sound starting
        // before that goes out (1920 and 3840), the rest and the cut picture do not.
        let mut out3 = Vec::new();
        e.cut(Some(4600), &mut out3);
        assert_eq!(e.held(), 0);
        let sent = [joined(&out), joined(&out2), joined(&out3)].concat();
        let stamps = |pid: u16| -> Vec<u64> {
            sent.chunks_exact(PACKET_SIZE)
                .filter(|p| Packet::new(p).unwrap().pid() == pid)
                .filter_map(crate::pes_pts)
                .collect()
        };
        assert_eq!(stamps(VIDEO), vec![1000]);
        assert_eq!(stamps(AUDIO), vec![0, 1920, 3840]);
        assert!(crate::check(&sent).cc_errors.is_empty());
    }

    #[test]
    fn a_picture_that_stops_coming_is_dropped_and_the_sound_goes_on() {
        let mut e = Edge::new(1 << 20);
        e.stuck_after = Duration::from_millis(100);
        e.follow(Some(VIDEO), Some(AUDIO));
        let mut m = Mux::default();
        m.pes(VIDEO, None, &h264_frame(true, 0, 200));
        m.pes(VIDEO, None, &h264_frame(false, 3600, 1000));
        let cut = m.out.len() - 3 * PACKET_SIZE;
        let mut out = Vec::new();
        e.push(Bytes::copy_from_slice(&m.out[..cut]), &mut out);
        // The picture freezes: only sound comes from now on.
        std::thread::sleep(Duration::from_millis(150));
        let mut s = Mux::default();
        s.pes(AUDIO, None, &audio_pes(0));
        e.push(Bytes::from(s.out.clone()), &mut out);
        assert_eq!(e.held(), 0, "nothing is held for the stuck picture");
        let sent = joined(&out);
        let video_packets: Vec<Packet<'_>> = sent
            .chunks_exact(PACKET_SIZE)
            .filter_map(Packet::new)
            .filter(|p| p.pid() == VIDEO)
            .collect();
        assert!(
            video_packets.iter().filter(|p| p.pusi()).count() == 1,
            "the cut picture is gone"
        );
        // The rest of the stuck picture is dropped; the next one is marked.
        let mut out = Vec::new();
        e.push(Bytes::copy_from_slice(&m.out[cut..]), &mut out);
        assert!(joined(&out).is_empty());
        let mut n = Mux::default();
        n.pes(VIDEO, None, &h264_frame(false, 7200, 100));
        e.push(Bytes::from(n.out), &mut out);
        e.push(Bytes::from(s.out), &mut out);
        let sent = joined(&out);
        let first = Packet::new(&sent[..PACKET_SIZE]).unwrap();
        assert!(first.discontinuity() && first.pid() == VIDEO);
    }

    #[test]
    fn pictures_wait_for_their_sound_until_they_run_half_a_second_ahead_of_it() {
        let mut e = Edge::new(1 << 20);
        e.follow(Some(VIDEO), Some(AUDIO));
        let mut m = Mux::default();
        m.pes(AUDIO, None, &audio_pes(0));
        m.pes(VIDEO, None, &h264_frame(true, 3000, 500));
        m.pes(VIDEO, None, &h264_frame(false, 6600, 500));
        let mut out = Vec::new();
        e.push(Bytes::from(std::mem::take(&mut m.out)), &mut out);
        // Pictures alone, 0.4 s past the sound's end: they are a muxer's lead,
        // held for the sound that plays with them, however late they were read.
        let mut v = Mux::default();
        v.pes(VIDEO, None, &h264_frame(false, 36_000, 500));
        let mut out2 = Vec::new();
        e.push(Bytes::from(std::mem::take(&mut v.out)), &mut out2);
        let pictures = |out: &[Bytes]| {
            joined(out)
                .chunks_exact(PACKET_SIZE)
                .filter(|p| Packet::new(p).unwrap().pid() == VIDEO)
                .filter_map(crate::pes_pts)
                .count()
        };
        assert_eq!(pictures(&out) + pictures(&out2), 0, "held for their sound");
        // A picture more than 0.5 s past it: the sound stopped, pictures go.
        v.pes(VIDEO, None, &h264_frame(false, 50_000, 500));
        let mut out3 = Vec::new();
        e.push(Bytes::from(v.out), &mut out3);
        assert_eq!(pictures(&out3), 3, "all but the one under way");
    }

    #[test]
    fn without_a_programme_or_past_the_bound_nothing_is_held() {
        let mut e = Edge::new(1 << 20);
        let mut m = Mux::default();
        m.pes(VIDEO, None, &h264_frame(true, 0, 1000));
        let mut out = Vec::new();
        e.push(Bytes::from(m.out.clone()), &mut out);
        assert_eq!(joined(&out), m.out);
        let mut small = Edge::new(100);
        small.follow(Some(VIDEO), None);
        let mut out = Vec::new();
        small.push(Bytes::from(m.out.clone()), &mut out);
        assert_eq!(joined(&out), m.out);
    }
}
