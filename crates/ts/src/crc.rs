//! CRC-32/MPEG-2, the checksum that ends every PSI section.
//!
//! Not zlib's CRC-32 (no bit reflection, no final XOR), so `crc32fast` does not
//! apply. PSI sections are short and rare (a few per second), so a bitwise loop
//! is plenty.

/// CRC-32/MPEG-2 of `data` (polynomial 0x04C11DB7, initial value all ones).
/// Over a whole section including its trailing CRC the result is 0.
pub(crate) fn crc32_mpeg(data: &[u8]) -> u32 {
    let mut crc = u32::MAX;
    for &byte in data {
        crc ^= u32::from(byte) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 {
                (crc << 1) ^ 0x04C1_1DB7
            } else {
                crc << 1
            };
        }
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_value() {
        // The catalogued check value of CRC-32/MPEG-2.
        assert_eq!(crc32_mpeg(b"123456789"), 0x0376_E6E7);
    }

    #[test]
    fn section_with_crc_sums_to_zero() {
        let mut s = b"\x00\xB0\x0D\x00\x01\xC1\x00\x00\x00\x01\xF0\x00".to_vec();
        let crc = crc32_mpeg(&s);
        s.extend_from_slice(&crc.to_be_bytes());
        assert_eq!(crc32_mpeg(&s), 0);
    }
}
