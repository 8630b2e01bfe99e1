//! A check for documents that declare a single-byte encoding (ISO-8859-1,
//! windows-1252, ...) but are really UTF-8: the classic cause of "CafÃ©" guides.

use std::io::{self, Read};

use super::error::{FaultKind, PipelineFault, Position};

/// Passes bytes through unchanged, failing at the first multi-byte UTF-8
/// sequence: in a real single-byte text such pairs ("Ã©") almost never occur.
pub(crate) struct LegacyCheck<R> {
    inner: R,
    offset: u64,
    lines: u64,
    label: String,
}

impl<R: Read> LegacyCheck<R> {
    /// Wraps `inner`, whose first byte is at input offset `offset`.
    pub(crate) fn new(inner: R, offset: u64, label: String) -> Self {
        LegacyCheck {
            inner,
            offset,
            lines: 0,
            label,
        }
    }
}

fn utf8_sequence_at(bytes: &[u8]) -> Option<usize> {
    let width = match bytes[0] {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return None,
    };
    let seq = bytes.get(..width)?;
    std::str::from_utf8(seq).ok().map(|_| width)
}

impl<R: Read> Read for LegacyCheck<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let data = &buf[..n];
        let mut i = 0;
        while i < n {
            if data[i] < 0x80 {
                i += 1;
                continue;
            }
            if let Some(w) = utf8_sequence_at(&data[i..]) {
                let shown = String::from_utf8_lossy(&data[i..i + w]).into_owned();
                let lines = data[..i].iter().filter(|&&b| b == b'\n').count() as u64;
                return Err(PipelineFault {
                    kind: FaultKind::Encoding,
                    what: format!(
                        "the document declares encoding \"{}\" but contains UTF-8 text ({shown:?}); fix the declaration to UTF-8",
                        self.label
                    ),
                    at: Position {
                        offset: self.offset + i as u64,
                        line: Some(1 + self.lines + lines),
                    },
                }
                .into_io());
            }
            i += 1;
        }
        self.offset += n as u64;
        self.lines += data.iter().filter(|&&b| b == b'\n').count() as u64;
        Ok(n)
    }
}
