//! PES header layout: where the timestamps and the elementary-stream data are.

/// Where the interesting fields of a PES header sit, as offsets into the
/// payload the header starts in. Offsets are only given when in bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PesHeader {
    /// Offset of the 5-byte PTS field.
    pub pts_at: Option<usize>,
    /// Offset of the 5-byte DTS field.
    pub dts_at: Option<usize>,
    /// Offset where elementary-stream data begins (may be past the payload's end
    /// when the header continues in the next packet).
    pub data_at: usize,
}

/// Stream ids whose PES packets have no optional header (so no PTS/DTS):
/// program_stream_map, padding, private_stream_2, ECM, EMM, directory, DSM-CC,
/// H.222.1 type E.
fn has_optional_header(stream_id: u8) -> bool {
    !matches!(
        stream_id,
        0xBC | 0xBE | 0xBF | 0xF0 | 0xF1 | 0xFF | 0xF2 | 0xF8
    )
}

/// Parses the PES header starting at the beginning of `payload` (the payload of
/// a packet with PUSI set). `None` unless it starts with `00 00 01` and its
/// fixed part is well formed.
pub(crate) fn parse(payload: &[u8]) -> Option<PesHeader> {
    let fixed = payload.get(..6)?;
    if fixed[..3] != [0, 0, 1] {
        return None;
    }
    if !has_optional_header(fixed[3]) {
        return Some(PesHeader {
            pts_at: None,
            dts_at: None,
            data_at: 6,
        });
    }
    let opt = payload.get(6..9)?;
    if opt[0] & 0xC0 != 0x80 {
        return None;
    }
    let flags = opt[1] >> 6;
    let header_len = usize::from(opt[2]);
    let fits = |at: usize| header_len >= at + 5 - 9 && payload.len() >= at + 5;
    let (pts_at, dts_at) = match flags {
        2 => (fits(9).then_some(9), None),
        3 => (fits(9).then_some(9), fits(14).then_some(14)),
        _ => (None, None),
    };
    Some(PesHeader {
        pts_at,
        dts_at,
        data_at: 9 + header_len,
    })
}

/// The bytes a PES starting at `payload` announces after its length field
/// (PES_packet_length), 0 when unbounded or not a PES.
pub(crate) fn announced_len(payload: &[u8]) -> usize {
    match payload {
        [0, 0, 1, _, hi, lo, ..] => usize::from(*hi) << 8 | usize::from(*lo),
        _ => 0,
    }
}

/// Reads a 33-bit PTS/DTS from its 5-byte field.
pub(crate) fn read_timestamp(b: &[u8]) -> Option<u64> {
    match b {
        [b0, b1, b2, b3, b4, ..] => Some(
            u64::from(*b0 >> 1 & 0x07) << 30
                | u64::from(*b1) << 22
                | u64::from(*b2 >> 1) << 15
                | u64::from(*b3) << 7
                | u64::from(*b4 >> 1),
        ),
        _ => None,
    }
}

/// Writes a 33-bit PTS/DTS into its 5-byte field, keeping the 4-bit prefix and
/// the marker bits as they were.
pub(crate) fn write_timestamp(b: &mut [u8], ts: u64) {
    if let [b0, b1, b2, b3, b4, ..] = b {
        *b0 = (*b0 & 0xF1) | ((ts >> 30) as u8 & 0x07) << 1;
        *b1 = (ts >> 22) as u8;
        *b2 = (*b2 & 0x01) | ((ts >> 15) as u8) << 1;
        *b3 = (ts >> 7) as u8;
        *b4 = (*b4 & 0x01) | (ts as u8) << 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::pes;

    #[test]
    fn finds_pts_dts_and_data() {
        let p = pes(0xE0, Some(1000), Some(900), &[0xAB; 4]);
        let h = parse(&p).unwrap();
        assert_eq!(h.pts_at, Some(9));
        assert_eq!(h.dts_at, Some(14));
        assert_eq!(h.data_at, 19);
        assert_eq!(read_timestamp(&p[9..]), Some(1000));
        assert_eq!(read_timestamp(&p[14..]), Some(900));
        assert_eq!(p[h.data_at], 0xAB);

        let p = pes(0xC0, Some(5), None, &[1]);
        let h = parse(&p).unwrap();
        assert_eq!((h.pts_at, h.dts_at, h.data_at), (Some(9), None, 14));
    }

    #[test]
    fn no_optional_header_for_padding() {
        let p = [0, 0, 1, 0xBE, 0, 4, 0xFF, 0xFF, 0xFF, 0xFF];
        assert_eq!(
            parse(&p),
            Some(PesHeader {
                pts_at: None,
                dts_at: None,
                data_at: 6
            })
        );
    }

    #[test]
    fn rejects_malformed() {
        assert_eq!(parse(&[0, 0, 2, 0xE0, 0, 0, 0x80, 0, 0]), None);
        assert_eq!(parse(&[0, 0, 1, 0xE0, 0, 0, 0x40, 0, 0]), None);
        assert_eq!(parse(&[0, 0, 1, 0xE0, 0, 0, 0x80]), None);
        assert_eq!(parse(&[]), None);
        // PTS flagged but header too short to hold it.
        let mut p = pes(0xE0, Some(1), None, &[]);
        p[8] = 2;
        assert_eq!(parse(&p).unwrap().pts_at, None);
        // PTS flagged but the payload ends first.
        let p = pes(0xE0, Some(1), None, &[]);
        assert_eq!(parse(&p[..12]).unwrap().pts_at, None);
    }

    #[test]
    fn timestamp_round_trip_keeps_prefix_and_markers() {
        let mut b = [0x31, 0, 0x01, 0, 0x01];
        for ts in [0u64, 1, 90_000, (1 << 32) + 12345, (1 << 33) - 1] {
            write_timestamp(&mut b, ts);
            assert_eq!(read_timestamp(&b), Some(ts));
            assert_eq!(b[0] & 0xF1, 0x31);
            assert_eq!(b[2] & 1, 1);
            assert_eq!(b[4] & 1, 1);
        }
        assert_eq!(read_timestamp(&b[..4]), None);
    }
}
