//! One picture to one JPEG at a level: the planes are scaled (never up) to
//! fit the level's box, keeping the picture's shape, and encoded 4:2:0 at
//! the level's quality. Runs on a camera's encoder thread, never on the
//! async thread.

use super::level::Level;
use super::y4m::Picture;
use bytes::Bytes;
use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use jpeg_encoder::{Encoder, ImageBuffer, JpegColorType, SamplingFactor};

/// The size a `width`×`height` picture gets at `level`: the largest size
/// within the level's box with the picture's shape, even sides, never larger
/// than the picture.
pub fn fitted(width: u32, height: u32, level: &Level) -> (u32, u32) {
    let scale = f64::min(
        level.width as f64 / width as f64,
        level.height as f64 / height as f64,
    )
    .min(1.0);
    let even = |v: f64| ((v.round() as u32) & !1).max(2);
    (even(width as f64 * scale), even(height as f64 * scale))
}

/// Scales and encodes pictures for one level, keeping its buffers between
/// pictures.
pub struct LevelEncoder {
    level: Level,
    resizer: Resizer,
    out: Vec<u8>,
}

impl LevelEncoder {
    /// An encoder for `level`.
    pub fn new(level: Level) -> LevelEncoder {
        LevelEncoder {
            level,
            resizer: Resizer::new(),
            out: Vec::with_capacity(256 * 1024),
        }
    }

    /// `picture` as a JPEG at this level.
    pub fn encode(&mut self, picture: &Picture) -> Result<Bytes, String> {
        let (w, h) = fitted(picture.width, picture.height, &self.level);
        let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
        let (pcw, pch) = picture.chroma_size();
        let y = self.plane(picture.y(), picture.width, picture.height, w, h)?;
        let u = self.plane(picture.u(), pcw, pch, cw, ch)?;
        let v = self.plane(picture.v(), pcw, pch, cw, ch)?;
        self.out.clear();
        let mut encoder = Encoder::new(&mut self.out, self.level.quality);
        encoder.set_sampling_factor(SamplingFactor::F_2_2);
        encoder
            .encode_image(Planes {
                y: &y,
                u: &u,
                v: &v,
                width: w,
                height: h,
                chroma_width: cw,
            })
            .map_err(|e| format!("JPEG encoding failed: {e}"))?;
        Ok(Bytes::copy_from_slice(&self.out))
    }

    /// One plane scaled to `w`×`h` (borrowed as is when the size is kept).
    fn plane(&mut self, src: &[u8], sw: u32, sh: u32, w: u32, h: u32) -> Result<Vec<u8>, String> {
        if (sw, sh) == (w, h) {
            return Ok(src.to_vec());
        }
        let from = ImageRef::new(sw, sh, src, PixelType::U8).map_err(|e| e.to_string())?;
        let mut to = Image::new(w, h, PixelType::U8);
        let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear));
        self.resizer
            .resize(&from, &mut to, &options)
            .map_err(|e| format!("scaling failed: {e}"))?;
        Ok(to.into_vec())
    }
}

/// Scaled planes, handed to the JPEG encoder row by row as Y, Cb, Cr (the
/// encoder subsamples the chroma back to 4:2:0 itself).
struct Planes<'a> {
    y: &'a [u8],
    u: &'a [u8],
    v: &'a [u8],
    width: u32,
    height: u32,
    chroma_width: u32,
}

impl ImageBuffer for Planes<'_> {
    fn get_jpeg_color_type(&self) -> JpegColorType {
        JpegColorType::Ycbcr
    }

    fn width(&self) -> u16 {
        self.width as u16
    }

    fn height(&self) -> u16 {
        self.height as u16
    }

    fn fill_buffers(&self, row: u16, buffers: &mut [Vec<u8>; 4]) {
        let (w, cw) = (self.width as usize, self.chroma_width as usize);
        let y = &self.y[row as usize * w..][..w];
        let c = row as usize / 2 * cw;
        let (u, v) = (&self.u[c..c + cw], &self.v[c..c + cw]);
        buffers[0].extend_from_slice(y);
        for x in 0..w {
            buffers[1].push(u[x / 2]);
            buffers[2].push(v[x / 2]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::camera::level::Levels;
    use streamforge_testkit::camera::jpeg_size;

    fn grey_picture(width: u32, height: u32, luma: u8) -> Picture {
        let (cw, ch) = (width.div_ceil(2), height.div_ceil(2));
        let mut data = vec![luma; (width * height) as usize];
        data.resize(data.len() + 2 * (cw * ch) as usize, 128);
        Picture {
            width,
            height,
            data,
        }
    }

    #[test]
    fn pictures_are_fitted_into_the_level_never_enlarged() {
        let levels = Levels::defaults();
        let low = &levels.all()[0];
        assert_eq!(fitted(1920, 1080, low), (640, 360));
        assert_eq!(fitted(640, 480, low), (480, 360));
        assert_eq!(fitted(320, 180, low), (320, 180));
        assert_eq!(fitted(1, 1, low), (2, 2));
    }

    #[test]
    fn a_picture_becomes_a_jpeg_of_the_level_size() {
        let levels = Levels::defaults();
        let mut low = LevelEncoder::new(levels.all()[0].clone());
        let jpeg = low.encode(&grey_picture(1280, 720, 200)).unwrap();
        assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
        assert_eq!(&jpeg[jpeg.len() - 2..], &[0xFF, 0xD9]);
        assert_eq!(jpeg_size(&jpeg), (640, 360));
        // Odd sizes (chroma planes rounded up) encode too.
        let odd = low.encode(&grey_picture(321, 181, 10)).unwrap();
        assert_eq!(jpeg_size(&odd), (320, 180));
    }
}
