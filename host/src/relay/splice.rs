//! The seam between two sources. The new source's output starts at PAT/PMT
//! and, when one comes soon enough, at a keyframe; the first packet of every
//! PID the old source used is preceded by an adaptation-only packet carrying
//! `discontinuity_indicator`, so decoders accept the counter jump and resync
//! instead of reporting corruption.

use bytes::{Bytes, BytesMut};
use std::collections::HashSet;
use streamforge_ts::{discontinuity_marker, Packet, Tracker, NULL_PID, PACKET_SIZE};

/// What to do with the new source's packets until the splice is done.
pub(crate) struct Splice {
    /// PIDs of the old source still waiting for their marker.
    pending: HashSet<u16>,
    /// Packets held while waiting for a keyframe.
    held: BytesMut,
    /// Bytes held at most before giving up on a keyframe.
    max_held: usize,
    started: bool,
}

impl Splice {
    /// A splice after a source that used `old_pids`.
    pub(crate) fn new(old_pids: impl IntoIterator<Item = u16>, max_held: usize) -> Splice {
        Splice {
            pending: old_pids.into_iter().collect(),
            held: BytesMut::new(),
            max_held,
            started: false,
        }
    }

    /// Feeds the new source's packets (already observed by `tracker`, whose
    /// keyframe offset in them is `keyframe`). Returns what may go out now.
    pub(crate) fn feed(
        &mut self,
        packets: &Bytes,
        keyframe: Option<usize>,
        tracker: &Tracker,
    ) -> Option<Bytes> {
        if !self.started {
            match keyframe {
                Some(at) => {
                    self.held.clear();
                    let mut out = BytesMut::new();
                    if let Some(psi) = tracker.psi() {
                        out.extend_from_slice(&psi);
                    }
                    out.extend_from_slice(&packets[at..]);
                    self.started = true;
                    return Some(self.mark(&out));
                }
                None => {
                    self.held.extend_from_slice(packets);
                    if self.held.len() < self.max_held {
                        return None;
                    }
                    // No keyframe soon enough: start at the latest PAT/PMT.
                    let mut out = BytesMut::new();
                    if let Some(psi) = tracker.psi() {
                        out.extend_from_slice(&psi);
                    }
                    out.extend_from_slice(&self.held.split());
                    self.started = true;
                    return Some(self.mark(&out));
                }
            }
        }
        if self.pending.is_empty() {
            return Some(packets.clone());
        }
        Some(self.mark(packets))
    }

    /// Whether the splice still changes packets (else output is passed through).
    pub(crate) fn done(&self) -> bool {
        self.started && self.pending.is_empty()
    }

    /// Gives up waiting for a keyframe: what is held goes out now.
    pub(crate) fn flush(&mut self, tracker: &Tracker) -> Option<Bytes> {
        if self.started || self.held.is_empty() {
            return None;
        }
        let held = self.held.split().freeze();
        self.held = BytesMut::new();
        self.max_held = 0;
        self.feed(&held, None, tracker)
    }

    /// Copies `packets`, inserting a discontinuity marker before the first
    /// packet of each pending PID.
    fn mark(&mut self, packets: &[u8]) -> Bytes {
        mark_first(&mut self.pending, packets)
    }
}

/// Marks the counter jumps of a viewer that fell behind and skipped ahead.
/// The packets it skipped leave each PID's counters (and the clock) jumping
/// from what it got last; unmarked, a demuxer reports every such jump as
/// lost packets. So the first packet of each PID after the skip gets a
/// discontinuity marker before it: those where it resumes, and those that
/// first come later (tables sent twice a second, such as the SDT) within
/// [`SKIP_MARK_WINDOW`] bytes. Chunks without a new PID pass uncopied.
#[derive(Debug)]
pub(crate) struct SkipMarks {
    /// PIDs marked since the skip (null packets have no counters to mark).
    marked: HashSet<u16>,
    /// Bytes after the resume still looked through.
    left: usize,
}

/// How far after a resume a PID's first packet is still marked: 4 MiB,
/// 1.7 s of a 20 Mbit/s stream (more of a slower one), while tables come
/// at least every 0.5 to 2 s; only the packets' headers are read.
pub(crate) const SKIP_MARK_WINDOW: usize = 4 << 20;

impl SkipMarks {
    /// What the viewer gets where it resumes: the PAT/PMT copies (if any),
    /// then the chunk from its keyframe on, every PID in them marked.
    pub(crate) fn resume(psi: Option<&Bytes>, from_keyframe: &[u8]) -> (SkipMarks, Bytes) {
        let psi = psi.map_or(&[][..], |p| &p[..]);
        let mut all = BytesMut::with_capacity(psi.len() + from_keyframe.len());
        all.extend_from_slice(psi);
        all.extend_from_slice(from_keyframe);
        let mut marks = SkipMarks {
            marked: HashSet::new(),
            left: SKIP_MARK_WINDOW,
        };
        let out = marks.follow(&all.freeze());
        (marks, out)
    }

    /// A chunk after the resume, with markers before PIDs not seen since.
    pub(crate) fn follow(&mut self, chunk: &Bytes) -> Bytes {
        if self.left == 0 {
            return chunk.clone();
        }
        self.left = self.left.saturating_sub(chunk.len());
        let mut pending: HashSet<u16> = chunk
            .chunks_exact(PACKET_SIZE)
            .filter_map(Packet::new)
            .map(|p| p.pid())
            .filter(|pid| *pid != NULL_PID && !self.marked.contains(pid))
            .collect();
        if pending.is_empty() {
            return chunk.clone();
        }
        self.marked.extend(pending.iter().copied());
        mark_first(&mut pending, chunk)
    }

    /// Whether chunks are still looked through.
    pub(crate) fn active(&self) -> bool {
        self.left > 0
    }
}

/// Copies `packets`, inserting an adaptation-only packet carrying
/// `discontinuity_indicator` before the first packet of each PID in
/// `pending` (removed from it once marked). Also used at an HLS
/// `#EXT-X-DISCONTINUITY`, where the counters and clocks jump the same way.
pub(crate) fn mark_first(pending: &mut HashSet<u16>, packets: &[u8]) -> Bytes {
    let mut out = BytesMut::with_capacity(packets.len() + pending.len() * PACKET_SIZE);
    for raw in packets.chunks_exact(PACKET_SIZE) {
        if let Some(p) = Packet::new(raw) {
            if pending.remove(&p.pid()) {
                let cc = p.continuity_counter();
                // The marker's own counter must equal the one the next
                // packet expects (no increment without payload).
                let next = if p.has_payload() { cc } else { (cc + 1) & 0x0F };
                out.extend_from_slice(&discontinuity_marker(p.pid(), next));
            }
        }
        out.extend_from_slice(raw);
    }
    out.freeze()
}
