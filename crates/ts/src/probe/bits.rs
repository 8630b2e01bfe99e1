//! Reading a NAL unit's payload bit by bit: emulation-prevention bytes
//! (`00 00 03`) dropped, fixed-width fields and Exp-Golomb codes. Every read
//! past the end is `None`, so a cut or hostile parameter set ends the parse
//! instead of panicking.

/// A bit reader over a NAL unit's RBSP (its bytes after the NAL header).
pub(crate) struct Bits<'a> {
    bytes: &'a [u8],
    /// Next byte to read.
    at: usize,
    /// Zero bytes just read (for emulation prevention).
    zeros: u8,
    /// The byte being read and how many of its bits are left.
    current: u8,
    left: u8,
}

impl<'a> Bits<'a> {
    /// A reader at the start of `bytes`.
    pub(crate) fn new(bytes: &'a [u8]) -> Bits<'a> {
        Bits {
            bytes,
            at: 0,
            zeros: 0,
            current: 0,
            left: 0,
        }
    }

    fn next_byte(&mut self) -> Option<u8> {
        let mut b = *self.bytes.get(self.at)?;
        self.at += 1;
        if self.zeros >= 2 && b == 3 {
            // An emulation-prevention byte: not part of the payload.
            self.zeros = 0;
            b = *self.bytes.get(self.at)?;
            self.at += 1;
        }
        self.zeros = if b == 0 {
            self.zeros.saturating_add(1)
        } else {
            0
        };
        Some(b)
    }

    /// One bit.
    pub(crate) fn bit(&mut self) -> Option<bool> {
        if self.left == 0 {
            self.current = self.next_byte()?;
            self.left = 8;
        }
        self.left -= 1;
        Some(self.current >> self.left & 1 == 1)
    }

    /// `n` bits (at most 32), most significant first.
    pub(crate) fn bits(&mut self, n: u8) -> Option<u32> {
        debug_assert!(n <= 32);
        let mut v = 0u32;
        for _ in 0..n {
            v = v << 1 | u32::from(self.bit()?);
        }
        Some(v)
    }

    /// Skips `n` bits.
    pub(crate) fn skip(&mut self, n: u32) -> Option<()> {
        for _ in 0..n {
            self.bit()?;
        }
        Some(())
    }

    /// An unsigned Exp-Golomb code (`ue(v)`), at most 32 bits of value.
    pub(crate) fn ue(&mut self) -> Option<u32> {
        let mut zeros = 0u8;
        while !self.bit()? {
            zeros += 1;
            if zeros > 31 {
                return None;
            }
        }
        let rest = self.bits(zeros)?;
        Some(((1u64 << zeros) - 1 + u64::from(rest)).min(u64::from(u32::MAX)) as u32)
    }

    /// A signed Exp-Golomb code (`se(v)`).
    pub(crate) fn se(&mut self) -> Option<i64> {
        let k = i64::from(self.ue()?);
        Some(if k % 2 == 1 { (k + 1) / 2 } else { -(k / 2) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_golomb_and_fields() {
        // 1 | 010 | 011 | 00100 | 1010 -> ue 0, ue 1, ue 2, ue 3, bits 0b1010
        let mut b = Bits::new(&[0b1010_0110, 0b0100_1010]);
        assert_eq!(b.ue(), Some(0));
        assert_eq!(b.ue(), Some(1));
        assert_eq!(b.ue(), Some(2));
        assert_eq!(b.ue(), Some(3));
        assert_eq!(b.bits(4), Some(0b1010));
        assert_eq!(b.bit(), None);
    }

    #[test]
    fn signed_codes() {
        // ue 1 -> +1, ue 2 -> -1, ue 3 -> +2
        let mut b = Bits::new(&[0b0100_1100, 0b1000_0000]);
        assert_eq!(b.se(), Some(1));
        assert_eq!(b.se(), Some(-1));
        assert_eq!(b.se(), Some(2));
    }

    #[test]
    fn emulation_prevention_is_dropped() {
        let mut b = Bits::new(&[0, 0, 3, 1]);
        assert_eq!(b.bits(24), Some(1));
        assert_eq!(b.bit(), None);
    }

    #[test]
    fn endless_zeros_are_refused() {
        let mut b = Bits::new(&[0; 16]);
        assert_eq!(b.ue(), None);
    }
}
