//! The live window of a simulated HLS stream: segments "appear" at their
//! real pace over a looped set (three exist at start), the playlist lists
//! the last few, and every loop restart is an `#EXT-X-DISCONTINUITY`
//! (timestamps start over there, as at a real encoder restart).

use std::time::Duration;

/// Segments in a playlist.
pub(crate) const WINDOW: u64 = 5;
/// Segments that exist when the stream starts.
const PRE: u64 = 3;

/// The looped set's timing.
#[derive(Debug, Clone)]
pub(crate) struct Timeline {
    /// Each file's duration, in order.
    pub(crate) durations: Vec<Duration>,
}

impl Timeline {
    /// Segments available `elapsed` after the start.
    pub(crate) fn produced(&self, elapsed: Duration) -> u64 {
        let n = self.durations.len() as u64;
        let total: Duration = self.durations.iter().sum();
        if n == 0 || total.is_zero() {
            return 0;
        }
        let loops = (elapsed.as_nanos() / total.as_nanos()) as u64;
        let mut rest = Duration::from_nanos((elapsed.as_nanos() % total.as_nanos()) as u64);
        let mut within = 0;
        for d in &self.durations {
            if rest < *d {
                break;
            }
            rest -= *d;
            within += 1;
        }
        PRE + loops * n + within
    }

    /// The file segment `sequence` plays.
    pub(crate) fn file_of(&self, sequence: u64) -> usize {
        (sequence % self.durations.len() as u64) as usize
    }

    /// The media playlist when `produced` segments exist. `key`: the
    /// `#EXT-X-KEY` URI (the IV is the sequence number); `query` is added
    /// to every segment URI (a token).
    pub(crate) fn playlist(&self, produced: u64, key: Option<&str>, query: &str) -> String {
        let target = self
            .durations
            .iter()
            .map(|d| d.as_secs_f64().ceil() as u64)
            .max()
            .unwrap_or(1)
            .max(1);
        let first = produced.saturating_sub(WINDOW);
        let mut text = format!(
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:{target}\n#EXT-X-MEDIA-SEQUENCE:{first}\n"
        );
        if let Some(uri) = key {
            text.push_str(&format!("#EXT-X-KEY:METHOD=AES-128,URI=\"{uri}\"\n"));
        }
        for seq in first..produced {
            let file = self.file_of(seq);
            if file == 0 && seq > 0 {
                text.push_str("#EXT-X-DISCONTINUITY\n");
            }
            let d = self.durations[file].as_secs_f64();
            text.push_str(&format!("#EXTINF:{d:.3},\nseg/{seq}.ts{query}\n"));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_appear_at_their_pace_and_loops_are_discontinuities() {
        let t = Timeline {
            durations: vec![Duration::from_secs(1); 4],
        };
        assert_eq!(t.produced(Duration::ZERO), 3);
        assert_eq!(t.produced(Duration::from_millis(999)), 3);
        assert_eq!(t.produced(Duration::from_secs(1)), 4);
        assert_eq!(t.produced(Duration::from_secs(9)), 12);
        let text = t.playlist(6, Some("/k"), "?token=x");
        assert!(text.contains("#EXT-X-MEDIA-SEQUENCE:1\n"), "{text}");
        assert!(text.contains("#EXT-X-KEY:METHOD=AES-128,URI=\"/k\""));
        assert!(text.contains("#EXT-X-DISCONTINUITY\n#EXTINF:1.000,\nseg/4.ts?token=x\n"));
        assert_eq!(text.matches("#EXTINF").count(), 5);
        assert_eq!(t.file_of(5), 1);
    }
}
