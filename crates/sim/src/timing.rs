//! Measures a clip's loop length from its timestamps, so a looped clip's
//! PTS/DTS/PCR continue without stepping back (what decoders need to play
//! across a loop point without complaint).

use std::collections::HashMap;
use streamforge_ts::{pes_pts, Packet, PACKET_SIZE, TIMESTAMP_MASK};

/// What the looper needs to know about a clip's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Timing {
    /// Offset added to every timestamp per pass, 90 kHz ticks.
    pub(crate) duration_90k: u64,
}

/// One timeline (a PID's PTS, or a PID's PCR): values relative to the first
/// one seen, signed, so a 33-bit wrap inside the clip does no harm.
#[derive(Default)]
struct Track {
    first: Option<u64>,
    values: Vec<i64>,
}

impl Track {
    fn push(&mut self, value: u64) {
        let first = *self.first.get_or_insert(value);
        let delta = value.wrapping_sub(first) & TIMESTAMP_MASK;
        let signed = if delta >= 1 << 32 {
            delta as i64 - (1 << 33)
        } else {
            delta as i64
        };
        self.values.push(signed);
    }

    /// Last + typical step − first, or `None` with fewer than two distinct values.
    fn span(&mut self) -> Option<u64> {
        self.values.sort_unstable();
        self.values.dedup();
        let step = self.values.windows(2).map(|w| w[1] - w[0]).min()?;
        let (min, max) = (self.values.first()?, self.values.last()?);
        u64::try_from(max - min + step).ok()
    }
}

/// Loop length: the longest span over every PID's PTS and PCR timelines.
pub(crate) fn measure(stream: &[u8]) -> Result<Timing, String> {
    let mut pts: HashMap<u16, Track> = HashMap::new();
    let mut pcr: HashMap<u16, Track> = HashMap::new();
    for chunk in stream.chunks_exact(PACKET_SIZE) {
        let Some(packet) = Packet::new(chunk) else {
            continue;
        };
        if let Some(value) = packet.pcr() {
            pcr.entry(packet.pid()).or_default().push(value);
        }
        if packet.pusi() {
            if let Some(value) = pes_pts(chunk) {
                pts.entry(packet.pid()).or_default().push(value);
            }
        }
    }
    if pts.is_empty() {
        return Err("clip: no PES timestamps (PTS) found".into());
    }
    let duration_90k = pts
        .values_mut()
        .chain(pcr.values_mut())
        .filter_map(Track::span)
        .max()
        .filter(|&d| d > 0 && d < 1 << 32)
        .ok_or("clip: too few timestamps to measure its duration")?;
    Ok(Timing { duration_90k })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn span_uses_smallest_step_and_survives_wrap() {
        let mut t = Track::default();
        for v in [TIMESTAMP_MASK - 3_599, 0, 3_601, 7_201] {
            t.push(v);
        }
        // -> relative 0, 3600, 7201, 10801: span 10801 + 3600.
        assert_eq!(t.span(), Some(10_801 + 3_600));
        let mut one = Track::default();
        one.push(5);
        assert_eq!(one.span(), None);
    }

    #[test]
    fn nothing_to_measure_is_an_error() {
        assert!(measure(&[]).is_err());
    }
}
