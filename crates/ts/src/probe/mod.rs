//! What a stream is, read from the headers the relay already passes: the
//! video's real size, interlacing and frame rate from its sequence parameter
//! set (H.264, HEVC), the sound's codec, channels and rate from its first
//! frame header. Nothing is decoded; providers' names ("FHD") are not
//! believed. The [`Tracker`](crate::Tracker) reads these once a stream's
//! first keyframe and first audio PES pass, and again when they change.

mod audio;
mod bits;
mod h264;
mod hevc;

use crate::keyframe::VideoCodec;

/// A frame rate as a fraction (`frames / per` seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    /// Frames…
    pub frames: u32,
    /// …per this many seconds.
    pub per: u32,
}

impl Rate {
    /// `frames / per`, refused when either is zero or the rate is above
    /// 1000 frames per second (no broadcast is).
    pub fn new(frames: u32, per: u32) -> Option<Rate> {
        (frames > 0 && per > 0 && u64::from(frames) <= 1000 * u64::from(per))
            .then_some(Rate { frames, per })
    }

    /// Frames per second.
    pub fn fps(self) -> f64 {
        f64::from(self.frames) / f64::from(self.per)
    }
}

/// What the video's sequence parameter set says.
#[derive(Clone, Debug, PartialEq)]
pub struct Picture {
    /// Luma width shown (coded width less cropping), in pixels.
    pub width: u32,
    /// Luma height of a frame shown, in pixels.
    pub height: u32,
    /// Pictures may be fields (H.264 `frame_mbs_only_flag` 0; HEVC interlaced
    /// source or field pictures).
    pub interlaced: bool,
    /// The VUI's frame rate, when the SPS carries timing.
    pub frame_rate: Option<Rate>,
    /// The profile's name ("High", "Main 10").
    pub profile: &'static str,
    /// The level (4.0, 5.1).
    pub level: f32,
    /// Bits per luma sample.
    pub bit_depth: u8,
}

impl Picture {
    /// The tier its size makes it: `2160` and up 4K, `1080` FHD, `720` HD,
    /// less SD (by lines, or by width for letterboxed pictures).
    pub fn tier(&self) -> &'static str {
        match (self.width, self.height) {
            (w, h) if h >= 2000 || w >= 3400 => "4K",
            (w, h) if h >= 1000 || w >= 1800 => "FHD",
            (w, h) if h >= 700 || w >= 1200 => "HD",
            _ => "SD",
        }
    }
}

/// What an audio stream's frame header says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sound {
    /// "AAC", "AC-3", "E-AC-3", "MP2", "MP3".
    pub codec: &'static str,
    /// Channels, the LFE counted (5.1 is 6).
    pub channels: u8,
    /// Samples per second.
    pub sample_rate: u32,
}

/// The first sequence parameter set in `es` (Annex B bytes: a PES's data),
/// read; `None` when there is none, it is cut off, or it does not parse.
pub fn picture(codec: VideoCodec, es: &[u8]) -> Option<Picture> {
    let mut at = 0;
    while let Some(found) = start_code(&es[at..]) {
        let nal = &es[at + found..];
        let parsed = match codec {
            VideoCodec::H264 if nal.first().is_some_and(|h| h & 0x1F == 7) => h264::sps(nal),
            VideoCodec::Hevc if nal.first().is_some_and(|h| (h >> 1) & 0x3F == 33) => {
                hevc::sps(nal)
            }
            _ => None,
        };
        if parsed.is_some() {
            return parsed;
        }
        at += found;
    }
    None
}

/// The frame header at the start of an audio PES's data, read.
pub fn sound(es: &[u8]) -> Option<Sound> {
    audio::sound(es)
}

/// Offset just past the next `00 00 01` in `es`.
fn start_code(es: &[u8]) -> Option<usize> {
    es.windows(3).position(|w| w == [0, 0, 1]).map(|i| i + 3)
}

#[cfg(test)]
mod tests;
