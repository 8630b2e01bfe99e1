//! A transport stream checker for tests and benchmarks, judging continuity the
//! way ffmpeg's demuxer does.

use super::packet::Packet;
use super::{NULL_PID, PACKET_SIZE};

/// What [`check`] found in a stream.
#[derive(Debug, Default, Clone)]
pub struct CheckReport {
    /// Whole packets checked.
    pub packets: u64,
    /// Offset of the first byte where a packet did not start with 0x47, or of a
    /// trailing partial packet (`len % 188 != 0`). Checking stops there.
    pub misaligned_at: Option<u64>,
    /// (byte offset, pid, expected cc, got cc) for each continuity error not
    /// excused by a discontinuity_indicator. As in ffmpeg: expected = last + 1
    /// for payload packets and = last for adaptation-only ones; the first packet
    /// of a PID is always ok; PID 0x1FFF is ignored; a packet with
    /// discontinuity_indicator is always ok; one repeat of a payload packet's
    /// counter is a permitted duplicate.
    pub cc_errors: Vec<(u64, u16, u8, u8)>,
    /// Packets carrying discontinuity_indicator.
    pub discontinuities: u64,
    /// Offsets of packets carrying discontinuity_indicator.
    pub discontinuity_offsets: Vec<u64>,
}

/// Per-PID continuity state.
#[derive(Clone, Copy)]
struct Last {
    cc: u8,
    /// The last packet was itself a duplicate, so another repeat is an error.
    duplicate: bool,
}

/// Checks alignment and per-PID continuity of a whole stream in memory.
pub fn check(stream: &[u8]) -> CheckReport {
    let mut report = CheckReport::default();
    let mut last: Vec<Option<Last>> = vec![None; 1 << 13];
    let mut offset = 0usize;
    while offset < stream.len() {
        let Some(p) = stream
            .get(offset..offset + PACKET_SIZE)
            .and_then(Packet::new)
        else {
            report.misaligned_at = Some(offset as u64);
            break;
        };
        report.packets += 1;
        let at = offset as u64;
        offset += PACKET_SIZE;

        if p.discontinuity() {
            report.discontinuities += 1;
            report.discontinuity_offsets.push(at);
        }
        let pid = p.pid();
        // Reserved adaptation_field_control: ffmpeg drops the packet unseen.
        if pid == NULL_PID || p.adaptation_field_control() == 0 {
            continue;
        }
        let cc = p.continuity_counter();
        let slot = &mut last[usize::from(pid)];
        let mut duplicate = false;
        if let Some(prev) = *slot {
            let expected = if p.has_payload() {
                (prev.cc + 1) & 0x0F
            } else {
                prev.cc
            };
            duplicate = p.has_payload() && cc == prev.cc && !prev.duplicate;
            if cc != expected && !duplicate && !p.discontinuity() {
                report.cc_errors.push((at, pid, expected, cc));
            }
        }
        *slot = Some(Last { cc, duplicate });
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{packet, Af};

    fn payload(pid: u16, cc: u8) -> [u8; PACKET_SIZE] {
        packet(pid, cc, false, None, &[0; 184])
    }

    fn adaptation_only(pid: u16, cc: u8, discontinuity: bool) -> [u8; PACKET_SIZE] {
        let af = Af {
            discontinuity,
            ..Af::default()
        };
        packet(pid, cc, false, Some(&af), &[])
    }

    fn stream(packets: &[[u8; PACKET_SIZE]]) -> Vec<u8> {
        packets.concat()
    }

    #[test]
    fn continuous_stream_is_clean() {
        let s: Vec<_> = (0..40u8).map(|i| payload(0x100, i & 0xF)).collect();
        let r = check(&stream(&s));
        assert_eq!(r.packets, 40);
        assert!(r.cc_errors.is_empty());
        assert_eq!(r.misaligned_at, None);
    }

    #[test]
    fn reports_jumps_with_offsets() {
        let r = check(&stream(&[
            payload(0x100, 0),
            payload(0x101, 7),
            payload(0x100, 1),
            payload(0x100, 3),
        ]));
        assert_eq!(r.cc_errors, vec![(3 * 188, 0x100, 2, 3)]);
    }

    #[test]
    fn adaptation_only_keeps_counter() {
        let r = check(&stream(&[
            payload(0x100, 5),
            adaptation_only(0x100, 5, false),
            payload(0x100, 6),
            adaptation_only(0x100, 7, false),
        ]));
        assert_eq!(r.cc_errors, vec![(3 * 188, 0x100, 6, 7)]);
    }

    #[test]
    fn one_duplicate_allowed() {
        let r = check(&stream(&[
            payload(0x100, 5),
            payload(0x100, 5),
            payload(0x100, 6),
        ]));
        assert!(r.cc_errors.is_empty());
        let r = check(&stream(&[
            payload(0x100, 5),
            payload(0x100, 5),
            payload(0x100, 5),
        ]));
        assert_eq!(r.cc_errors, vec![(2 * 188, 0x100, 6, 5)]);
    }

    #[test]
    fn discontinuity_excuses_and_is_counted() {
        let r = check(&stream(&[
            payload(0x100, 5),
            adaptation_only(0x100, 11, true),
            payload(0x100, 12),
        ]));
        assert!(r.cc_errors.is_empty());
        assert_eq!(r.discontinuities, 1);
        assert_eq!(r.discontinuity_offsets, vec![188]);
    }

    #[test]
    fn null_pid_ignored() {
        let r = check(&stream(&[payload(NULL_PID, 5), payload(NULL_PID, 0)]));
        assert!(r.cc_errors.is_empty());
    }

    #[test]
    fn misalignment_and_partial_tail() {
        let mut s = stream(&[payload(0x100, 0), payload(0x100, 1)]);
        s[188] = 0;
        let r = check(&s);
        assert_eq!(r.misaligned_at, Some(188));
        assert_eq!(r.packets, 1);

        let mut s = stream(&[payload(0x100, 0)]);
        s.extend_from_slice(&[0x47, 0, 0]);
        let r = check(&s);
        assert_eq!(r.misaligned_at, Some(188));
        assert_eq!(r.packets, 1);
        assert_eq!(check(&[]).packets, 0);
    }
}
