//! One continuous programme out of successive sources: what a relay sends
//! when it switches sources mid-stream (a failover, a return to a better
//! source) and what an HLS session sends across `#EXT-X-DISCONTINUITY`.
//! Viewers' players see one stream: one clock, one set of PIDs and tables,
//! counters that never jump, and no half-sent or undecodable picture.
//!
//! - `edge`: the stream going out is held back to the last whole access
//!   unit, so a source cut off by a close, a stall or junk leaves nothing
//!   half-sent; at the cut the sound held after the last picture sent is
//!   topped up, so sound and pictures end together.
//! - `admit`: a new source starts at a picture that brings its parameter
//!   sets (an IDR with SPS/PPS), its tables replaced by the viewers'.
//! - `program`: its streams mapped onto the viewers' PIDs where kind and
//!   stream type match; a new PMT version only when the programme changed.
//! - `rebase`: its PTS, DTS and PCR moved to go on from the last picture
//!   shown (plus one frame), its sound from where the old sound ended.
//! - `source`: the per-packet rewrite doing all of that, dropping leading
//!   pictures (open-GOP B-frames before the start) and early sound.
//!
//! The first source passes through untouched (no copy); a spliced-in one
//! is copied once per packet and edited in place.
//!
//! No discontinuity_indicator is set at a splice: with the clock and the
//! counters continuous there is no discontinuity to announce, and measured
//! with the players (the e2e test `relay_players`: mpv 0.35.1, VLC 3.0.24,
//! ffmpeg 5.1.9; Das Erste FHD failing after 2 s of play by a 1 s stall, a
//! close, junk and a frozen picture, the HD backup with other PIDs and a
//! clock 10 h away) the flag on the new source's first PCR changed nothing:
//! mpv and ffmpeg printed nothing with or without it; VLC printed its one
//! `PCR is called too late` after the stall and the frozen picture with or
//! without it (its clock reacts to the seconds without data, not to the
//! timestamps), and nothing else beyond what it prints on any start.

mod admit;
mod edge;
mod program;
mod rebase;
mod source;

use crate::clock::Clock;
use crate::psi::{pat_pmt_pids, whole_section};
use crate::{Packet, Tracker, PACKET_SIZE};
use admit::Admission;
use bytes::Bytes;
use edge::Edge;
use program::Pmt;
use source::Rewrite;

/// table_id of the SDT describing the actual transport stream.
const SDT_TABLE_ID: u8 = 0x42;

/// What viewers got so far, as a splice needs it: read from the [`Tracker`]
/// that observed the output.
pub(crate) struct Sent {
    pat: Option<[u8; PACKET_SIZE]>,
    pmt_pid: Option<u16>,
    pmt: Option<Pmt>,
    pmt_packet: Option<[u8; PACKET_SIZE]>,
    sdt: Option<[u8; PACKET_SIZE]>,
    counters: Vec<(u16, u8)>,
    clock: Clock,
}

impl Sent {
    /// Reads `t` (the tracker of what went out).
    fn of(t: &Tracker) -> Sent {
        let psi = t.psi();
        let packet = |i: usize| -> Option<[u8; PACKET_SIZE]> {
            let bytes = psi.as_ref()?.get(i * PACKET_SIZE..(i + 1) * PACKET_SIZE)?;
            bytes.try_into().ok()
        };
        let (pat, pmt_packet) = (packet(0), packet(1));
        let pmt_pid = pat
            .as_ref()
            .and_then(|p| pat_pmt_pids(Packet::new(p)?.payload()))
            .and_then(|pids| pids.first().copied());
        // Several PMTs (a multi-programme stream) are not rebuilt: only the first is kept.
        let single = psi.as_ref().is_some_and(|p| p.len() == 2 * PACKET_SIZE);
        let pmt = pmt_packet
            .as_ref()
            .filter(|_| single)
            .and_then(|p| Pmt::parse(Packet::new(p)?.payload()));
        let sdt = t.sdt().filter(|p| {
            Packet::new(p).is_some_and(|p| whole_section(p.payload(), SDT_TABLE_ID).is_some())
        });
        Sent {
            pat: pmt.as_ref().and(pat),
            pmt_pid: pmt.as_ref().and(pmt_pid),
            pmt_packet: pmt.as_ref().and(pmt_packet),
            pmt,
            sdt,
            counters: t.last_counters(),
            clock: t.clock(),
        }
    }
}

/// Where the splicer is with the source feeding it.
enum State {
    /// The first source: passed through as it is.
    Passing,
    /// A new source waiting for its start.
    Waiting(Box<Admission>),
    /// A spliced-in source, rewritten.
    Spliced(Box<Rewrite>),
}

/// Turns the packets of successive sources into one continuous programme.
/// Feed it each source's aligned packets with [`Splicer::push`]; when a
/// source is cut off call [`Splicer::end_source`], and
/// [`Splicer::begin_source`] when the next one takes over.
pub struct Splicer {
    /// The held-back end of the output (`None`: nothing held, e.g. whole
    /// HLS segments that are never cut).
    edge: Option<Edge>,
    state: State,
    /// Bytes a new source may be held for while waiting for its start.
    max_waiting: usize,
}

impl Splicer {
    /// A splicer whose output is held back to whole access units (at most
    /// `max_held` bytes) when `hold_edges`, and that holds a new source at
    /// most `max_held` bytes while waiting for its start.
    pub fn new(hold_edges: bool, max_held: usize) -> Splicer {
        Splicer {
            edge: hold_edges.then(|| Edge::new(max_held)),
            state: State::Passing,
            max_waiting: max_held,
        }
    }

    /// Takes the current source's aligned `packets`; appends to `out` what
    /// may go out now (`sent` observed everything that went out before).
    pub fn push(&mut self, packets: Bytes, sent: &Tracker, out: &mut Vec<Bytes>) {
        let packets = match &mut self.state {
            State::Passing => packets,
            State::Spliced(rewrite) => rewrite.apply(&packets),
            State::Waiting(admission) => match admission.push(&packets) {
                Some((rewrite, first)) => {
                    self.state = State::Spliced(Box::new(rewrite));
                    first
                }
                None => return,
            },
        };
        self.emit(packets, sent, out);
    }

    /// The current source is cut off: what it left unfinished is dropped,
    /// and the sound held after its last picture sent goes to `out` (see
    /// `edge`), so the sound sent ends where the pictures sent end.
    pub fn end_source(&mut self, sent: &Tracker, out: &mut Vec<Bytes>) {
        if let Some(edge) = &mut self.edge {
            edge.cut(sent.clock().video_end, out);
        }
    }

    /// The next source takes over (after [`Splicer::end_source`], whose
    /// output `sent` has observed): its packets are held until its start.
    pub fn begin_source(&mut self, sent: &Tracker) {
        if let Some(edge) = &mut self.edge {
            edge.cut(None, &mut Vec::new());
        }
        self.state = State::Waiting(Box::new(Admission::new(Sent::of(sent), self.max_waiting)));
    }

    /// Whether a new source is still held, waiting for its start.
    pub fn waiting(&self) -> bool {
        matches!(self.state, State::Waiting(_))
    }

    /// Gives up waiting for a picture with parameter sets: the new source
    /// starts at the latest picture held (decoders may show errors until
    /// its next keyframe).
    pub fn start_anyway(&mut self, sent: &Tracker, out: &mut Vec<Bytes>) {
        let State::Waiting(admission) = &mut self.state else {
            return;
        };
        if admission.held() == 0 {
            return;
        }
        let (rewrite, first) = admission.start_anyway();
        self.state = State::Spliced(Box::new(rewrite));
        self.emit(first, sent, out);
    }

    /// Bytes held back now (at the edge, or of a waiting source).
    pub fn held(&self) -> usize {
        let waiting = match &self.state {
            State::Waiting(a) => a.held(),
            _ => 0,
        };
        waiting + self.edge.as_ref().map_or(0, Edge::held)
    }

    fn emit(&mut self, packets: Bytes, sent: &Tracker, out: &mut Vec<Bytes>) {
        match &mut self.edge {
            Some(edge) => {
                let (mut video, mut audio) = (sent.video_pid(), sent.first_audio_pid());
                if video.is_none() && audio.is_none() {
                    // The stream's first chunk: what went out has no tables
                    // yet, these packets bring them (and the start of a
                    // picture that must be held like any other).
                    (video, audio) = programme_in(&packets).unwrap_or_default();
                }
                edge.follow(video, audio);
                edge.push(packets, out);
            }
            None if packets.is_empty() => {}
            None => out.push(packets),
        }
    }
}

/// The video and first audio PID that a PAT and its first PMT in `packets`
/// announce, as the [`Tracker`] would read them.
fn programme_in(packets: &[u8]) -> Option<(Option<u16>, Option<u16>)> {
    let mut pmt_pid = None;
    for p in packets.chunks_exact(PACKET_SIZE).filter_map(Packet::new) {
        if !p.pusi() {
            continue;
        }
        if p.pid() == 0 {
            pmt_pid = pat_pmt_pids(p.payload()).and_then(|pids| pids.first().copied());
        } else if Some(p.pid()) == pmt_pid {
            let streams = crate::psi::pmt_streams(p.payload())?;
            return Some((streams.video.map(|v| v.pid), streams.audio.first().copied()));
        }
    }
    None
}

#[cfg(test)]
mod tests;
