//! A read-only view of one 188-byte transport stream packet.

use super::{PACKET_SIZE, SYNC_BYTE};

/// One transport stream packet, borrowed: the relay and the checker read header
/// fields without copying, and every accessor is bounds-safe on hostile bytes.
#[derive(Clone, Copy, Debug)]
pub struct Packet<'a> {
    bytes: &'a [u8],
}

impl<'a> Packet<'a> {
    /// Wraps `bytes` when it is exactly one packet starting with the sync byte;
    /// `None` otherwise, so later accessors can rely on the length.
    pub fn new(bytes: &'a [u8]) -> Option<Packet<'a>> {
        if bytes.len() == PACKET_SIZE && bytes[0] == SYNC_BYTE {
            Some(Packet { bytes })
        } else {
            None
        }
    }

    /// The packet's raw 188 bytes.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// 13-bit packet identifier: which elementary stream or table this carries.
    pub fn pid(&self) -> u16 {
        u16::from(self.bytes[1] & 0x1F) << 8 | u16::from(self.bytes[2])
    }

    /// payload_unit_start_indicator: a PES packet or PSI section starts here.
    pub fn pusi(&self) -> bool {
        self.bytes[1] & 0x40 != 0
    }

    /// transport_error_indicator: the sender flagged this packet as damaged.
    pub fn transport_error(&self) -> bool {
        self.bytes[1] & 0x80 != 0
    }

    /// 4-bit per-PID counter used to detect lost packets.
    pub fn continuity_counter(&self) -> u8 {
        self.bytes[3] & 0x0F
    }

    /// adaptation_field_control (2 bits): 1 payload, 2 adaptation, 3 both, 0 reserved.
    pub fn adaptation_field_control(&self) -> u8 {
        (self.bytes[3] >> 4) & 0x03
    }

    /// Whether the packet declares a payload.
    pub fn has_payload(&self) -> bool {
        self.adaptation_field_control() & 1 != 0
    }

    /// Whether the packet declares an adaptation field.
    pub fn has_adaptation(&self) -> bool {
        self.adaptation_field_control() & 2 != 0
    }

    /// adaptation_field_length, when the packet has an adaptation field.
    pub fn adaptation_len(&self) -> Option<usize> {
        self.has_adaptation().then(|| usize::from(self.bytes[4]))
    }

    /// The adaptation field's flag byte, when its length is at least 1. Like
    /// ffmpeg, an over-long length does not hide the flags (byte 5 always exists).
    fn flags(&self) -> u8 {
        match self.adaptation_len() {
            Some(len) if len >= 1 => self.bytes[5],
            _ => 0,
        }
    }

    /// discontinuity_indicator: a counter or timebase jump here is intended.
    pub fn discontinuity(&self) -> bool {
        self.flags() & 0x80 != 0
    }

    /// random_access_indicator: the muxer marked a decoding entry point (keyframe).
    pub fn random_access(&self) -> bool {
        self.flags() & 0x40 != 0
    }

    /// PCR base (33 bits, 90 kHz units), when the adaptation field carries one.
    pub fn pcr(&self) -> Option<u64> {
        let len = self.adaptation_len()?;
        if len < 7 || self.flags() & 0x10 == 0 {
            return None;
        }
        Some(read_pcr_base(&self.bytes[6..12]))
    }

    /// Byte offset of the payload within the packet, or `None` when the packet
    /// has no payload or its adaptation length runs past the end.
    pub fn payload_offset(&self) -> Option<usize> {
        if !self.has_payload() {
            return None;
        }
        let start = match self.adaptation_len() {
            Some(len) => 5 + len,
            None => 4,
        };
        (start <= PACKET_SIZE).then_some(start)
    }

    /// The payload bytes; empty when there is none or the adaptation length is malformed.
    pub fn payload(&self) -> &'a [u8] {
        match self.payload_offset() {
            Some(start) => &self.bytes[start..],
            None => &[],
        }
    }
}

/// Reads a 33-bit PCR base from the 6 PCR bytes of an adaptation field.
pub(crate) fn read_pcr_base(b: &[u8]) -> u64 {
    match b {
        [b0, b1, b2, b3, b4, ..] => {
            u64::from(*b0) << 25
                | u64::from(*b1) << 17
                | u64::from(*b2) << 9
                | u64::from(*b3) << 1
                | u64::from(*b4) >> 7
        }
        _ => 0,
    }
}

/// Writes a 33-bit PCR base into the 6 PCR bytes, keeping the reserved bits and
/// the 9-bit extension.
pub(crate) fn write_pcr_base(b: &mut [u8], base: u64) {
    if let [b0, b1, b2, b3, b4, ..] = b {
        *b0 = (base >> 25) as u8;
        *b1 = (base >> 17) as u8;
        *b2 = (base >> 9) as u8;
        *b3 = (base >> 1) as u8;
        *b4 = (*b4 & 0x7F) | ((base & 1) as u8) << 7;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{packet, Af};

    #[test]
    fn rejects_wrong_length_or_sync() {
        assert!(Packet::new(&[]).is_none());
        assert!(Packet::new(&[0x47; 187]).is_none());
        assert!(Packet::new(&[0x47; 189]).is_none());
        let mut p = [0u8; 188];
        assert!(Packet::new(&p).is_none());
        p[0] = 0x47;
        assert!(Packet::new(&p).is_some());
    }

    #[test]
    fn reads_header_fields() {
        let p = packet(0x1ABC, 9, true, None, &[1, 2, 3]);
        let p = Packet::new(&p).unwrap();
        assert_eq!(p.pid(), 0x1ABC);
        assert!(p.pusi());
        assert_eq!(p.continuity_counter(), 9);
        assert!(p.has_payload());
        // A short payload is padded with adaptation stuffing, as muxers do.
        assert!(p.has_adaptation());
        assert!(!p.discontinuity());
        assert!(!p.random_access());
        assert_eq!(p.pcr(), None);
        assert_eq!(p.payload(), &[1, 2, 3]);
    }

    #[test]
    fn full_payload_has_no_adaptation() {
        let p = packet(0x100, 0, false, None, &[0xAA; 184]);
        let p = Packet::new(&p).unwrap();
        assert!(!p.has_adaptation());
        assert_eq!(p.adaptation_len(), None);
        assert_eq!(p.payload().len(), 184);
        assert!(!p.pusi());
    }

    #[test]
    fn reads_adaptation_flags_and_pcr() {
        let af = Af {
            discontinuity: true,
            random_access: true,
            pcr: Some((1 << 33) - 2),
        };
        let p = packet(0x44, 3, false, Some(&af), &[7; 10]);
        let p = Packet::new(&p).unwrap();
        assert!(p.discontinuity());
        assert!(p.random_access());
        assert_eq!(p.pcr(), Some((1 << 33) - 2));
        assert_eq!(p.payload(), &[7; 10]);
    }

    #[test]
    fn adaptation_only_has_empty_payload() {
        let p = packet(0x44, 3, false, Some(&Af::default()), &[]);
        let p = Packet::new(&p).unwrap();
        assert!(!p.has_payload());
        assert!(p.payload().is_empty());
        assert_eq!(p.adaptation_field_control(), 2);
    }

    #[test]
    fn malformed_adaptation_length_gives_empty_payload() {
        let mut p = packet(0x44, 3, false, Some(&Af::default()), &[1; 20]);
        p[4] = 200;
        let p = Packet::new(&p).unwrap();
        assert!(p.payload().is_empty());
        assert_eq!(p.payload_offset(), None);
        // A length of exactly 183 with a payload flag leaves an empty payload.
        let mut q = packet(0x44, 3, false, Some(&Af::default()), &[1; 20]);
        q[4] = 183;
        assert!(Packet::new(&q).unwrap().payload().is_empty());
    }

    #[test]
    fn pcr_needs_room_and_flag() {
        let af = Af {
            pcr: Some(12345),
            ..Af::default()
        };
        let mut p = packet(0x44, 0, false, Some(&af), &[0; 100]);
        assert_eq!(Packet::new(&p).unwrap().pcr(), Some(12345));
        p[4] = 6;
        assert_eq!(Packet::new(&p).unwrap().pcr(), None);
    }

    #[test]
    fn pcr_base_round_trips_and_keeps_extension() {
        let mut b = [0u8, 0, 0, 0, 0x7E, 0xAB];
        for v in [0u64, 1, 0x1_2345_6789 & ((1 << 33) - 1), (1 << 33) - 1] {
            write_pcr_base(&mut b, v);
            assert_eq!(read_pcr_base(&b), v);
            assert_eq!(b[4] & 0x7F, 0x7E);
            assert_eq!(b[5], 0xAB);
        }
    }
}
