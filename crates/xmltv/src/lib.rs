//! XMLTV guides: streaming ingest (plain or gzip, bounded memory, clear errors)
//! into channel records plus a prepared programme file, time shifts applied to
//! that file, and streaming XMLTV output from it. Protocol only: the host keeps
//! guides in its store and serves `/xmltv.xml`; this crate reads and writes
//! bytes.
//!
//! Decisions, in one place:
//! - Entities: XML's five and character references are resolved, a few common
//!   HTML names (`&nbsp;`, `&eacute;`, ...) too; any other reference, including
//!   ones declared in a DTD, stays literal text and is counted. Nothing expands,
//!   so entity bombs are inert, and a sloppy description never costs a guide.
//! - Programmes whose channel is not (yet) declared are kept and counted: guides
//!   split across files or merged later still map, and the reader filters anyway.
//! - Programmes without `channel`, a valid `start` or a `<title>` are skipped and
//!   counted; children the DTD does not know, or repeats of single children, are
//!   dropped; children are reordered to DTD order so re-served guides validate.
//! - Too-large text, attributes and programmes are skipped and counted; only
//!   structures that cannot be skipped safely (a gigantic tag or DOCTYPE, absurd
//!   nesting) end the ingest with an error.
//!
//! The flow, file by file: `source` opens the input (gzip, prolog, encoding,
//! `legacy` for single-byte encodings), `guard` keeps every token bounded in
//! front of quick-xml, `ingest` drives the events into `channel` and
//! `programme` builders (`attrs`, `escape` and `dtd` hold the rules), which
//! write [`prepared`] records; [`ProgrammeReader`] reads them back, `shift`
//! moves their times and `output` writes the XMLTV document around them.

mod attrs;
mod channel;
mod dtd;
mod error;
mod escape;
mod guard;
mod ingest;
mod legacy;
mod limits;
mod output;
pub mod prepared;
mod programme;
mod programmes;
mod shift;
mod source;
mod summary;
mod summary_of;

pub use channel::{is_channel_number, Channel};
pub use error::{IngestError, Position};
pub use ingest::{ingest, IngestedGuide, CATEGORY_IDS_PER_CHANNEL};
pub use limits::IngestLimits;
pub use output::{write_channel, write_footer, write_header};
pub use prepared::PREPARED_HEADER;
pub use programmes::{
    ChannelSelection, PreparedError, ProgrammeReader, ProgrammeRecord, DEFAULT_MAX_RECORD_BYTES,
};
pub use shift::{shift_file, GuideShift};
pub use summary::{IngestSummary, SkipReason};
pub use summary_of::{parse_time, ProgrammeSummary};
