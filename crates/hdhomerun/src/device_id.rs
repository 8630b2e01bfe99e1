//! HDHomeRun DeviceIDs: 8 hex digits whose nibbles satisfy SiliconDust's
//! checksum. Plex keys a tuner by its DeviceID, so it is made once per data
//! dir and kept forever.

/// The checksum table (DESIGN.md section 5).
const TABLE: [u32; 16] = [
    0xA, 0x5, 0xF, 0x6, 0x7, 0xC, 0x1, 0xB, 0x9, 0x2, 0x8, 0xD, 0x4, 0x3, 0xE, 0x0,
];

/// Whether `id` passes the checksum.
pub fn is_valid(id: u32) -> bool {
    let nibble = |shift: u32| (id >> shift) & 0xF;
    let mut sum = 0;
    for shift in [28, 20, 12, 4] {
        sum ^= TABLE[nibble(shift) as usize];
    }
    for shift in [24, 16, 8, 0] {
        sum ^= nibble(shift);
    }
    sum == 0
}

/// Makes `id` valid by choosing its last nibble.
pub fn with_checksum(id: u32) -> u32 {
    let base = id & 0xFFFF_FFF0;
    (0..16)
        .map(|n| base | n)
        .find(|c| is_valid(*c))
        .expect("one last nibble always fits")
}

/// Parses 8 hex digits, explaining what is wrong.
pub fn parse(text: &str) -> Result<u32, String> {
    let t = text.trim();
    if t.len() != 8 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "DeviceID {t:?} must be exactly 8 hex digits, e.g. 10439EFD"
        ));
    }
    let id = u32::from_str_radix(t, 16).expect("checked hex");
    if !is_valid(id) {
        return Err(format!(
            "DeviceID {t} fails the HDHomeRun checksum (Plex and hdhomerun_config reject it); {:08X} would pass",
            with_checksum(id)
        ));
    }
    Ok(id)
}

/// Formats as Plex shows it: 8 upper-case hex digits.
pub fn format(id: u32) -> String {
    format!("{id:08X}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_ids() {
        assert!(is_valid(0x10439EFD));
        assert!(!is_valid(0x12345678));
        assert!(parse("10439efd").is_ok());
        let err = parse("12345678").unwrap_err();
        assert!(err.contains("checksum") && err.contains("1234567"), "{err}");
        assert!(parse("1234").unwrap_err().contains("8 hex digits"));
    }

    #[test]
    fn every_base_gets_exactly_one_valid_last_nibble() {
        for base in [0u32, 0x1043_9EF0, 0xFFFF_FFF0, 0x8000_0000, 0x1234_5670] {
            let valid: Vec<u32> = (0..16).map(|n| base | n).filter(|c| is_valid(*c)).collect();
            assert_eq!(valid.len(), 1, "{base:08X}");
            assert_eq!(with_checksum(base), valid[0]);
        }
    }
}
