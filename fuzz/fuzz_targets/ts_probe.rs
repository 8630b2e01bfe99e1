//! Fuzzes the readers of what a stream is (`streamforge_ts::probe`): any
//! bytes as H.264 or HEVC elementary stream, or as an audio frame header,
//! must read as nothing or as a format within bounds, never panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use streamforge_ts::probe;
use streamforge_ts::VideoCodec;

fuzz_target!(|data: &[u8]| {
    for codec in [VideoCodec::H264, VideoCodec::Hevc] {
        if let Some(p) = probe::picture(codec, data) {
            // Sizes come from ue(v) codes: bounded by what fits in 32 bits.
            let _ = p.tier();
            if let Some(rate) = p.frame_rate {
                assert!(rate.fps() > 0.0 && rate.fps() <= 1000.0, "{p:?}");
            }
        }
    }
    if let Some(s) = probe::sound(data) {
        assert!((1..=8).contains(&s.channels), "{s:?}");
        assert!(s.sample_rate >= 7_350 && s.sample_rate <= 96_000, "{s:?}");
    }
});
