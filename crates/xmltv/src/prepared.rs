//! The prepared programme file: what ingest writes and the tuner streams back.
//!
//! Format (version 1), UTF-8 text:
//!
//! ```text
//! <!--streamforge-prepared-programmes v1-->\n
//! <programme channel="ID" start="..." [stop="..." ...]>CHILDREN</programme>\n
//! ...
//! ```
//!
//! Each record is one complete, well-formed `<programme>` element on one line:
//! `channel` is always the first attribute (so a reader can filter and rename
//! without parsing XML), `start` the second; children are in XMLTV DTD order with
//! every attribute kept; text is re-escaped and line breaks inside text are
//! written as `&#10;`, so a record never contains a raw newline. Records keep the
//! source's order. The file is append-only and needs no index: the tuner reads it
//! front to back while writing `/xmltv.xml`.

/// First line of every prepared programme file (with its newline).
pub const PREPARED_HEADER: &[u8] = b"<!--streamforge-prepared-programmes v1-->\n";

/// Every record starts with this, immediately followed by the escaped channel id.
pub(crate) const RECORD_PREFIX: &[u8] = b"<programme channel=\"";
