//! One clock across a splice: the offset that moves a new source's PTS, DTS
//! and PCR so its first picture comes one frame after the last picture
//! viewers got (and decodes after the last one decoded), and from which of
//! its audio frames the sound goes on where the old sound ended.

use crate::clock::{clock_add, clock_diff, Clock};

/// How a new source's clock is moved, and from where its sound may start.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Rebase {
    /// Added to every timestamp of the source (90 kHz ticks, mod 2^33).
    pub offset: i64,
    /// The source's sound starts at its first PES with a PTS at or after
    /// this (on the source's own clock).
    pub sound_from: Option<u64>,
    /// The latest PCR sent: the source's (moved) PCRs are kept at or after it.
    pub pcr_floor: Option<u64>,
}

impl Rebase {
    /// Whether an audio PES with `pts` (source clock) may be the first one sent.
    pub(crate) fn sound_may_start(&self, pts: u64) -> bool {
        self.sound_from.is_none_or(|t| clock_diff(pts, t) >= 0)
    }

    /// The offset that puts a picture with `picture` = (PTS, DTS) one frame
    /// after the last one shown and decoding one frame after the last one
    /// decoded, whichever is later; `None` when no picture was sent.
    pub(crate) fn picture_offset(sent: &Clock, picture: (u64, u64)) -> Option<i64> {
        let (pts, dts) = picture;
        let shown = sent.video_end.map(|end| clock_diff(end, pts));
        let decoded = sent.video_next_dts.map(|next| clock_diff(next, dts));
        shown.into_iter().chain(decoded).max()
    }

    /// The rebase that continues `sent` (where viewers' clock stands) with a
    /// source whose first picture has `picture` = (PTS, DTS) and whose sound
    /// goes on with its audio PES at `first_sound`.
    ///
    /// The picture goes at or after the [`Rebase::picture_offset`]; the
    /// sound starts exactly where the old sound ended when `first_sound` is
    /// early enough for that (the picture then waits a little longer),
    /// else right after the picture's offset. Without a chosen PES, the
    /// sound starts with the first of the source's frames that does not
    /// play before the old sound ended (half a frame of overlap allowed);
    /// without an old sound, at the first picture.
    pub(crate) fn continuing(
        sent: &Clock,
        picture: Option<(u64, u64)>,
        first_sound: Option<u64>,
    ) -> Rebase {
        let by_picture = picture.and_then(|p| Rebase::picture_offset(sent, p));
        let by_sound = sent
            .audio_end
            .zip(first_sound)
            .map(|(end, sound)| clock_diff(end, sound));
        let offset = match (by_picture, by_sound, sent.audio_end, picture) {
            (Some(p), Some(s), ..) => p.max(s),
            (Some(p), None, ..) => p,
            (None, Some(s), ..) => s,
            (None, None, Some(end), Some((pts, _))) => clock_diff(end, pts),
            _ => 0,
        };
        let sound_from = match (first_sound, sent.audio_end, picture) {
            (Some(sound), Some(_), _) => Some(sound),
            (None, Some(end), _) => Some(clock_add(end, -offset - sent.audio_step as i64 / 2)),
            (_, None, Some((pts, _))) => Some(pts),
            _ => None,
        };
        Rebase {
            offset,
            sound_from,
            pcr_floor: sent.pcr,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TIMESTAMP_MASK;

    fn sent() -> Clock {
        Clock {
            video_end: Some(900_000),
            video_next_dts: Some(890_000),
            video_frame: 3600,
            audio_end: Some(899_000),
            audio_step: 1920,
            pcr: Some(880_000),
        }
    }

    #[test]
    fn the_first_picture_follows_the_last_one_shown() {
        // A source at 10 h with two frames of reordering.
        let start = 3_240_000_000u64;
        let r = Rebase::continuing(&sent(), Some((start, start - 7200)), None);
        assert_eq!(clock_add(start, r.offset), 900_000);
        // Its sound starts at the frame that plays from the old sound's end.
        let from = r.sound_from.unwrap();
        assert_eq!(clock_add(from, r.offset), 899_000 - 960);
        assert_eq!(r.pcr_floor, Some(880_000));
    }

    #[test]
    fn decoding_order_wins_when_it_needs_more() {
        // More reordering than the old source (4 frames): its DTS would
        // step back, so the picture starts later.
        let r = Rebase::continuing(&sent(), Some((100_000, 100_000 - 14_400)), None);
        assert_eq!(clock_add(100_000 - 14_400, r.offset), 890_000);
        assert!(clock_add(100_000, r.offset) > 900_000);
    }

    #[test]
    fn a_chosen_sound_continues_exactly_and_the_picture_waits_for_it() {
        // The new source's sound PES 37 ms before the picture's place.
        let start = 127_920u64;
        let by_picture = 900_000 - start as i64;
        let sound = (899_000 - by_picture - 3360) as u64;
        let r = Rebase::continuing(&sent(), Some((start, start)), Some(sound));
        assert_eq!(clock_add(sound, r.offset), 899_000);
        assert_eq!(clock_add(start, r.offset), 900_000 + 3360);
        assert_eq!(r.sound_from, Some(sound));
        // One too late for that: the picture's offset, a gap in the sound.
        let late = (899_000 - by_picture + 500) as u64;
        let r = Rebase::continuing(&sent(), Some((start, start)), Some(late));
        assert_eq!(r.offset, by_picture);
    }

    #[test]
    fn sound_alone_continues_exactly_and_wraps() {
        let only_sound = Clock {
            audio_end: Some(5000),
            audio_step: 1920,
            ..Clock::default()
        };
        let r = Rebase::continuing(&only_sound, None, Some(TIMESTAMP_MASK - 1000));
        assert_eq!(clock_add(TIMESTAMP_MASK - 1000, r.offset), 5000);
        // Nothing was sent: nothing moves, sound waits for the picture.
        let r = Rebase::continuing(&Clock::default(), Some((7, 7)), None);
        assert_eq!((r.offset, r.sound_from), (0, Some(7)));
    }
}
