//! Streaming a prepared programme file back out, filtered to the lineup's
//! channels and renamed to its ids, so `/xmltv.xml` is never built in memory.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{self, BufRead, Read, Write};

use super::escape::{escape_into, unescape_attr, EntityStats};
use super::prepared::{PREPARED_HEADER, RECORD_PREFIX};

/// Default longest record accepted when reading back (ingest writes at most
/// about `max_element_bytes`; this leaves room for larger configured limits).
pub const DEFAULT_MAX_RECORD_BYTES: usize = 8 * 1024 * 1024;

/// Why a prepared programme file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PreparedError {
    /// The file could not be read.
    #[error("reading the prepared programme file failed: {0}")]
    Io(#[from] io::Error),
    /// The first line is not the v1 header: not a prepared file, or another version.
    #[error(
        "not a prepared programme file (or an unsupported version): the header line is missing"
    )]
    NotPrepared,
    /// A record is broken (the file was damaged or cut).
    #[error("prepared programme file is damaged at record {record}: {what}")]
    Corrupt {
        /// 1-based record number.
        record: u64,
        /// What is wrong with it.
        what: String,
    },
}

/// Which source channel ids to keep, and under which output ids (a lineup's
/// `tvg-id` may differ from the guide's id; one guide channel may feed several).
#[derive(Debug, Clone, Default)]
pub struct ChannelSelection {
    map: HashMap<String, Vec<String>>,
}

impl ChannelSelection {
    /// An empty selection (selects nothing).
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the given ids unchanged.
    pub fn identity<I, S>(ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut s = Self::new();
        for id in ids {
            let id = id.into();
            s.add(id.clone(), id);
        }
        s
    }

    /// Keeps programmes of `source_id`, written with channel `output_id`.
    pub fn add(&mut self, source_id: impl Into<String>, output_id: impl Into<String>) {
        self.map
            .entry(source_id.into())
            .or_default()
            .push(output_id.into());
    }

    /// The output ids for a source id (empty when not selected).
    pub fn outputs(&self, source_id: &str) -> &[String] {
        self.map.get(source_id).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// One record of a prepared file: a complete `<programme>` element on one line.
#[derive(Debug, Clone, Copy)]
pub struct ProgrammeRecord<'a> {
    line: &'a [u8],
    id_end: usize,
}

impl<'a> ProgrammeRecord<'a> {
    /// The source channel id.
    pub fn channel(&self) -> Cow<'a, str> {
        let raw = String::from_utf8_lossy(&self.line[RECORD_PREFIX.len()..self.id_end]);
        if raw.contains('&') {
            Cow::Owned(unescape_attr(&raw, &mut EntityStats::default()))
        } else {
            raw
        }
    }

    /// The whole element, including its trailing newline.
    pub fn xml(&self) -> &'a [u8] {
        self.line
    }

    /// Writes the element with its channel id replaced by `channel`.
    pub fn write_as<W: Write>(&self, out: &mut W, channel: &str) -> io::Result<()> {
        let mut head = Vec::with_capacity(RECORD_PREFIX.len() + channel.len() + 8);
        head.extend_from_slice(RECORD_PREFIX);
        escape_into(&mut head, channel);
        out.write_all(&head)?;
        out.write_all(&self.line[self.id_end..])
    }
}

/// Reads a prepared programme file record by record, holding one record at a time.
pub struct ProgrammeReader<R> {
    inner: R,
    line: Vec<u8>,
    max_record: usize,
    records: u64,
}

impl<R: BufRead> ProgrammeReader<R> {
    /// Opens a prepared file, checking its header line.
    pub fn new(mut inner: R) -> Result<Self, PreparedError> {
        let mut header = Vec::new();
        (&mut inner)
            .take(PREPARED_HEADER.len() as u64)
            .read_to_end(&mut header)?;
        if header != PREPARED_HEADER {
            return Err(PreparedError::NotPrepared);
        }
        Ok(ProgrammeReader {
            inner,
            line: Vec::new(),
            max_record: DEFAULT_MAX_RECORD_BYTES,
            records: 0,
        })
    }

    /// Sets the longest record accepted (a longer one is reported as damage).
    pub fn with_max_record(mut self, bytes: usize) -> Self {
        self.max_record = bytes;
        self
    }

    /// The next record, or `None` at the end of the file.
    pub fn next_record(&mut self) -> Result<Option<ProgrammeRecord<'_>>, PreparedError> {
        self.line.clear();
        let limit = self.max_record as u64 + 1;
        let n = (&mut self.inner)
            .take(limit)
            .read_until(b'\n', &mut self.line)?;
        if n == 0 {
            return Ok(None);
        }
        self.records += 1;
        let corrupt = |what: &str| PreparedError::Corrupt {
            record: self.records,
            what: what.to_owned(),
        };
        if self.line.last() != Some(&b'\n') {
            return Err(corrupt(if self.line.len() > self.max_record {
                "record longer than the limit"
            } else {
                "last record is cut off"
            }));
        }
        if !self.line.starts_with(RECORD_PREFIX) {
            return Err(corrupt("record does not start with <programme channel=\""));
        }
        let id_end = self.line[RECORD_PREFIX.len()..]
            .iter()
            .position(|&b| b == b'"')
            .map(|i| i + RECORD_PREFIX.len())
            .ok_or_else(|| corrupt("unterminated channel attribute"))?;
        Ok(Some(ProgrammeRecord {
            line: &self.line,
            id_end,
        }))
    }

    /// Writes every record of a selected channel to `out`, renamed per
    /// `selection`; returns how many programme elements were written.
    pub fn copy_selected<W: Write>(
        &mut self,
        selection: &ChannelSelection,
        out: &mut W,
    ) -> Result<u64, PreparedError> {
        let mut written = 0;
        while let Some(record) = self.next_record()? {
            let outputs = selection.outputs(&record.channel());
            for id in outputs {
                record.write_as(out, id)?;
                written += 1;
            }
        }
        Ok(written)
    }
}
