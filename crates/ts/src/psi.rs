//! PAT and PMT parsing: just enough to find the video stream.
//!
//! Only sections that start and end in one packet are read (PAT and PMT fit in
//! practice); lengths are never trusted, the CRC must match (as in ffmpeg, a
//! damaged table is dropped rather than acted on), and "next" tables
//! (current_next_indicator 0) are ignored.

use super::crc::crc32_mpeg;
use super::keyframe::VideoCodec;

/// table_id of a program association section.
const PAT_TABLE_ID: u8 = 0x00;
/// table_id of a program map section.
const PMT_TABLE_ID: u8 = 0x02;

/// The video elementary stream a PMT announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct VideoStream {
    /// PID carrying the video PES packets.
    pub pid: u16,
    /// Codec, from the PMT stream_type.
    pub codec: VideoCodec,
}

/// A checked long-form section with `table_id` that starts and ends in
/// `payload` (a PUSI packet's payload), header to CRC included.
pub(crate) fn whole_section(payload: &[u8], table_id: u8) -> Option<&[u8]> {
    let pointer = usize::from(*payload.first()?);
    let s = payload.get(1 + pointer..)?;
    let head = s.get(..3)?;
    let len = usize::from(head[1] & 0x0F) << 8 | usize::from(head[2]);
    let s = s.get(..3 + len)?;
    // Long form (section_syntax_indicator) with room for its header and CRC.
    if s[0] != table_id || s[1] & 0x80 == 0 || len < 9 {
        return None;
    }
    // current_next_indicator 1, first section only.
    if s[5] & 0x01 == 0 || s[6] != 0 {
        return None;
    }
    if crc32_mpeg(s) != 0 {
        return None;
    }
    Some(s)
}

/// The body (after the 8-byte long-form header, before the CRC) of a checked
/// section with `table_id` that starts in `payload` (a PUSI packet's payload).
fn section_body(payload: &[u8], table_id: u8) -> Option<&[u8]> {
    let s = whole_section(payload, table_id)?;
    s.get(8..s.len() - 4)
}

pub(crate) fn pid_at(b: &[u8]) -> u16 {
    u16::from(b[0] & 0x1F) << 8 | u16::from(b[1])
}

pub(crate) fn len12_at(b: &[u8]) -> usize {
    usize::from(b[0] & 0x0F) << 8 | usize::from(b[1])
}

/// PMT PIDs listed by a PAT starting in this payload, in order (the network PID
/// of program 0 is skipped). `None` when there is no valid PAT here.
pub(crate) fn pat_pmt_pids(payload: &[u8]) -> Option<Vec<u16>> {
    let body = section_body(payload, PAT_TABLE_ID)?;
    Some(
        body.chunks_exact(4)
            .filter(|e| u16::from_be_bytes([e[0], e[1]]) != 0)
            .map(|e| pid_at(&e[2..]))
            .collect(),
    )
}

/// The first video stream of a PMT starting in this payload: `Some(None)` for a
/// valid PMT without video, `None` when there is no valid PMT here.
#[cfg(test)]
pub(crate) fn pmt_video(payload: &[u8]) -> Option<Option<VideoStream>> {
    pmt_streams(payload).map(|s| s.video)
}

/// What a PMT announces that the tracker follows: the first video stream,
/// every audio stream and the PCR PID.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct PmtStreams {
    /// The first video stream, if any.
    pub video: Option<VideoStream>,
    /// PIDs of the audio streams, in PMT order.
    pub audio: Vec<u16>,
    /// The PID whose adaptation fields carry the programme's clock.
    pub pcr_pid: u16,
}

/// The streams of a PMT starting in this payload, `None` when there is no
/// valid PMT here.
pub(crate) fn pmt_streams(payload: &[u8]) -> Option<PmtStreams> {
    let body = section_body(payload, PMT_TABLE_ID)?;
    let fixed = body.get(..4)?;
    let info_len = len12_at(&fixed[2..]);
    let mut es = body.get(4 + info_len..)?;
    let mut found = PmtStreams {
        pcr_pid: pid_at(fixed),
        ..PmtStreams::default()
    };
    while es.len() >= 5 {
        let stream_type = es[0];
        let pid = pid_at(&es[1..]);
        let es_info_len = len12_at(&es[3..]);
        let descriptors = es.get(5..5 + es_info_len).unwrap_or_default();
        if let Some(codec) = VideoCodec::from_stream_type(stream_type) {
            if found.video.is_none() {
                found.video = Some(VideoStream { pid, codec });
            }
        } else if is_audio(stream_type, descriptors) && !found.audio.contains(&pid) {
            found.audio.push(pid);
        }
        es = es.get(5 + es_info_len..)?;
    }
    Some(found)
}

/// Audio by stream_type (MPEG-1/2 audio, AAC ADTS and LATM, ATSC AC-3 and
/// E-AC-3), or DVB private data (0x06) carrying an AC-3, E-AC-3, DTS or AAC
/// descriptor.
pub(crate) fn is_audio(stream_type: u8, descriptors: &[u8]) -> bool {
    match stream_type {
        0x03 | 0x04 | 0x0F | 0x11 | 0x81 | 0x87 => true,
        0x06 => {
            let mut d = descriptors;
            while let [tag, len, rest @ ..] = d {
                if matches!(tag, 0x6A | 0x7A | 0x7B | 0x7C) {
                    return true;
                }
                d = rest.get(usize::from(*len)..).unwrap_or_default();
            }
            false
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{pat_section, pmt_section, psi_payload};

    #[test]
    fn parses_pat() {
        let p = psi_payload(&pat_section(&[(0, 0x10), (1, 0x1000), (2, 0x1001)]));
        assert_eq!(pat_pmt_pids(&p), Some(vec![0x1000, 0x1001]));
    }

    #[test]
    fn honours_pointer_field() {
        let mut p = vec![3, 0xAA, 0xBB, 0xCC];
        p.extend_from_slice(&pat_section(&[(1, 0x100)]));
        assert_eq!(pat_pmt_pids(&p), Some(vec![0x100]));
    }

    #[test]
    fn rejects_bad_crc_length_and_table() {
        let good = psi_payload(&pat_section(&[(1, 0x100)]));
        let mut bad_crc = good.clone();
        bad_crc[10] ^= 1;
        assert_eq!(pat_pmt_pids(&bad_crc), None);
        let mut long = good.clone();
        long[3] = 0xFF; // section_length runs past the packet
        assert_eq!(pat_pmt_pids(&long), None);
        let mut short = good.clone();
        short[2] &= 0xF0;
        short[3] = 2;
        assert_eq!(pat_pmt_pids(&short), None);
        // A PMT is not a PAT.
        let pmt = psi_payload(&pmt_section(1, 0x100, &[(0x1B, 0x100)]));
        assert_eq!(pat_pmt_pids(&pmt), None);
        assert_eq!(pat_pmt_pids(&[]), None);
        assert_eq!(pat_pmt_pids(&[200]), None);
    }

    #[test]
    fn ignores_next_tables() {
        let mut s = pat_section(&[(1, 0x100)]);
        s[5] &= !1;
        let n = s.len();
        let crc = crc32_mpeg(&s[..n - 4]);
        s[n - 4..].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(pat_pmt_pids(&psi_payload(&s)), None);
    }

    #[test]
    fn finds_first_video_stream() {
        let p = psi_payload(&pmt_section(
            1,
            0x100,
            &[(0x0F, 0x101), (0x24, 0x102), (0x1B, 0x103)],
        ));
        assert_eq!(
            pmt_video(&p),
            Some(Some(VideoStream {
                pid: 0x102,
                codec: VideoCodec::Hevc
            }))
        );
        let audio_only = psi_payload(&pmt_section(1, 0x101, &[(0x0F, 0x101)]));
        assert_eq!(pmt_video(&audio_only), Some(None));
    }

    #[test]
    fn pmt_with_overlong_descriptor_lengths_is_rejected() {
        let mut s = pmt_section(1, 0x100, &[(0x0F, 0x101), (0x1B, 0x100)]);
        // Claim a huge ES_info_length on the first stream.
        s[15] = 0x0F;
        s[16] = 0xFF;
        let n = s.len();
        let crc = crc32_mpeg(&s[..n - 4]);
        s[n - 4..].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(pmt_video(&psi_payload(&s)), None);
    }
}
