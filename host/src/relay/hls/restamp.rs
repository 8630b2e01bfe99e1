//! Timestamps across an `#EXT-X-DISCONTINUITY`: an encoder restart or an
//! inserted clip starts its clocks anywhere (often back at zero), and a
//! player reading one continuous stream sees time go backwards. From each
//! discontinuity on, PTS, DTS and PCR are moved so the new part starts one
//! frame after the latest timestamp sent, as the simulated panel's looper
//! does at its loop point. Continuous segments pass untouched until the
//! first discontinuity.

use bytes::{Bytes, BytesMut};
use streamforge_ts::{pes_pts, shift_timestamps, PACKET_SIZE, TIMESTAMP_MASK};

/// One frame at 25 fps in 90 kHz units: the gap left at a seam.
const FRAME: u64 = 3600;

/// The offset in force and where the stream sent so far ends.
#[derive(Debug, Default)]
pub(crate) struct Restamp {
    offset: u64,
    /// The latest PTS sent (after the offset).
    last: Option<u64>,
}

impl Restamp {
    /// A segment's packets with their timestamps moved; `seam`: it follows
    /// a discontinuity, so a new offset is taken.
    pub(crate) fn apply(&mut self, packets: Bytes, seam: bool) -> Bytes {
        let span = span(&packets);
        if let (true, Some(last), Some((earliest, _))) = (seam, self.last, span) {
            self.offset = (last + FRAME).wrapping_sub(earliest) & TIMESTAMP_MASK;
        }
        if let Some((_, latest)) = span {
            self.last = Some((latest + self.offset) & TIMESTAMP_MASK);
        }
        if self.offset == 0 {
            return packets;
        }
        let mut out = BytesMut::from(&packets[..]);
        for packet in out.chunks_exact_mut(PACKET_SIZE) {
            shift_timestamps(packet, self.offset);
        }
        out.freeze()
    }
}

/// The earliest and latest PTS in `packets`, wrap-aware (measured from the first).
fn span(packets: &[u8]) -> Option<(u64, u64)> {
    let mut all = packets.chunks_exact(PACKET_SIZE).filter_map(pes_pts);
    let first = all.next()?;
    let (mut low, mut high) = (0i64, 0i64);
    for pts in all {
        let mut d = (pts.wrapping_sub(first) & TIMESTAMP_MASK) as i64;
        if d >= 1 << 32 {
            d -= 1 << 33;
        }
        low = low.min(d);
        high = high.max(d);
    }
    let at = |d: i64| (first as i64 + d).rem_euclid(1 << 33) as u64;
    Some((at(low), at(high)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A packet on PID 256 starting a PES with `pts`.
    fn pes_packet(pts: u64) -> Vec<u8> {
        let mut p = vec![0xFFu8; PACKET_SIZE];
        p[..4].copy_from_slice(&[0x47, 0x41, 0x00, 0x10]);
        let ts = [
            0x21 | (((pts >> 30) & 0x07) << 1) as u8,
            (pts >> 22) as u8,
            0x01 | (((pts >> 15) & 0x7F) << 1) as u8,
            (pts >> 7) as u8,
            0x01 | ((pts & 0x7F) << 1) as u8,
        ];
        p[4..18].copy_from_slice(&[
            0, 0, 1, 0xE0, 0, 0, 0x80, 0x80, 5, ts[0], ts[1], ts[2], ts[3], ts[4],
        ]);
        p
    }

    fn segment(pts: &[u64]) -> Bytes {
        Bytes::from(pts.iter().flat_map(|t| pes_packet(*t)).collect::<Vec<u8>>())
    }

    fn stamps(b: &Bytes) -> Vec<u64> {
        b.chunks_exact(PACKET_SIZE).filter_map(pes_pts).collect()
    }

    #[test]
    fn time_keeps_going_forward_across_a_discontinuity() {
        let mut r = Restamp::default();
        let a = r.apply(segment(&[900_000, 903_600, 907_200]), false);
        assert_eq!(stamps(&a), [900_000, 903_600, 907_200]);
        // The encoder restarts at 0: the new part goes on one frame later.
        let b = r.apply(segment(&[3600, 0, 7200]), true);
        assert_eq!(stamps(&b), [914_400, 910_800, 918_000]);
        // Later segments keep the offset.
        let c = r.apply(segment(&[10_800]), false);
        assert_eq!(stamps(&c), [921_600]);
        // Near the wrap: still one frame after, wrapped.
        let mut w = Restamp::default();
        w.apply(segment(&[TIMESTAMP_MASK - 100]), false);
        let d = w.apply(segment(&[50]), true);
        assert_eq!(
            stamps(&d),
            [(TIMESTAMP_MASK - 100 + FRAME) & TIMESTAMP_MASK]
        );
    }
}
