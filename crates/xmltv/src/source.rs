//! Opening the input: gzip by magic bytes, a look at the prolog (is it XML at all,
//! which encoding does it declare), and the byte pipeline quick-xml reads from.

use std::io::{self, BufRead, BufReader, Cursor, Read};

use flate2::read::MultiGzDecoder;
use quick_xml::encoding::DecodingReader;
use quick_xml::events::BytesDecl;

use super::error::{IngestError, Position};
use super::guard::Guard;
use super::legacy::LegacyCheck;
use super::limits::IngestLimits;

const BUF: usize = 64 * 1024;
const PROLOG_PEEK: usize = 4096;

/// The opened input, ready for quick-xml.
pub(crate) struct Source<'r> {
    pub guard: Guard<Box<dyn BufRead + 'r>>,
    pub gzip: bool,
    pub encoding: String,
}

fn at(offset: u64) -> Position {
    Position { offset, line: None }
}

/// Reads up to `n` bytes (fewer only at end of input).
fn read_prefix(r: &mut dyn Read, n: usize) -> io::Result<Vec<u8>> {
    let mut v = Vec::with_capacity(n);
    r.take(n as u64).read_to_end(&mut v)?;
    Ok(v)
}

/// Opens `input` for parsing; see the module documentation.
pub(crate) fn open<'r, R: Read + 'r>(
    mut input: R,
    limits: &IngestLimits,
) -> Result<Source<'r>, IngestError> {
    let read_err = |e: io::Error, gzip: bool| IngestError::Read {
        what: if gzip {
            format!("gzip stream: {e}")
        } else {
            e.to_string()
        },
        at: at(0),
    };
    let magic = read_prefix(&mut input, 2).map_err(|e| read_err(e, false))?;
    let gzip = magic == [0x1f, 0x8b];
    let joined = Cursor::new(magic).chain(input);
    let mut stream: Box<dyn Read + 'r> = if gzip {
        Box::new(MultiGzDecoder::new(BufReader::with_capacity(BUF, joined)))
    } else {
        Box::new(joined)
    };
    let head = read_prefix(&mut stream, PROLOG_PEEK).map_err(|e| read_err(e, gzip))?;
    let prolog = look_at_prolog(&head)?;
    let bom = prolog.bom_len as u64;
    let rest = Cursor::new(head[prolog.bom_len..].to_vec()).chain(stream);
    let (reader, check_utf8, declared): (Box<dyn BufRead + 'r>, bool, String) = match prolog.legacy
    {
        false => (
            Box::new(BufReader::with_capacity(BUF, rest)),
            true,
            match &prolog.label {
                Some(l) => format!("declares encoding \"{l}\""),
                None => "declares no encoding, so it must be UTF-8".to_owned(),
            },
        ),
        true => {
            let label = prolog.label.clone().unwrap_or_default();
            let decl = BytesDecl::new("1.0", Some(&label), None);
            let checked = LegacyCheck::new(rest, bom, label.clone());
            let mut decoder = DecodingReader::new(BufReader::with_capacity(BUF, checked));
            if let Some(enc) = decl.encoder() {
                decoder.set_encoding(enc);
            }
            (Box::new(decoder), false, String::new())
        }
    };
    Ok(Source {
        guard: Guard::new(reader, *limits, bom, check_utf8, declared),
        gzip,
        encoding: prolog.label.unwrap_or_else(|| "UTF-8".to_owned()),
    })
}

/// What the first bytes say.
struct Prolog {
    bom_len: usize,
    label: Option<String>,
    /// Whether the declared encoding is a non-UTF-8, ASCII-compatible one to
    /// transcode from.
    legacy: bool,
}

fn look_at_prolog(head: &[u8]) -> Result<Prolog, IngestError> {
    if head.is_empty() {
        return Err(IngestError::NotXml {
            what: "the input is empty".into(),
            at: at(0),
        });
    }
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return Err(IngestError::Encoding {
            what: "UTF-16 byte order mark: UTF-16 guides are not supported, re-encode as UTF-8"
                .into(),
            at: at(0),
        });
    }
    let bom_len = if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        3
    } else {
        0
    };
    let body = &head[bom_len..];
    if body.len() >= 2 && (body[0] == 0 || body[1] == 0) {
        return Err(IngestError::Encoding {
            what: "NUL bytes at the start: UTF-16 or binary data, not an XMLTV document".into(),
            at: at(bom_len as u64),
        });
    }
    let Some(k) = body.iter().position(|b| !b.is_ascii_whitespace()) else {
        return Err(IngestError::NotXml {
            what: "the input is only whitespace".into(),
            at: at(head.len() as u64),
        });
    };
    let start = &body[k..];
    let here = at((bom_len + k) as u64);
    if start[0] != b'<' {
        let what = if matches!(start[0], b'{' | b'[') {
            "it looks like JSON".to_owned()
        } else {
            let snippet: String = String::from_utf8_lossy(&start[..start.len().min(24)])
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            format!("it starts with {snippet:?} instead of '<'")
        };
        return Err(IngestError::NotXml { what, at: here });
    }
    let lower: Vec<u8> = start[..start.len().min(1024)].to_ascii_lowercase();
    let find = |needle: &[u8]| lower.windows(needle.len()).position(|w| w == needle);
    let html = find(b"<!doctype html").or_else(|| find(b"<html"));
    if html.is_some_and(|h| find(b"<tv").is_none_or(|t| h < t)) {
        return Err(IngestError::NotXml {
            what: "it looks like an HTML page (an error or login page?)".into(),
            at: here,
        });
    }
    let mut label = None;
    if start.starts_with(b"<?xml") {
        if let Some(end) = start.windows(2).position(|w| w == b"?>") {
            let decl = String::from_utf8_lossy(&start[5..end]).into_owned();
            label = declared_encoding(&decl);
        }
    }
    let legacy = match &label {
        None => false,
        Some(l) if matches!(l.to_ascii_lowercase().as_str(), "utf-8" | "utf8") => false,
        Some(l) => match BytesDecl::new("1.0", Some(l), None).encoder() {
            None => {
                return Err(IngestError::Encoding {
                    what: format!("the declared encoding {l:?} is unknown"),
                    at: here,
                })
            }
            Some(enc) if enc.name() == "UTF-8" => false,
            Some(enc) if !enc.is_ascii_compatible() => {
                return Err(IngestError::Encoding {
                    what: format!("the document declares {l:?} but its bytes are 8-bit text; fix the declaration or re-encode as UTF-8"),
                    at: here,
                })
            }
            Some(_) => true,
        },
    };
    Ok(Prolog {
        bom_len,
        label,
        legacy,
    })
}

/// The `encoding` pseudo-attribute of an XML declaration's inside.
fn declared_encoding(decl: &str) -> Option<String> {
    let i = decl.find("encoding")?;
    let rest = decl[i + "encoding".len()..].trim_start();
    let rest = rest.strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let rest = &rest[1..];
    let end = rest.find(quote)?;
    Some(rest[..end].trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_declared_encoding() {
        assert_eq!(
            declared_encoding(" version=\"1.0\" encoding = 'ISO-8859-1' "),
            Some("ISO-8859-1".to_owned())
        );
        assert_eq!(declared_encoding(" version=\"1.0\""), None);
    }

    #[test]
    fn recognises_non_xml() {
        let e = look_at_prolog(b"  {\"a\":1}").err().unwrap().to_string();
        assert!(e.contains("JSON") && e.contains("byte 2"), "{e}");
        let e = look_at_prolog(b"<!DOCTYPE html><html>")
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("HTML"), "{e}");
    }
}
