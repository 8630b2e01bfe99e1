//! The segments a simulated HLS stream loops: files made by ffmpeg's `hls`
//! muxer at test time (read back from its playlist), optionally sealed with
//! AES-128-CBC the way `#EXT-X-KEY` describes.

use aes::cipher::{block_padding::Pkcs7, BlockModeEncrypt, KeyIvInit};
use bytes::Bytes;
use std::io;
use std::path::Path;
use std::time::Duration;

/// One segment file and its duration.
#[derive(Debug, Clone)]
pub struct HlsSegment {
    /// Its MPEG-TS bytes.
    pub bytes: Bytes,
    /// Its `#EXTINF` duration.
    pub duration: Duration,
}

/// Reads the segments ffmpeg wrote next to `playlist` (its `index.m3u8`).
pub fn read_ffmpeg_playlist(playlist: &Path) -> io::Result<Vec<HlsSegment>> {
    let text = std::fs::read_to_string(playlist)?;
    let dir = playlist.parent().unwrap_or(Path::new("."));
    let mut segments = Vec::new();
    let mut duration = None;
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("#EXTINF:") {
            let secs: f64 = rest
                .split(',')
                .next()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "bad #EXTINF"))?;
            duration = Some(Duration::from_secs_f64(secs));
        } else if !line.is_empty() && !line.starts_with('#') {
            let duration = duration.take().ok_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidData, "a segment without #EXTINF")
            })?;
            let bytes = Bytes::from(std::fs::read(dir.join(line))?);
            segments.push(HlsSegment { bytes, duration });
        }
    }
    if segments.is_empty() {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "no segment"));
    }
    Ok(segments)
}

/// `plain` sealed with `key`, the IV being `sequence` (as RFC 8216 says
/// when the key tag gives none).
pub(crate) fn seal(plain: &[u8], key: &[u8; 16], sequence: u64) -> Vec<u8> {
    let iv = (sequence as u128).to_be_bytes();
    let mut buf = plain.to_vec();
    buf.resize(plain.len() + 16, 0);
    let n = cbc::Encryptor::<aes::Aes128>::new(key.into(), (&iv).into())
        .encrypt_padded::<Pkcs7>(&mut buf, plain.len())
        .expect("room for the padding")
        .len();
    buf.truncate(n);
    buf
}
