//! XMLTV guide sources: `guide add | list | remove | set`, and the guide half
//! of `sync` (the [`Guides`] service in `sources`). Reading and writing XMLTV
//! itself (ingest, prepared programme files, shifts, output) is the
//! `streamforge-xmltv` crate, re-exported here for the tuner and the tests.

mod sources;

pub use sources::{GuideSync, GuideView, Guides};
pub use streamforge_xmltv::{
    ingest, is_channel_number, prepared, write_channel, write_footer, write_header, Channel,
    ChannelSelection, GuideShift, IngestError, IngestLimits, IngestSummary, IngestedGuide,
    Position, PreparedError, ProgrammeReader, ProgrammeRecord, SkipReason,
    CATEGORY_IDS_PER_CHANNEL, DEFAULT_MAX_RECORD_BYTES, PREPARED_HEADER,
};
