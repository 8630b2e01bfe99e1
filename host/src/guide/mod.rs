//! XMLTV guides: streaming ingest (plain or gzip, bounded memory, clear errors)
//! into channel records plus a prepared programme file, and streaming XMLTV
//! output from that file for the tuner's `/xmltv.xml`.
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

mod attrs;
mod channel;
mod dtd;
mod error;
mod escape;
mod guard;
mod ingest;
mod legacy;
mod limits;
pub mod prepared;
mod programme;
mod programmes;
mod shift;
mod source;
mod sources;
mod summary;
mod xmltv_out;

pub use crate::store::GuideChannelRecord;
pub use channel::is_channel_number;
pub use error::{IngestError, Position};
pub use ingest::{ingest, IngestedGuide, CATEGORY_IDS_PER_CHANNEL};
pub use limits::IngestLimits;
pub use prepared::PREPARED_HEADER;
pub use programmes::{
    ChannelSelection, PreparedError, ProgrammeReader, ProgrammeRecord, DEFAULT_MAX_RECORD_BYTES,
};
pub use shift::GuideShift;
pub use sources::{GuideSync, GuideView, Guides};
pub use summary::{IngestSummary, SkipReason};
pub use xmltv_out::{write_channel, write_footer, write_header};
