//! Recognising the start of a video keyframe from elementary-stream bytes.

/// Video codecs the tracker recognises in a PMT, so it knows how to read NAL
/// (or start code) headers when looking for keyframes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VideoCodec {
    /// H.264 / AVC (stream_type 0x1B).
    H264,
    /// H.265 / HEVC (stream_type 0x24).
    Hevc,
    /// MPEG-2 video (stream_type 0x02).
    Mpeg2,
}

impl VideoCodec {
    /// The codec a PMT stream_type announces, if it is a video codec we track.
    pub fn from_stream_type(stream_type: u8) -> Option<VideoCodec> {
        match stream_type {
            0x1B => Some(VideoCodec::H264),
            0x24 => Some(VideoCodec::Hevc),
            0x02 => Some(VideoCodec::Mpeg2),
            _ => None,
        }
    }

    /// Whether the code (the byte after a `00 00 01` start code) begins a unit
    /// a decoder can start from: H.264 IDR (5) or SPS (7); HEVC IRAP (16..=21)
    /// or VPS (32); MPEG-2 sequence header (0xB3).
    fn starts_keyframe(self, header: u8) -> bool {
        match self {
            VideoCodec::H264 => matches!(header & 0x1F, 5 | 7),
            VideoCodec::Hevc => matches!((header >> 1) & 0x3F, 16..=21 | 32),
            VideoCodec::Mpeg2 => header == 0xB3,
        }
    }
}

/// Whether `es` carries the parameter sets a decoder needs to start: H.264
/// SPS (7), HEVC VPS or SPS (32, 33), an MPEG-2 sequence header. A picture
/// that brings them is a place a splice can start a new source at.
pub(crate) fn contains_parameter_sets(codec: VideoCodec, es: &[u8]) -> bool {
    es.windows(4).any(|w| {
        w[0] == 0
            && w[1] == 0
            && w[2] == 1
            && match codec {
                VideoCodec::H264 => w[3] & 0x1F == 7,
                VideoCodec::Hevc => matches!((w[3] >> 1) & 0x3F, 32 | 33),
                VideoCodec::Mpeg2 => w[3] == 0xB3,
            }
    })
}

/// Whether `es` (elementary-stream bytes after the PES header) contains a start
/// code that begins a keyframe for `codec`.
pub(crate) fn contains_keyframe(codec: VideoCodec, es: &[u8]) -> bool {
    es.windows(4)
        .any(|w| w[0] == 0 && w[1] == 0 && w[2] == 1 && codec.starts_keyframe(w[3]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn h264() {
        let c = VideoCodec::H264;
        assert!(contains_keyframe(
            c,
            &[0, 0, 0, 1, 0x09, 0xF0, 0, 0, 1, 0x67]
        ));
        assert!(contains_keyframe(c, &[0, 0, 1, 0x65, 0x88]));
        assert!(!contains_keyframe(
            c,
            &[0, 0, 0, 1, 0x09, 0xF0, 0, 0, 1, 0x41]
        ));
        // A start code cut off at the end is not a match.
        assert!(!contains_keyframe(c, &[0x41, 0, 0, 1]));
        assert!(!contains_keyframe(c, &[]));
    }

    #[test]
    fn parameter_sets() {
        assert!(contains_parameter_sets(
            VideoCodec::H264,
            &[0, 0, 1, 0x67, 1]
        ));
        assert!(!contains_parameter_sets(
            VideoCodec::H264,
            &[0, 0, 1, 0x65, 1]
        ));
        assert!(contains_parameter_sets(
            VideoCodec::Hevc,
            &[0, 0, 1, 0x40, 1]
        ));
        assert!(!contains_parameter_sets(
            VideoCodec::Hevc,
            &[0, 0, 1, 0x26, 1]
        ));
        assert!(contains_parameter_sets(VideoCodec::Mpeg2, &[0, 0, 1, 0xB3]));
    }

    #[test]
    fn hevc() {
        let c = VideoCodec::Hevc;
        // VPS: type 32 → header byte 0x40.
        assert!(contains_keyframe(c, &[0, 0, 1, 0x40, 0x01]));
        // IDR_W_RADL: type 19 → 0x26.
        assert!(contains_keyframe(c, &[0, 0, 1, 0x26, 0x01]));
        // TRAIL_R: type 1 → 0x02.
        assert!(!contains_keyframe(c, &[0, 0, 1, 0x02, 0x01]));
    }

    #[test]
    fn mpeg2() {
        let c = VideoCodec::Mpeg2;
        assert!(contains_keyframe(c, &[0, 0, 1, 0xB3, 0x14]));
        assert!(!contains_keyframe(c, &[0, 0, 1, 0x00, 0x14]));
    }

    #[test]
    fn stream_types() {
        assert_eq!(VideoCodec::from_stream_type(0x1B), Some(VideoCodec::H264));
        assert_eq!(VideoCodec::from_stream_type(0x24), Some(VideoCodec::Hevc));
        assert_eq!(VideoCodec::from_stream_type(0x02), Some(VideoCodec::Mpeg2));
        assert_eq!(VideoCodec::from_stream_type(0x0F), None);
    }
}
