//! Errors of guide ingest: one line each, saying what went wrong and where.

use std::fmt;
use std::io;

/// Where in the (decompressed) XML a problem was found, so a user can open the
/// file and look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Byte offset in the XML text (after gzip decompression, if any).
    pub offset: u64,
    /// 1-based line number, when it was cheap to know.
    pub line: Option<u64>,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "byte {}, line {}", self.offset, line),
            None => write!(f, "byte {}", self.offset),
        }
    }
}

/// Why an ingest was refused. Every variant prints as one line; the caller keeps
/// the previous guide when it sees any of them.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The input is empty, or is something else entirely (HTML page, JSON, text).
    #[error("not an XMLTV document: {what} (at {at})")]
    NotXml {
        /// What the input looks like instead.
        what: String,
        /// Where that was seen.
        at: Position,
    },
    /// The XML is broken: bad syntax, mismatched or unclosed tags, truncation.
    #[error("malformed XML at {at}: {what}")]
    Malformed {
        /// The parser's description.
        what: String,
        /// Where the problem starts.
        at: Position,
    },
    /// Well-formed XML, but not a guide (root element other than `<tv>`).
    #[error("not an XMLTV guide: root element is <{found}>, expected <tv> (at {at})")]
    WrongRoot {
        /// The root element's name.
        found: String,
        /// Where the root element starts.
        at: Position,
    },
    /// The bytes do not match the declared (or default UTF-8) encoding.
    #[error("encoding problem at {at}: {what}")]
    Encoding {
        /// What is wrong and what the declaration said.
        what: String,
        /// The first offending byte.
        at: Position,
    },
    /// A structure too large to parse with bounded memory (not a skippable item).
    #[error("too large at {at}: {what}")]
    TooLarge {
        /// What exceeded which limit.
        what: String,
        /// Where it starts.
        at: Position,
    },
    /// Reading the input failed (network body cut, corrupt gzip stream, disk error).
    #[error("reading the guide failed at {at}: {what}")]
    Read {
        /// The underlying error, including gzip context.
        what: String,
        /// How far the XML got.
        at: Position,
    },
    /// Writing the prepared programme file failed.
    #[error("writing the prepared programme file failed: {0}")]
    Write(#[source] io::Error),
}

/// A fault raised inside the byte pipeline (below quick-xml), carried through
/// `io::Error` so it surfaces with its exact position.
#[derive(Debug, Clone)]
pub(crate) struct PipelineFault {
    pub kind: FaultKind,
    pub what: String,
    pub at: Position,
}

/// Which [`IngestError`] variant a [`PipelineFault`] becomes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum FaultKind {
    Encoding,
    TooLarge,
}

impl fmt::Display for PipelineFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}", self.what, self.at)
    }
}

impl std::error::Error for PipelineFault {}

impl PipelineFault {
    pub(crate) fn into_io(self) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, self)
    }

    pub(crate) fn into_ingest(self) -> IngestError {
        match self.kind {
            FaultKind::Encoding => IngestError::Encoding {
                what: self.what,
                at: self.at,
            },
            FaultKind::TooLarge => IngestError::TooLarge {
                what: self.what,
                at: self.at,
            },
        }
    }

    /// Finds a fault inside an `io::Error` produced by the pipeline.
    pub(crate) fn from_io(e: &io::Error) -> Option<PipelineFault> {
        e.get_ref()
            .and_then(|inner| inner.downcast_ref::<PipelineFault>())
            .cloned()
    }
}

/// `text` on one line: control characters become spaces, at most
/// `max_chars` characters (an ellipsis marks a cut), trimmed; the host's
/// `text::one_line`, for parser messages that quote the input.
pub(crate) fn one_line(text: &str, max_chars: usize) -> String {
    let mut line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max_chars)
        .collect();
    if text.chars().nth(max_chars).is_some() {
        line.push('…');
    }
    line.trim().to_string()
}
