//! What a logo really is, from its bytes: a PNG, JPEG, GIF or WebP whose
//! header decodes to a sane size, or nothing. The provider's
//! `Content-Type` is never trusted: an SVG with a script, or HTML sent as
//! `image/png`, would run as a page on the console's origin.

/// The largest side a logo may claim (a channel logo is a few hundred pixels).
const MAX_SIDE: usize = 8192;

/// A raster image format a logo may be kept and served as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    /// `image/png`.
    Png,
    /// `image/jpeg`.
    Jpeg,
    /// `image/gif`.
    Gif,
    /// `image/webp`.
    Webp,
}

impl ImageKind {
    /// The `Content-Type` a logo of this kind is served with.
    pub fn content_type(self) -> &'static str {
        match self {
            ImageKind::Png => "image/png",
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Gif => "image/gif",
            ImageKind::Webp => "image/webp",
        }
    }

    /// What a file of this kind starts with (one of these). `imagesize`
    /// looks at fewer bytes (`GIF8`, `\x89PNG`), so a `GIF88a` would pass it.
    fn magic(self) -> &'static [&'static [u8]] {
        match self {
            ImageKind::Png => &[b"\x89PNG\r\n\x1a\n"],
            ImageKind::Jpeg => &[b"\xff\xd8\xff"],
            ImageKind::Gif => &[b"GIF87a", b"GIF89a"],
            // `imagesize` checks `WEBP` at offset 8 too.
            ImageKind::Webp => &[b"RIFF"],
        }
    }
}

/// Why bytes are not kept as a logo (no byte of them is quoted).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotAnImage {
    /// Empty, text, SVG, HTML, or an image format browsers may not show.
    #[error("not a PNG, JPEG, GIF or WebP image (SVG and other formats are refused)")]
    UnknownFormat,
    /// The magic number matched but the header does not decode.
    #[error("a broken {0} header")]
    BrokenHeader(&'static str),
    /// A side of zero or over the limit.
    #[error("an image of {width}×{height} pixels (each side must be 1 to {MAX_SIDE})")]
    BadSize {
        /// Claimed width.
        width: usize,
        /// Claimed height.
        height: usize,
    },
}

/// The kind of image `bytes` hold, checked by magic number and decoded
/// header (its size), or why they are not a logo.
pub fn sniff(bytes: &[u8]) -> Result<ImageKind, NotAnImage> {
    let kind = match imagesize::image_type(bytes) {
        Ok(imagesize::ImageType::Png) => ImageKind::Png,
        Ok(imagesize::ImageType::Jpeg) => ImageKind::Jpeg,
        Ok(imagesize::ImageType::Gif) => ImageKind::Gif,
        Ok(imagesize::ImageType::Webp) => ImageKind::Webp,
        _ => return Err(NotAnImage::UnknownFormat),
    };
    if !kind.magic().iter().any(|m| bytes.starts_with(m)) {
        return Err(NotAnImage::UnknownFormat);
    }
    let size =
        imagesize::blob_size(bytes).map_err(|_| NotAnImage::BrokenHeader(kind.content_type()))?;
    let sane = |side: usize| (1..=MAX_SIDE).contains(&side);
    if !sane(size.width) || !sane(size.height) {
        return Err(NotAnImage::BadSize {
            width: size.width,
            height: size.height,
        });
    }
    Ok(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 2×1 PNG (header and IHDR are what is read).
    pub(crate) fn png(width: u32, height: u32) -> Vec<u8> {
        let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        v.extend_from_slice(&width.to_be_bytes());
        v.extend_from_slice(&height.to_be_bytes());
        v.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
        v
    }

    #[test]
    fn raster_images_are_told_by_their_bytes() {
        assert_eq!(sniff(&png(2, 1)), Ok(ImageKind::Png));
        let gif = b"GIF89a\x02\x00\x01\x00\x80\x00\x00";
        assert_eq!(sniff(gif), Ok(ImageKind::Gif));
        let webp = b"RIFF\x24\0\0\0WEBPVP8L\x0a\0\0\0\x2f\x01\0\0\0\0\0\0\0\0\0\0";
        assert_eq!(sniff(webp), Ok(ImageKind::Webp));
        // A JPEG: SOI, then a baseline SOF0 with 16×8.
        let jpeg =
            b"\xff\xd8\xff\xc0\x00\x11\x08\x00\x08\x00\x10\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01";
        assert_eq!(sniff(jpeg), Ok(ImageKind::Jpeg));
    }

    #[test]
    fn scripts_and_broken_headers_are_refused() {
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
        assert_eq!(sniff(svg), Err(NotAnImage::UnknownFormat));
        assert_eq!(
            sniff(b"<html><script>fetch('/ui/')</script>"),
            Err(NotAnImage::UnknownFormat)
        );
        assert_eq!(sniff(b""), Err(NotAnImage::UnknownFormat));
        assert!(matches!(
            sniff(&png(2, 1)[..12]),
            Err(NotAnImage::BrokenHeader(_)) | Err(NotAnImage::UnknownFormat)
        ));
        assert!(matches!(sniff(&png(0, 5)), Err(NotAnImage::BadSize { .. })));
        assert!(matches!(
            sniff(&png(100_000, 5)),
            Err(NotAnImage::BadSize { .. })
        ));
        // Only the magic numbers of the formats themselves (found by the
        // logo_sniff fuzz target: `imagesize` takes any `GIF8`).
        assert_eq!(
            sniff(b"GIF88a\x02\x00\x01\x00\xb3\x00\x00"),
            Err(NotAnImage::UnknownFormat)
        );
        let mut png_bad_magic = png(2, 1);
        png_bad_magic[4] = b'x';
        assert_eq!(sniff(&png_bad_magic), Err(NotAnImage::UnknownFormat));
        // BMP and ICO are real images, but not kept.
        assert_eq!(
            sniff(b"BM\x3a\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0\x01\0\0\0\x01\0\0\0"),
            Err(NotAnImage::UnknownFormat)
        );
    }
}
