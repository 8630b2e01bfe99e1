//! Fuzzes the logo check (`streamforge_httpsafe::image::sniff`): any bytes are a PNG, JPEG, GIF or
//! WebP with a sane size, or refused; never a panic. What it accepts starts
//! with that format's magic number, so a script or page is never kept as a
//! logo whatever its Content-Type said.
#![no_main]

use libfuzzer_sys::fuzz_target;
use streamforge_httpsafe::image::{sniff, ImageKind};

fuzz_target!(|data: &[u8]| {
    let Ok(kind) = sniff(data) else {
        return;
    };
    let magic: &[&[u8]] = match kind {
        ImageKind::Png => &[b"\x89PNG\r\n\x1a\n"],
        ImageKind::Jpeg => &[b"\xff\xd8\xff"],
        ImageKind::Gif => &[b"GIF87a", b"GIF89a"],
        ImageKind::Webp => &[b"RIFF"],
    };
    assert!(
        magic.iter().any(|m| data.starts_with(m)),
        "{kind:?} accepted without its magic number"
    );
    if kind == ImageKind::Webp {
        assert_eq!(&data[8..12], b"WEBP", "a RIFF that is not WebP accepted");
    }
    assert!(kind.content_type().starts_with("image/"));
});
