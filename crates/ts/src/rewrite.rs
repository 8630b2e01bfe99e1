//! In-place packet edits used by the simulated provider's looper and the
//! relay's splice. Every function is a no-op on anything malformed.

use super::packet::{read_pcr_base, write_pcr_base, Packet};
use super::{pes, PACKET_SIZE, SYNC_BYTE, TIMESTAMP_MASK};
use bytes::{Bytes, BytesMut};

/// Adds `offset` (90 kHz units, wrapping at 2^33) to the PCR and OPCR bases in
/// the adaptation field and to PTS/DTS in a PES header starting in this packet
/// (PUSI set, payload starting `00 00 01`, a stream_id that carries
/// timestamps), so a looped or spliced clip keeps timestamps moving forward.
/// No-op on anything malformed; `packet` must be exactly 188 bytes.
pub fn shift_timestamps(packet: &mut [u8], offset: u64) {
    let (af_len, flags, payload_at) = {
        let Some(p) = Packet::new(packet) else {
            return;
        };
        let (af_len, flags) = match p.adaptation_len() {
            Some(len) if (1..=PACKET_SIZE - 5).contains(&len) => (len, p.bytes()[5]),
            _ => (0, 0),
        };
        (af_len, flags, p.payload_offset().filter(|_| p.pusi()))
    };
    let shift = |v: u64| v.wrapping_add(offset) & TIMESTAMP_MASK;

    // PCR (flag 0x10) then OPCR (flag 0x08), each 6 bytes, after the flag byte.
    let mut at = 6;
    for flag in [0x10u8, 0x08] {
        if flags & flag != 0 {
            if at + 6 > 5 + af_len {
                break;
            }
            let field = &mut packet[at..at + 6];
            write_pcr_base(field, shift(read_pcr_base(field)));
            at += 6;
        }
    }

    let Some(start) = payload_at else {
        return;
    };
    let payload = &mut packet[start..];
    let Some(h) = pes::parse(payload) else {
        return;
    };
    for at in [h.pts_at, h.dts_at].into_iter().flatten() {
        let field = &mut payload[at..at + 5];
        if let Some(ts) = pes::read_timestamp(field) {
            pes::write_timestamp(field, shift(ts));
        }
    }
}

/// Overwrites the 4-bit continuity counter, so spliced or looped packets can
/// continue a PID's counter sequence. No-op unless `packet` is a 188-byte packet.
pub fn set_continuity_counter(packet: &mut [u8], cc: u8) {
    if Packet::new(packet).is_some() {
        packet[3] = (packet[3] & 0xF0) | (cc & 0x0F);
    }
}

/// Gives `copies` (PAT/PMT packets repeated for a viewer who joins
/// mid-stream) the continuity counters that keep the viewer's stream
/// continuous when `following` comes right after them: each copy gets the
/// counter just before the first packet of its PID in `following`, or, when
/// `following` has none, `last(pid)`, the PID's latest counter (the live
/// stream goes on from there). Copies of a PID `last` does not know keep
/// theirs. Whole packets only; a trailing partial packet is left as it is.
pub fn fit_copies(copies: &[u8], following: &[u8], last: impl Fn(u16) -> Option<u8>) -> Bytes {
    let mut out = BytesMut::from(copies);
    for copy in out.chunks_exact_mut(PACKET_SIZE) {
        let Some(pid) = Packet::new(copy).map(|p| p.pid()) else {
            continue;
        };
        let next = following
            .chunks_exact(PACKET_SIZE)
            .filter_map(Packet::new)
            .find(|p| p.pid() == pid)
            .map(|p| p.continuity_counter().wrapping_sub(1) & 0x0F);
        if let Some(cc) = next.or_else(|| last(pid)) {
            set_continuity_counter(copy, cc);
        }
    }
    out.freeze()
}

/// Sets discontinuity_indicator when the packet has an adaptation field of
/// length >= 1, telling decoders a counter or timebase jump here is intended;
/// returns whether it did.
pub fn mark_discontinuity(packet: &mut [u8]) -> bool {
    let ok = Packet::new(packet)
        .and_then(|p| p.adaptation_len())
        .is_some_and(|len| len >= 1);
    if ok {
        packet[5] |= 0x80;
    }
    ok
}

/// A 188-byte adaptation-field-only packet (adaptation_field_control `10`,
/// adaptation_field_length 183, discontinuity_indicator set, the rest stuffing
/// 0xFF) on `pid`, whose continuity counter is `next_cc.wrapping_sub(1) & 0xF`,
/// so the next payload packet on the PID with counter `next_cc` is continuous.
/// Sent before the first packet of each PID after a source switch so decoders
/// accept the counter jump.
pub fn discontinuity_marker(pid: u16, next_cc: u8) -> [u8; PACKET_SIZE] {
    let mut p = [0xFFu8; PACKET_SIZE];
    p[0] = SYNC_BYTE;
    p[1] = ((pid >> 8) & 0x1F) as u8;
    p[2] = pid as u8;
    p[3] = 0x20 | (next_cc.wrapping_sub(1) & 0x0F);
    p[4] = (PACKET_SIZE - 5) as u8;
    p[5] = 0x80;
    p
}

/// PTS of a PES header starting in this packet (PUSI), if any — for computing
/// clip durations.
pub fn pes_pts(packet: &[u8]) -> Option<u64> {
    let p = Packet::new(packet)?;
    if !p.pusi() {
        return None;
    }
    let payload = p.payload();
    let at = pes::parse(payload)?.pts_at?;
    pes::read_timestamp(payload.get(at..)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{packet, pes, Af};
    use crate::{check, Packet};

    const WRAP: u64 = 1 << 33;

    #[test]
    fn copies_fit_before_what_follows_or_after_the_last_counter() {
        let copies = [
            packet(0, 9, true, None, &[0]),
            packet(0x100, 9, true, None, &[0]),
        ]
        .concat();
        // PAT's next packet in `following` has counter 4; the PMT has none there.
        let following = [
            packet(0x44, 7, false, None, &[1]),
            packet(0, 4, true, None, &[0]),
        ]
        .concat();
        let fitted = fit_copies(&copies, &following, |pid| (pid == 0x100).then_some(12));
        let ccs: Vec<u8> = fitted
            .chunks_exact(PACKET_SIZE)
            .map(|p| Packet::new(p).unwrap().continuity_counter())
            .collect();
        assert_eq!(ccs, [3, 12]);
        // Copies then the stream: no counter error for the PAT.
        let joined = [&fitted[..PACKET_SIZE], &following[..]].concat();
        assert!(check(&joined).cc_errors.is_empty());
        // A copy of a PID nobody knows keeps its counter; counter 0 wraps to 15.
        let wrap = fit_copies(&copies, &packet(0, 0, true, None, &[0]), |_| None);
        assert_eq!(
            Packet::new(&wrap[..PACKET_SIZE])
                .unwrap()
                .continuity_counter(),
            15
        );
        assert_eq!(
            Packet::new(&wrap[PACKET_SIZE..])
                .unwrap()
                .continuity_counter(),
            9
        );
    }

    fn video_packet(pcr: Option<u64>, pts: u64, dts: Option<u64>) -> [u8; PACKET_SIZE] {
        let af = Af {
            pcr,
            ..Af::default()
        };
        packet(
            0x100,
            0,
            true,
            Some(&af),
            &pes(0xE0, Some(pts), dts, &[0; 20]),
        )
    }

    fn dts_of(p: &[u8]) -> u64 {
        let payload = Packet::new(p).unwrap().payload();
        pes::read_timestamp(&payload[14..]).unwrap()
    }

    #[test]
    fn shifts_pcr_pts_dts_with_wrap() {
        let mut p = video_packet(Some(WRAP - 10), WRAP - 5, Some(WRAP - 20));
        shift_timestamps(&mut p, 100);
        assert_eq!(Packet::new(&p).unwrap().pcr(), Some(90));
        assert_eq!(pes_pts(&p), Some(95));
        assert_eq!(dts_of(&p), 80);
    }

    #[test]
    fn shifts_opcr_too() {
        let mut p = video_packet(Some(1000), 2000, None);
        // Add an OPCR after the PCR: flag 0x08, six bytes at 12..18.
        p[5] |= 0x08;
        write_pcr_base(&mut p[12..18], 500);
        shift_timestamps(&mut p, 7);
        assert_eq!(read_pcr_base(&p[12..18]), 507);
        assert_eq!(Packet::new(&p).unwrap().pcr(), Some(1007));
        assert_eq!(pes_pts(&p), Some(2007));
    }

    #[test]
    fn leaves_non_pusi_and_padding_alone() {
        let mut p = packet(0x100, 0, false, None, &pes(0xE0, Some(5), None, &[]));
        let before = p;
        shift_timestamps(&mut p, 100);
        assert_eq!(p, before);
        let mut pad = packet(0x100, 0, true, None, &[0, 0, 1, 0xBE, 0, 10, 0x80, 0x80, 5]);
        let before = pad;
        shift_timestamps(&mut pad, 100);
        assert_eq!(pad, before);
        assert_eq!(pes_pts(&pad), None);
    }

    #[test]
    fn malformed_inputs_are_untouched() {
        let mut short = [0x47u8; 100];
        shift_timestamps(&mut short, 5);
        set_continuity_counter(&mut short, 3);
        assert!(!mark_discontinuity(&mut short));
        assert_eq!(short, [0x47u8; 100]);
        assert_eq!(pes_pts(&short), None);
        let mut p = video_packet(Some(1), 2, None);
        p[4] = 250; // adaptation length past the end
        let before = p;
        shift_timestamps(&mut p, 5);
        assert_eq!(p, before);
    }

    #[test]
    fn sets_counter() {
        let mut p = packet(0x100, 0, false, None, &[0; 184]);
        set_continuity_counter(&mut p, 0x1F);
        assert_eq!(Packet::new(&p).unwrap().continuity_counter(), 0xF);
        assert_eq!(p[3] & 0xF0, 0x10);
    }

    #[test]
    fn marks_discontinuity_only_with_adaptation() {
        let mut p = packet(0x100, 0, false, Some(&Af::default()), &[0; 100]);
        assert!(mark_discontinuity(&mut p));
        assert!(Packet::new(&p).unwrap().discontinuity());
        let mut q = packet(0x100, 0, false, None, &[0; 184]);
        assert!(!mark_discontinuity(&mut q));
        let mut r = packet(0x100, 0, false, None, &[0; 183]); // adaptation length 0
        assert!(!mark_discontinuity(&mut r));
    }

    #[test]
    fn marker_makes_next_packet_continuous() {
        for next in [0u8, 1, 15] {
            let m = discontinuity_marker(0x1FFE, next);
            let p = Packet::new(&m).unwrap();
            assert_eq!(p.pid(), 0x1FFE);
            assert!(!p.has_payload());
            assert!(p.discontinuity());
            assert_eq!(p.continuity_counter(), next.wrapping_sub(1) & 0xF);
            assert!(m[6..].iter().all(|&b| b == 0xFF));

            let mut s = packet(0x1FFE, 9, false, None, &[0; 184]).to_vec();
            s.extend_from_slice(&m);
            s.extend_from_slice(&packet(0x1FFE, next, false, None, &[0; 184]));
            let r = check(&s);
            assert!(r.cc_errors.is_empty(), "{r:?}");
            assert_eq!(r.discontinuities, 1);
        }
    }

    #[test]
    fn reads_pts() {
        let p = video_packet(None, 123_456, Some(100_000));
        assert_eq!(pes_pts(&p), Some(123_456));
        let no_pts = packet(0x100, 0, true, None, &pes(0xE0, None, None, &[1]));
        assert_eq!(pes_pts(&no_pts), None);
    }
}
