//! What the first frame header of an audio PES says: the codec, channels and
//! sample rate (AAC in ADTS, AC-3 and E-AC-3, MPEG-1/2 audio). Only the
//! header is read, never the sound.

use super::Sound;

/// ADTS sampling frequencies by index.
const AAC_RATES: [u32; 13] = [
    96_000, 88_200, 64_000, 48_000, 44_100, 32_000, 24_000, 22_050, 16_000, 12_000, 11_025, 8_000,
    7_350,
];

/// Reads the frame header at the start of `es` (a PES's data).
pub(crate) fn sound(es: &[u8]) -> Option<Sound> {
    match es {
        [0xFF, b1, ..] if b1 & 0xF6 == 0xF0 => adts(es),
        [0x0B, 0x77, ..] => ac3(es),
        [0xFF, b1, ..] if b1 & 0xE0 == 0xE0 => mpeg(es),
        _ => None,
    }
}

fn adts(h: &[u8]) -> Option<Sound> {
    let h = h.get(..7)?;
    let rate = *AAC_RATES.get(usize::from(h[2] >> 2 & 0x0F))?;
    let config = (h[2] & 1) << 2 | h[3] >> 6;
    // Configuration 7 is 7.1 (eight channels); 0 is said elsewhere (assume stereo).
    let channels = match config {
        0 => 2,
        7 => 8,
        n => n,
    };
    Some(Sound {
        codec: "AAC",
        channels,
        sample_rate: rate,
    })
}

fn ac3(h: &[u8]) -> Option<Sound> {
    let h = h.get(..8)?;
    let bsid = h[5] >> 3;
    if bsid > 10 {
        return eac3(h);
    }
    let rate = match h[4] >> 6 {
        0 => 48_000,
        1 => 44_100,
        2 => 32_000,
        _ => return None,
    };
    // BSI: bsid (5), bsmod (3), acmod (3), then optional mix levels, then lfeon.
    let acmod = h[6] >> 5;
    let mut skip = 0;
    if acmod & 1 == 1 && acmod != 1 {
        skip += 2; // cmixlev
    }
    if acmod & 4 == 4 {
        skip += 2; // surmixlev
    }
    if acmod == 2 {
        skip += 2; // dsurmod
    }
    let lfe = (u16::from(h[6]) << 8 | u16::from(h[7])) >> (12 - skip) & 1 == 1;
    Some(Sound {
        codec: "AC-3",
        channels: acmod_channels(acmod) + u8::from(lfe),
        sample_rate: rate,
    })
}

fn eac3(h: &[u8]) -> Option<Sound> {
    // syncword (16), strmtyp (2), substreamid (3), frmsiz (11), fscod (2),
    // fscod2/numblkscod (2), acmod (3), lfeon (1).
    let fscod = h[4] >> 6;
    let rate = match fscod {
        0 => 48_000,
        1 => 44_100,
        2 => 32_000,
        _ => match h[4] >> 4 & 3 {
            0 => 24_000,
            1 => 22_050,
            2 => 16_000,
            _ => return None,
        },
    };
    let acmod = h[4] >> 1 & 7;
    let lfe = h[4] & 1 == 1;
    Some(Sound {
        codec: "E-AC-3",
        channels: acmod_channels(acmod) + u8::from(lfe),
        sample_rate: rate,
    })
}

/// Full-range channels of an AC-3 audio coding mode.
fn acmod_channels(acmod: u8) -> u8 {
    match acmod {
        0 => 2, // 1+1 (dual mono)
        1 => 1,
        2 => 2,
        3 | 4 => 3,
        5 | 6 => 4,
        _ => 5,
    }
}

fn mpeg(h: &[u8]) -> Option<Sound> {
    let h = h.get(..4)?;
    let version = h[1] >> 3 & 3; // 3: MPEG-1, 2: MPEG-2, 0: 2.5
    let layer = h[1] >> 1 & 3; // 3: I, 2: II, 1: III
    let base = match h[2] >> 2 & 3 {
        0 => 44_100,
        1 => 48_000,
        2 => 32_000,
        _ => return None,
    };
    let rate = match version {
        3 => base,
        2 => base / 2,
        0 => base / 4,
        _ => return None,
    };
    let codec = match layer {
        3 => "MPEG audio layer I",
        2 => "MP2",
        1 => "MP3",
        _ => return None,
    };
    Some(Sound {
        codec,
        channels: if h[3] >> 6 == 3 { 1 } else { 2 },
        sample_rate: rate,
    })
}
