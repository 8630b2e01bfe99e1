//! Reads the YUV4MPEG2 stream the decoder writes: a header line with the
//! size, then `FRAME` lines each followed by one 4:2:0 picture. The format
//! names its own size, so nothing is parsed from ffmpeg's log.

use std::io::{self, BufRead};

/// One decoded picture: planar Y, then U, then V (4:2:0).
#[derive(Debug)]
pub struct Picture {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The three planes, back to back.
    pub data: Vec<u8>,
}

impl Picture {
    /// The Y plane.
    pub fn y(&self) -> &[u8] {
        &self.data[..self.luma_len()]
    }

    /// The U (Cb) plane.
    pub fn u(&self) -> &[u8] {
        let (l, c) = (self.luma_len(), self.chroma_len());
        &self.data[l..l + c]
    }

    /// The V (Cr) plane.
    pub fn v(&self) -> &[u8] {
        let (l, c) = (self.luma_len(), self.chroma_len());
        &self.data[l + c..l + 2 * c]
    }

    /// Size of the chroma planes (each).
    pub fn chroma_size(&self) -> (u32, u32) {
        (self.width.div_ceil(2), self.height.div_ceil(2))
    }

    fn luma_len(&self) -> usize {
        self.width as usize * self.height as usize
    }

    fn chroma_len(&self) -> usize {
        let (w, h) = self.chroma_size();
        w as usize * h as usize
    }
}

/// A YUV4MPEG2 stream being read.
pub struct Reader<R> {
    input: R,
    width: u32,
    height: u32,
}

/// Largest picture side accepted (a broken header must not ask for gigabytes).
const MAX_SIDE: u32 = 8192;

impl<R: BufRead> Reader<R> {
    /// Reads the stream header. Only 4:2:0 is accepted (the decoder is asked
    /// for it).
    pub fn new(mut input: R) -> io::Result<Reader<R>> {
        let line = read_line(&mut input)?.ok_or_else(|| bad("the decoder wrote nothing"))?;
        let mut fields = line.split(' ');
        if fields.next() != Some("YUV4MPEG2") {
            return Err(bad("not a YUV4MPEG2 stream"));
        }
        let (mut width, mut height) = (0, 0);
        for field in fields {
            let (tag, value) = field.split_at(field.len().min(1));
            match tag {
                "W" => width = value.parse().map_err(|_| bad("bad width"))?,
                "H" => height = value.parse().map_err(|_| bad("bad height"))?,
                "C" if !value.starts_with("420") => {
                    return Err(bad("the decoder did not write 4:2:0 pictures"))
                }
                _ => {}
            }
        }
        if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
            return Err(bad("the stream names no usable picture size"));
        }
        Ok(Reader {
            input,
            width,
            height,
        })
    }

    /// The pictures' size.
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// The next picture (`None` at the end of the stream).
    pub fn next_picture(&mut self) -> io::Result<Option<Picture>> {
        let Some(line) = read_line(&mut self.input)? else {
            return Ok(None);
        };
        if !line.starts_with("FRAME") {
            return Err(bad("a picture does not start with FRAME"));
        }
        let (cw, ch) = (self.width.div_ceil(2), self.height.div_ceil(2));
        let len = (self.width * self.height + 2 * cw * ch) as usize;
        let mut data = vec![0; len];
        self.input.read_exact(&mut data)?;
        Ok(Some(Picture {
            width: self.width,
            height: self.height,
            data,
        }))
    }
}

/// One header line, without its newline (`None` at a clean end).
fn read_line(input: &mut impl BufRead) -> io::Result<Option<String>> {
    let mut line = Vec::new();
    let n = std::io::Read::take(&mut *input, 1024).read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    if line.last() != Some(&b'\n') {
        return Err(bad("a header line is too long or cut off"));
    }
    line.pop();
    String::from_utf8(line)
        .map(Some)
        .map_err(|_| bad("a header line is not text"))
}

fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_come_out_with_their_planes() {
        let mut stream = b"YUV4MPEG2 W4 H2 F15:1 Ip A1:1 C420jpeg XYSCSS=420JPEG\n".to_vec();
        for v in [10u8, 20] {
            stream.extend_from_slice(b"FRAME\n");
            stream.extend_from_slice(&[v; 8]); // Y
            stream.extend_from_slice(&[v + 1; 2]); // U (2x1)
            stream.extend_from_slice(&[v + 2; 2]); // V
        }
        let mut r = Reader::new(&stream[..]).unwrap();
        assert_eq!(r.size(), (4, 2));
        let p = r.next_picture().unwrap().unwrap();
        assert_eq!(
            (p.y(), p.u(), p.v()),
            (&[10u8; 8][..], &[11u8; 2][..], &[12u8; 2][..])
        );
        assert_eq!(r.next_picture().unwrap().unwrap().y()[0], 20);
        assert!(r.next_picture().unwrap().is_none());
    }

    #[test]
    fn broken_streams_are_errors() {
        for bad in [
            &b""[..],
            b"RIFF W4 H2\n",
            b"YUV4MPEG2 W0 H2\n",
            b"YUV4MPEG2 W99999 H2\n",
            b"YUV4MPEG2 W4 H2 C444\n",
        ] {
            assert!(
                Reader::new(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        let cut = b"YUV4MPEG2 W4 H2\nFRAME\n\x01\x02";
        assert!(Reader::new(&cut[..]).unwrap().next_picture().is_err());
        let junk = b"YUV4MPEG2 W4 H2\nJUNK\n";
        assert!(Reader::new(&junk[..]).unwrap().next_picture().is_err());
    }
}
