//! [`Looper`]: an endless live TS byte stream made from a [`Clip`]. Pass `n`
//! of the clip has every timestamp moved on by `n` × the clip's duration and
//! continuity counters carried on per PID, so a decoder sees one continuous
//! channel across loop points.

use super::clip::Clip;
use bytes::{Bytes, BytesMut};
use streamforge_ts::{set_continuity_counter, shift_timestamps, Packet, NULL_PID, PACKET_SIZE};

/// Counter state of a PID not seen yet.
const UNSEEN: u8 = 0xFF;

/// Position in the endless stream plus per-PID counters. One per connection.
pub(crate) struct Looper {
    clip: Clip,
    /// Pass number (how many times the clip was played through).
    pass: u64,
    /// Byte offset in the clip of the next packet to send.
    offset: usize,
    /// Per PID: the counter of the last payload packet sent, or [`UNSEEN`].
    counters: Box<[u8; 8192]>,
}

impl Looper {
    /// Starts at the clip's first byte, first pass.
    pub(crate) fn new(clip: Clip) -> Looper {
        Looper {
            clip,
            pass: 0,
            offset: 0,
            counters: Box::new([UNSEEN; 8192]),
        }
    }

    /// The next `len` bytes of the stream (rounded down to whole packets), in
    /// one allocation, timestamps and counters rewritten.
    pub(crate) fn next_chunk(&mut self, len: usize) -> Bytes {
        let len = len - len % PACKET_SIZE;
        let mut out = BytesMut::with_capacity(len);
        let clip = self.clip.bytes().clone();
        while out.len() < len {
            let take = (len - out.len()).min(clip.len() - self.offset);
            let start = out.len();
            out.extend_from_slice(&clip[self.offset..self.offset + take]);
            self.rewrite(&mut out[start..]);
            self.offset += take;
            if self.offset == clip.len() {
                self.offset = 0;
                self.pass += 1;
            }
        }
        out.freeze()
    }

    /// Rewrites whole packets of the current pass in place.
    fn rewrite(&mut self, data: &mut [u8]) {
        let shift = self.pass.wrapping_mul(self.clip.duration_90k());
        for packet in data.chunks_exact_mut(PACKET_SIZE) {
            let Some((pid, payload)) = Packet::new(packet).map(|p| (p.pid(), p.has_payload()))
            else {
                continue;
            };
            if self.pass > 0 {
                shift_timestamps(packet, shift);
            }
            if pid == NULL_PID {
                continue;
            }
            let last = &mut self.counters[usize::from(pid)];
            let cc = match (*last, payload) {
                (UNSEEN, _) => packet[3] & 0x0F,
                (prev, true) => (prev + 1) & 0x0F,
                (prev, false) => prev,
            };
            set_continuity_counter(packet, cc);
            if payload || *last == UNSEEN {
                *last = cc;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clip::ClipKind;
    use streamforge_ts::{check, pes_pts};

    #[test]
    fn three_passes_are_one_clean_stream() {
        let clip = Clip::builtin(ClipKind::Sd);
        let mut looper = Looper::new(clip.clone());
        let mut all = Vec::new();
        // Odd chunk sizes so loop points fall inside chunks.
        while all.len() < clip.bytes().len() * 3 {
            all.extend_from_slice(&looper.next_chunk(188 * 37 + 100));
        }
        let report = check(&all);
        assert_eq!(report.misaligned_at, None);
        assert!(report.cc_errors.is_empty(), "{:?}", &report.cc_errors[..]);
        assert_eq!(report.packets, all.len() as u64 / 188);
    }

    #[test]
    fn timestamps_move_on_by_one_duration_per_pass() {
        let clip = Clip::builtin(ClipKind::Sd);
        let first_pts = |data: &[u8]| {
            data.chunks_exact(188)
                .find_map(pes_pts)
                .expect("a PES timestamp")
        };
        let original = first_pts(clip.bytes());
        let mut looper = Looper::new(clip.clone());
        let _ = looper.next_chunk(clip.bytes().len() * 2);
        let third = looper.next_chunk(188 * 200);
        assert_eq!(first_pts(&third), original + 2 * clip.duration_90k());
    }
}
