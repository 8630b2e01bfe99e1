//! A viewer that fell behind and skipped ahead: the packets it skipped
//! leave each PID's counters (and the clock) jumping from what it got last,
//! so the first packet of each PID after the skip is marked as a
//! discontinuity. (Switching sources needs no marks: `streamforge_ts::Splicer`
//! keeps counters and clock continuous.)

use bytes::{Bytes, BytesMut};
use std::collections::HashSet;
use streamforge_ts::{discontinuity_marker, Packet, NULL_PID, PACKET_SIZE};

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
/// `pending` (removed from it once marked).
fn mark_first(pending: &mut HashSet<u16>, packets: &[u8]) -> Bytes {
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
