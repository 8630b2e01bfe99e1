//! [`Clip`]: a short MPEG-TS recording the simulator loops to fake a live
//! channel. Immutable and shared (`Arc`), so every connection of every
//! stream plays the same bytes without copying the clip.

use super::timing::{measure, Timing};
use bytes::Bytes;
use std::fmt;
use std::sync::{Arc, OnceLock};
use streamforge_ts::PACKET_SIZE;

/// The clips built into the binary (`crates/sim/assets/ts`, made by
/// `scripts/make-clips`): 4 s of H.264 + AAC at 25 fps, closed 1 s GOPs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClipKind {
    /// 1920x1080, about 1.2 Mbit/s of video.
    Fhd,
    /// 1280x720, about 700 kbit/s of video.
    Hd,
    /// 720x576, about 350 kbit/s of video.
    Sd,
}

impl ClipKind {
    /// Every built-in kind, best first.
    pub const ALL: [ClipKind; 3] = [ClipKind::Fhd, ClipKind::Hd, ClipKind::Sd];

    /// Video size in pixels, `(width, height)`.
    pub fn size(self) -> (u32, u32) {
        match self {
            ClipKind::Fhd => (1920, 1080),
            ClipKind::Hd => (1280, 720),
            ClipKind::Sd => (720, 576),
        }
    }

    /// The committed TS file.
    fn bytes(self) -> &'static [u8] {
        match self {
            ClipKind::Fhd => include_bytes!("../assets/ts/fhd.ts"),
            ClipKind::Hd => include_bytes!("../assets/ts/hd.ts"),
            ClipKind::Sd => include_bytes!("../assets/ts/sd.ts"),
        }
    }

    /// Index into the built-in clip cache.
    fn index(self) -> usize {
        match self {
            ClipKind::Fhd => 0,
            ClipKind::Hd => 1,
            ClipKind::Sd => 2,
        }
    }
}

/// An aligned MPEG-TS clip with its loop length, cheap to clone.
#[derive(Clone)]
pub struct Clip(Arc<ClipData>);

/// What a [`Clip`] shares.
struct ClipData {
    bytes: Bytes,
    timing: Timing,
    size: Option<(u32, u32)>,
    label: String,
    /// The video PID and the audio PIDs its PMT announces.
    video_pid: Option<u16>,
    audio_pids: Vec<u16>,
}

/// Built-in clips, parsed once per process.
static BUILTIN: [OnceLock<Clip>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];

impl Clip {
    /// One of the clips built into the binary (parsed on first use, then
    /// shared).
    pub fn builtin(kind: ClipKind) -> Clip {
        BUILTIN[kind.index()]
            .get_or_init(|| {
                let bytes = Bytes::from_static(kind.bytes());
                Clip::build(bytes, format!("{kind:?}"), Some(kind.size()))
                    .expect("built-in clip is valid MPEG-TS")
            })
            .clone()
    }

    /// A clip from TS bytes made elsewhere (e.g. a 20 Mbit/s clip generated
    /// by a benchmark). The bytes must be whole 188-byte packets starting
    /// with a sync byte and carry PES timestamps. Mux with one frame per PES
    /// (ffmpeg: `-pes_payload_size 0`) for an exact loop length; otherwise
    /// the loop may be up to one PES longer than needed (a small, harmless
    /// timestamp gap at each loop point).
    pub fn from_ts(bytes: Vec<u8>) -> Result<Clip, String> {
        let label = format!("custom {} bytes", bytes.len());
        Clip::build(Bytes::from(bytes), label, None)
    }

    /// Validates and measures.
    fn build(bytes: Bytes, label: String, size: Option<(u32, u32)>) -> Result<Clip, String> {
        if bytes.is_empty() || !bytes.len().is_multiple_of(PACKET_SIZE) {
            return Err(format!(
                "clip: {} bytes is not a whole number of {PACKET_SIZE}-byte TS packets",
                bytes.len()
            ));
        }
        let report = streamforge_ts::check(&bytes);
        if let Some(at) = report.misaligned_at {
            return Err(format!(
                "clip: not aligned MPEG-TS (sync lost at byte {at})"
            ));
        }
        let timing = measure(&bytes)?;
        let mut tracker = streamforge_ts::Tracker::new();
        tracker.observe(&bytes);
        Ok(Clip(Arc::new(ClipData {
            bytes,
            timing,
            size,
            label,
            video_pid: tracker.video_pid(),
            audio_pids: tracker.audio_pids(),
        })))
    }

    /// The TS bytes (whole packets).
    pub fn bytes(&self) -> &Bytes {
        &self.0.bytes
    }

    /// PID of the video stream (from the clip's PMT).
    pub fn video_pid(&self) -> Option<u16> {
        self.0.video_pid
    }

    /// PIDs of the audio streams (from the clip's PMT).
    pub fn audio_pids(&self) -> &[u16] {
        &self.0.audio_pids
    }

    /// Video width in pixels, when known (built-in clips).
    pub fn width(&self) -> Option<u32> {
        self.0.size.map(|(w, _)| w)
    }

    /// Video height in pixels, when known (built-in clips).
    pub fn height(&self) -> Option<u32> {
        self.0.size.map(|(_, h)| h)
    }

    /// Loop length in 90 kHz ticks: the offset added to every timestamp on
    /// each pass so they continue smoothly. It is the longest per-PID span
    /// (last PTS + that PID's frame duration − first PTS), so no PID's
    /// timestamps (nor the PCR) ever step back at a loop point.
    pub fn duration_90k(&self) -> u64 {
        self.0.timing.duration_90k
    }

    /// Average bitrate in bits per second (bytes × 8 / duration): the rate
    /// the simulator sends this clip at.
    pub fn bitrate_bps(&self) -> u64 {
        (self.0.bytes.len() as u64 * 8 * 90_000 / self.duration_90k().max(1)).max(1)
    }

    /// Bytes per second (the pacing rate).
    pub(crate) fn byte_rate(&self) -> f64 {
        self.0.bytes.len() as f64 * 90_000.0 / self.duration_90k().max(1) as f64
    }
}

impl fmt::Debug for Clip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Clip")
            .field("label", &self.0.label)
            .field("bytes", &self.0.bytes.len())
            .field("duration_90k", &self.duration_90k())
            .field("bitrate_bps", &self.bitrate_bps())
            .field("size", &self.0.size)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_clips_loop_every_four_seconds() {
        for kind in ClipKind::ALL {
            let clip = Clip::builtin(kind);
            assert_eq!(clip.duration_90k(), 4 * 90_000, "{kind:?}");
            assert_eq!(clip.width(), Some(kind.size().0));
            let bps = clip.bitrate_bps();
            assert!((300_000..2_000_000).contains(&bps), "{kind:?}: {bps}");
        }
        let (fhd, sd) = (Clip::builtin(ClipKind::Fhd), Clip::builtin(ClipKind::Sd));
        assert!(fhd.bitrate_bps() > sd.bitrate_bps());
        assert!(
            !format!("{fhd:?}").contains("71, "),
            "Debug must not dump bytes"
        );
    }

    #[test]
    fn from_ts_refuses_what_is_not_ts() {
        assert!(Clip::from_ts(Vec::new()).is_err());
        assert!(Clip::from_ts(vec![0x47; 100]).is_err());
        assert!(Clip::from_ts(vec![0u8; 188 * 4]).is_err());
        let sd = Clip::builtin(ClipKind::Sd).bytes().to_vec();
        let copy = Clip::from_ts(sd).expect("the SD clip re-read");
        assert_eq!(
            copy.duration_90k(),
            Clip::builtin(ClipKind::Sd).duration_90k()
        );
        assert_eq!(copy.width(), None);
    }
}
