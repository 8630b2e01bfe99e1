//! Where a new source starts: its packets are held until its PMT is known
//! and a picture that brings its parameter sets (SPS/PPS, or VPS/SPS/PPS,
//! or a sequence header) begins; then until its sound from there on shows
//! which of its audio PES continues the old sound best (see `rebase`). The
//! rewrite starts there, with the tables viewers already have. Without such
//! a picture in time (see [`super::Splicer::start_anyway`]) it starts at
//! the latest picture.

use super::program::Pmt;
use super::rebase::Rebase;
use super::source::Rewrite;
use super::Sent;
use crate::clock::{clock_add, clock_diff};
use crate::keyframe::contains_parameter_sets;
use crate::psi::pat_pmt_pids;
use crate::{pes, Packet, Tracker, PACKET_SIZE};
use bytes::{Bytes, BytesMut};

/// The picture may wait at most this long (0.5 s) for the sound to go on exactly.
const MAX_SOUND_LEAD: i64 = 45_000;

/// A source waiting for its start.
pub(crate) struct Admission {
    sent: Sent,
    /// The new source's tables, learnt from its packets.
    input: Tracker,
    held: BytesMut,
    /// Bytes of `held` already looked through for a start.
    scanned: usize,
    /// The start picture, once found (the sound is still awaited).
    found: Option<Start>,
    max_held: usize,
}

/// A start found: the picture's offset in the held bytes, PTS and DTS.
#[derive(Clone, Copy, Debug)]
struct Start {
    at: usize,
    picture: Option<(u64, u64)>,
    sound: Option<u64>,
}

impl Admission {
    /// Waits for a start of the source that follows `sent`, holding at most
    /// `max_held` bytes (older ones are let go).
    pub(crate) fn new(sent: Sent, max_held: usize) -> Admission {
        Admission {
            sent,
            input: Tracker::new(),
            held: BytesMut::new(),
            scanned: 0,
            found: None,
            max_held,
        }
    }

    /// Takes the source's `packets`; once it can start, the rewrite and what
    /// goes out first (tables, then the source from its start).
    pub(crate) fn push(&mut self, packets: &[u8]) -> Option<(Rewrite, Bytes)> {
        self.input.observe(packets);
        self.held.extend_from_slice(packets);
        if self.input.psi().is_none() {
            self.bound();
            return None;
        }
        let start = match self.found {
            Some(start) => start,
            None => self.find(true)?,
        };
        self.found = Some(start);
        let start = self.with_sound(start, false)?;
        Some(self.start(start))
    }

    /// Starts now, at the latest picture held (or at once without one).
    pub(crate) fn start_anyway(&mut self) -> (Rewrite, Bytes) {
        let start = self.found.or_else(|| {
            self.scanned = 0;
            self.find(false)
        });
        let start = start.unwrap_or(Start {
            at: 0,
            picture: None,
            sound: None,
        });
        let start = self.with_sound(start, true).unwrap_or(start);
        self.start(start)
    }

    /// `start` with the audio PES the sound goes on with: the latest one
    /// (after the start picture) that lets the picture follow the last one
    /// shown, so the sound continues exactly and the picture waits less than
    /// a PES; else the first one after. `None` while the held sound does not
    /// tell yet (unless `now`). Without an old sound or a new picture, the
    /// start as it is.
    fn with_sound(&self, start: Start, now: bool) -> Option<Start> {
        let clock = &self.sent.clock;
        let (Some(audio), Some(end), Some(shift)) = (
            self.input.first_audio_pid(),
            clock.audio_end,
            start.picture.and_then(|p| Rebase::picture_offset(clock, p)),
        ) else {
            return Some(start);
        };
        // The PTS that would continue the old sound with the picture's offset.
        let target = clock_add(end, -shift);
        let mut below = None;
        let mut above = None;
        let mut last_picture = None;
        for raw in self.held[start.at..].chunks_exact(PACKET_SIZE) {
            let Some(p) = Packet::new(raw).filter(|p| p.pusi()) else {
                continue;
            };
            let payload = p.payload();
            let pts = pes::parse(payload)
                .and_then(|h| h.pts_at)
                .and_then(|at| pes::read_timestamp(payload.get(at..)?));
            let Some(pts) = pts else { continue };
            if p.pid() == audio {
                let d = clock_diff(target, pts);
                if (0..=MAX_SOUND_LEAD).contains(&d) {
                    below = Some(pts);
                } else if d < 0 {
                    above = Some(pts);
                    break;
                }
            } else if Some(p.pid()) == self.input.video_pid() {
                last_picture = Some(pts);
            }
        }
        // A second of pictures past the start without a sound that tells:
        // the sound is late or gone, start without waiting for it. A PES
        // within a step of the target needs no later one to be sure.
        let waited = last_picture
            .zip(start.picture)
            .is_some_and(|(last, (first, _))| clock_diff(last, first) > 90_000);
        let close = below.is_some_and(|b| clock_diff(target, b) < clock.audio_step as i64);
        if above.is_none() && !close && !now && !waited {
            return None;
        }
        Some(Start {
            sound: below.or(above),
            ..start
        })
    }

    /// Bytes held.
    pub(crate) fn held(&self) -> usize {
        self.held.len()
    }

    /// Lets the oldest held bytes go past the bound.
    fn bound(&mut self) {
        if self.held.len() > self.max_held {
            let drop = (self.held.len() - self.max_held / 2) / PACKET_SIZE * PACKET_SIZE;
            let _ = self.held.split_to(drop);
            self.scanned = self.scanned.saturating_sub(drop);
        }
    }

    /// The first picture from `scanned` on that brings parameter sets (with
    /// `keyframe`), or the last picture held (without); for a programme
    /// without pictures, its first sound.
    fn find(&mut self, keyframe: bool) -> Option<Start> {
        let video = self.input.video_pid();
        let codec = self.input.video_codec();
        let audio = self.input.first_audio_pid();
        let mut found = None;
        let from = self.scanned;
        for (i, raw) in self.held[from..].chunks_exact(PACKET_SIZE).enumerate() {
            let Some(p) = Packet::new(raw) else {
                continue;
            };
            let at = from + i * PACKET_SIZE;
            if !p.pusi() {
                continue;
            }
            let payload = p.payload();
            let header = pes::parse(payload);
            let stamp = |at: Option<usize>| pes::read_timestamp(payload.get(at?..)?);
            let pts = header.and_then(|h| stamp(h.pts_at));
            let dts = header.and_then(|h| stamp(h.dts_at));
            if video.is_some() && Some(p.pid()) == video {
                // A random_access_indicator alone is not enough: the open-GOP
                // I-pictures x264 marks with it carry no SPS/PPS.
                let key = codec.zip(header).is_some_and(|(c, h)| {
                    payload
                        .get(h.data_at..)
                        .is_some_and(|es| contains_parameter_sets(c, es))
                });
                if key || !keyframe {
                    found = Some(Start {
                        at,
                        picture: pts.map(|pts| (pts, dts.unwrap_or(pts))),
                        sound: None,
                    });
                    if keyframe {
                        break;
                    }
                }
            } else if video.is_none() && Some(p.pid()) == audio {
                found = Some(Start {
                    at,
                    picture: None,
                    sound: pts,
                });
                break;
            }
        }
        if found.is_none() {
            self.scanned = self.held.len();
            self.bound();
        }
        found
    }

    /// The rewrite from `start` on, and its first output.
    fn start(&mut self, start: Start) -> (Rewrite, Bytes) {
        let psi = self.input.psi();
        let pmt_pid = psi
            .as_ref()
            .and_then(|p| pat_pmt_pids(Packet::new(&p[..PACKET_SIZE])?.payload()))
            .and_then(|pids| pids.first().copied());
        let pmt = psi
            .as_ref()
            .and_then(|p| Pmt::parse(Packet::new(p.get(PACKET_SIZE..2 * PACKET_SIZE)?)?.payload()));
        let rebase = Rebase::continuing(&self.sent.clock, start.picture, start.sound);
        let mut rewrite = Rewrite::new(
            &self.sent,
            pmt_pid,
            pmt,
            start.picture.map(|(pts, _)| pts),
            rebase,
        );
        let mut out = rewrite.tables();
        out.extend_from_slice(&rewrite.apply(&self.held[start.at..]));
        self.held.clear();
        (rewrite, out.freeze())
    }
}
