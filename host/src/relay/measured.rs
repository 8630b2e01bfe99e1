//! What the stream playing really is, as the relay measured it from the
//! bytes it passes (`streamforge_ts::probe`, read by the pump's tracker at
//! keyframes): shown by `status` beside the tier the stream's name claims.

use serde::{Deserialize, Serialize};
use streamforge_ts::probe::{Picture, Sound};
use streamforge_ts::{Tracker, VideoCodec};

/// The measured format of a session's output.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Measured {
    /// `1280x720p25 H.264 High`, once a keyframe's SPS was read.
    pub video: Option<String>,
    /// The tier the picture's size makes it (`FHD`), whatever the name says.
    pub tier: Option<String>,
    /// `AAC 2ch 48 kHz`, once an audio frame header was read.
    pub audio: Option<String>,
}

impl Measured {
    /// What `tracker` (of the stream as sent) has read so far.
    pub(crate) fn of(tracker: &Tracker) -> Measured {
        let codec = tracker.video_codec();
        Measured {
            video: tracker.picture().map(|p| video_words(p, codec)),
            tier: tracker.picture().map(|p| p.tier().to_string()),
            audio: tracker.sound().map(audio_words),
        }
    }
}

fn video_words(p: &Picture, codec: Option<VideoCodec>) -> String {
    let scan = if p.interlaced { 'i' } else { 'p' };
    let rate = p
        .frame_rate
        .map(|r| {
            let fps = r.fps();
            if (fps - fps.round()).abs() < 0.005 {
                format!("{}", fps.round())
            } else {
                format!("{fps:.2}")
            }
        })
        .unwrap_or_default();
    let codec = match codec {
        Some(VideoCodec::H264) => "H.264",
        Some(VideoCodec::Hevc) => "HEVC",
        Some(VideoCodec::Mpeg2) => "MPEG-2",
        None => "video",
    };
    format!("{}x{}{scan}{rate} {codec} {}", p.width, p.height, p.profile)
}

fn audio_words(s: &Sound) -> String {
    let channels = match s.channels {
        6 => "5.1".to_string(),
        8 => "7.1".to_string(),
        n => format!("{n}ch"),
    };
    format!(
        "{} {channels} {} kHz",
        s.codec,
        f64::from(s.sample_rate) / 1000.0
    )
}
