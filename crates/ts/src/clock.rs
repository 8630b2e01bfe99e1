//! Where a stream's clock stands after the packets that passed: the end of
//! its latest picture and audio frame, its next decode time and its latest
//! PCR, read by a splice so the next source's timestamps go on from there.
//! All arithmetic is on the 33-bit 90 kHz clock and wrap-aware.

use super::TIMESTAMP_MASK;

/// One frame at 25 fps, in 90 kHz ticks: the frame assumed until one is measured.
pub const DEFAULT_FRAME: u64 = 3600;

/// Longest video frame measured as one (10 fps); a longer step is a gap.
const MAX_VIDEO_FRAME: u64 = 9000;
/// Longest audio PES measured as one step (a PES may carry many frames).
const MAX_AUDIO_STEP: u64 = 90_000;

/// `a - b` on the 33-bit clock, between -2^32 and 2^32 (wrap-aware).
pub fn clock_diff(a: u64, b: u64) -> i64 {
    let d = a.wrapping_sub(b) & TIMESTAMP_MASK;
    if d >= 1 << 32 {
        d as i64 - (1 << 33)
    } else {
        d as i64
    }
}

/// `t + d` on the 33-bit clock.
pub fn clock_add(t: u64, d: i64) -> u64 {
    (t as i64).wrapping_add(d).rem_euclid(1 << 33) as u64
}

/// The later of two clock values (wrap-aware).
fn later(a: u64, b: u64) -> u64 {
    if clock_diff(a, b) >= 0 {
        a
    } else {
        b
    }
}

/// Where the clock of the packets observed so far stands: what a splice
/// continues from. Values are 90 kHz ticks, `None` when never seen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Clock {
    /// End of the latest picture shown: the highest video PTS plus one frame.
    pub video_end: Option<u64>,
    /// The next decode time: the last video DTS (PTS without one) plus one frame.
    pub video_next_dts: Option<u64>,
    /// One video frame, as measured between decode times.
    pub video_frame: u64,
    /// End of the latest audio PES of the first audio stream: its PTS plus
    /// how long it lasts (see `AudioPace`).
    pub audio_end: Option<u64>,
    /// How long the latest audio PES lasts (one frame, or a PES's worth).
    pub audio_step: u64,
    /// The latest PCR base.
    pub pcr: Option<u64>,
}

/// Where sound ends, from its PES starts: the PTS of the latest one plus
/// how long it lasts. A PES may carry any number of frames (ffmpeg packs up
/// to half a second), so its length is read from its size at the pace (ticks
/// per byte) of the one before it; without sizes, the step between the last
/// two PTS stands for it.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct AudioPace {
    last: Option<(u64, usize)>,
    /// The step between the last two PES starts.
    step: Option<u64>,
    /// Ticks per byte of the PES before the latest, ×2^16.
    pace: Option<u64>,
}

impl AudioPace {
    /// A PES starts with `pts`, announcing `len` bytes (0: unknown).
    pub(crate) fn pes(&mut self, pts: u64, len: usize) {
        if let Some((last, last_len)) = self.last {
            let step = clock_diff(pts, last);
            if step > 0 && step as u64 <= MAX_AUDIO_STEP {
                self.step = Some(step as u64);
                self.pace = (last_len > 0).then(|| ((step as u64) << 16) / last_len as u64);
            }
        }
        self.last = Some((pts, len));
    }

    /// How long the latest PES lasts (ticks), as best known.
    pub(crate) fn lasts(&self) -> u64 {
        match (self.last, self.pace, self.step) {
            (Some((_, len)), Some(pace), _) if len > 0 => (len as u64 * pace + (1 << 15)) >> 16,
            (_, _, Some(step)) => step,
            _ => 1920,
        }
    }

    /// The latest PES's PTS.
    pub(crate) fn last_pts(&self) -> Option<u64> {
        self.last.map(|(pts, _)| pts)
    }
}

/// How long `es` (whole audio frames: AAC in ADTS, or MPEG-1/2 audio)
/// plays, in 90 kHz ticks, counted frame by frame from their headers;
/// `None` for anything else or a broken header.
pub(crate) fn audio_duration(es: &[u8]) -> Option<u64> {
    let mut at = 0;
    let mut samples = 0u64;
    let mut rate = 0u64;
    while at + 7 <= es.len() {
        let h = &es[at..];
        let (len, n, r) = if h[0] == 0xFF && h[1] & 0xF6 == 0xF0 {
            // ADTS: 1024 samples per raw data block.
            const RATES: [u64; 13] = [
                96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000,
                7350,
            ];
            let r = *RATES.get(usize::from((h[2] >> 2) & 0x0F))?;
            let len =
                usize::from(h[3] & 0x03) << 11 | usize::from(h[4]) << 3 | usize::from(h[5] >> 5);
            (len, 1024 * (u64::from(h[6] & 0x03) + 1), r)
        } else if h[0] == 0xFF && h[1] & 0xE0 == 0xE0 && h[1] & 0x06 == 0x04 {
            // MPEG audio Layer II: 1152 samples per frame.
            let mpeg1 = h[1] & 0x08 != 0;
            const KBPS1: [u64; 15] = [
                0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384,
            ];
            const KBPS2: [u64; 15] = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
            let kbps = *if mpeg1 { &KBPS1 } else { &KBPS2 }.get(usize::from(h[2] >> 4))?;
            let base = *[44100u64, 48000, 32000].get(usize::from((h[2] >> 2) & 0x03))?;
            let r = if mpeg1 { base } else { base / 2 };
            let len = (144_000 * kbps / r) as usize + usize::from((h[2] >> 1) & 1);
            (len, 1152, r)
        } else {
            return None;
        };
        if len < 7 || (rate != 0 && r != rate) {
            return None;
        }
        rate = r;
        samples += n;
        at += len;
    }
    (rate > 0 && at == es.len()).then(|| samples * 90_000 / rate)
}

/// The readings behind [`Clock`], updated per PES start and PCR.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ClockWatch {
    video_max_pts: Option<u64>,
    video_last_dts: Option<u64>,
    video_frame: Option<u64>,
    audio: AudioPace,
    pcr: Option<u64>,
}

impl ClockWatch {
    /// A video PES start with `pts` and `dts` (DTS defaults to PTS).
    pub(crate) fn video(&mut self, pts: u64, dts: Option<u64>) {
        let dts = dts.unwrap_or(pts);
        if let Some(last) = self.video_last_dts {
            let step = clock_diff(dts, last);
            if step > 0 && step as u64 <= MAX_VIDEO_FRAME {
                self.video_frame = Some(step as u64);
            }
        }
        self.video_last_dts = Some(dts);
        self.video_max_pts = Some(match self.video_max_pts {
            // A jump back (a new clock) starts the maximum over.
            Some(max) if clock_diff(pts, max) > -(10 * 90_000) => later(pts, max),
            _ => pts,
        });
    }

    /// An audio PES start with `pts` announcing `len` bytes, on the first
    /// audio stream.
    pub(crate) fn audio(&mut self, pts: u64, len: usize) {
        self.audio.pes(pts, len);
    }

    /// A PCR base.
    pub(crate) fn pcr(&mut self, pcr: u64) {
        self.pcr = Some(pcr);
    }

    /// The readings as a [`Clock`]; `last_audio` is the whole ES of the
    /// latest audio PES when known, which times the sound's end exactly.
    pub(crate) fn clock(&self, last_audio: Option<&[u8]>) -> Clock {
        let frame = self.video_frame.unwrap_or(DEFAULT_FRAME);
        let lasts = last_audio
            .and_then(audio_duration)
            .unwrap_or_else(|| self.audio.lasts());
        Clock {
            video_end: self.video_max_pts.map(|p| clock_add(p, frame as i64)),
            video_next_dts: self.video_last_dts.map(|d| clock_add(d, frame as i64)),
            video_frame: frame,
            audio_end: self.audio.last_pts().map(|p| clock_add(p, lasts as i64)),
            audio_step: lasts,
            pcr: self.pcr,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sound_ends_by_the_size_of_its_last_pes() {
        let mut a = AudioPace::default();
        assert_eq!(a.last_pts(), None);
        // Eleven frames in 1100 bytes, then a last PES of three (300 bytes).
        a.pes(642_480, 1100);
        a.pes(663_600, 300);
        assert_eq!((a.last_pts(), a.lasts()), (Some(663_600), 5760));
        // Sizes unknown: the step stands for the length.
        let mut b = AudioPace::default();
        b.pes(0, 0);
        b.pes(1920, 0);
        assert_eq!(b.lasts(), 1920);
    }

    #[test]
    fn audio_frames_are_counted_from_their_headers() {
        // Three ADTS frames at 48 kHz (index 3), 10 bytes each.
        let adts = [0xFF, 0xF1, 0x4C, 0x80, 0x01, 0x5F, 0xFC, 0, 0, 0];
        let es: Vec<u8> = adts.iter().copied().cycle().take(30).collect();
        assert_eq!(audio_duration(&es), Some(3 * 1920));
        // MPEG-1 Layer II, 192 kbit/s at 48 kHz: 576-byte frames of 1152 samples.
        let mut mp2 = vec![0u8; 2 * 576];
        for f in mp2.chunks_mut(576) {
            f[..4].copy_from_slice(&[0xFF, 0xFD, 0xA4, 0x00]);
        }
        assert_eq!(audio_duration(&mp2), Some(2 * 2160));
        assert_eq!(audio_duration(&es[..25]), None, "a cut frame");
        assert_eq!(audio_duration(&[0x0B, 0x77, 0, 0, 0, 0, 0, 0]), None);
    }

    #[test]
    fn differences_wrap() {
        assert_eq!(clock_diff(10, 5), 5);
        assert_eq!(clock_diff(5, 10), -5);
        assert_eq!(clock_diff(3, TIMESTAMP_MASK - 1), 5);
        assert_eq!(clock_diff(TIMESTAMP_MASK - 1, 3), -5);
        assert_eq!(clock_add(TIMESTAMP_MASK, 2), 1);
        assert_eq!(clock_add(1, -2), TIMESTAMP_MASK);
    }

    #[test]
    fn reads_ends_frames_and_steps() {
        let mut w = ClockWatch::default();
        assert_eq!(w.clock(None).video_end, None);
        // I P B B in decode order (PTS 0, 10800, 3600, 7200; DTS one apart).
        for (pts, dts) in [(3600, 0), (14_400, 3600), (7200, 7200), (10_800, 10_800)] {
            w.video(pts, Some(dts));
        }
        w.audio(1000, 0);
        w.audio(2920, 0);
        w.pcr(500);
        let c = w.clock(None);
        assert_eq!(c.video_frame, 3600);
        assert_eq!(c.video_end, Some(18_000));
        assert_eq!(c.video_next_dts, Some(14_400));
        assert_eq!((c.audio_end, c.audio_step), (Some(4840), 1920));
        assert_eq!(c.pcr, Some(500));
        // Across the wrap the maximum keeps going forward.
        let mut w = ClockWatch::default();
        w.video(TIMESTAMP_MASK - 100, None);
        w.video(3499, None);
        assert_eq!(w.clock(None).video_end, Some(7099));
    }
}
