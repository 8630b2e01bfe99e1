//! What an ingest found and what it had to leave out, for logs, events and the CLI.

use std::collections::BTreeMap;
use std::fmt;

/// Why an item (or a part of one) was left out of the ingested guide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SkipReason {
    /// `<channel>` without an `id`.
    ChannelMissingId,
    /// A second `<channel>` with an id already seen (the first one is kept).
    ChannelDuplicate,
    /// More channels than [`super::IngestLimits::max_channels`].
    ChannelOverLimit,
    /// A channel with a text or attribute over the size caps.
    ChannelTooLarge,
    /// `<programme>` without a `channel` attribute.
    ProgrammeMissingChannel,
    /// `<programme>` without a `start` attribute.
    ProgrammeMissingStart,
    /// `start` is not an XMLTV time (`YYYYMMDDhhmm[ss] [+zzzz]`).
    ProgrammeBadStart,
    /// No non-empty `<title>` (the DTD requires one).
    ProgrammeNoTitle,
    /// Over [`super::IngestLimits::max_element_bytes`] or with an oversized text/attribute.
    ProgrammeTooLarge,
    /// Broken attributes (duplicates, missing quotes).
    ProgrammeMalformed,
    /// A top-level element other than `<channel>` / `<programme>`.
    UnknownElement,
    /// A programme child the XMLTV DTD does not know (dropped, programme kept).
    ChildUnknown,
    /// A second occurrence of a child the DTD allows once (dropped, programme kept).
    ChildRepeated,
    /// An empty `<desc>` or an `episode-num` in `xmltv_ns` that is not valid (dropped).
    ChildInvalid,
    /// A `stop` attribute that is not an XMLTV time (dropped, programme kept).
    StopInvalid,
    /// An attribute on `<programme>` the DTD does not define (dropped).
    AttributeUnknown,
}

impl SkipReason {
    /// Short human text for tables and logs.
    pub fn describe(self) -> &'static str {
        match self {
            SkipReason::ChannelMissingId => "channel without id",
            SkipReason::ChannelDuplicate => "duplicate channel id",
            SkipReason::ChannelOverLimit => "channel over the channel limit",
            SkipReason::ChannelTooLarge => "channel over the size caps",
            SkipReason::ProgrammeMissingChannel => "programme without channel",
            SkipReason::ProgrammeMissingStart => "programme without start",
            SkipReason::ProgrammeBadStart => "programme with invalid start",
            SkipReason::ProgrammeNoTitle => "programme without title",
            SkipReason::ProgrammeTooLarge => "programme over the size caps",
            SkipReason::ProgrammeMalformed => "programme with broken attributes",
            SkipReason::UnknownElement => "unknown top-level element",
            SkipReason::ChildUnknown => "unknown programme child dropped",
            SkipReason::ChildRepeated => "repeated single programme child dropped",
            SkipReason::ChildInvalid => "invalid programme child dropped",
            SkipReason::StopInvalid => "invalid stop time dropped",
            SkipReason::AttributeUnknown => "unknown programme attribute dropped",
        }
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// Counts from one ingest, reported to the user and recorded as an event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IngestSummary {
    /// Channels kept.
    pub channels: u64,
    /// Programmes written to the prepared file.
    pub programmes: u64,
    /// Kept programmes whose channel had not been declared before them (kept: the
    /// lineup may map them later; the reader filters by channel anyway).
    pub programmes_unknown_channel: u64,
    /// Skipped or dropped items by reason.
    pub skipped: BTreeMap<SkipReason, u64>,
    /// Entity references that are neither XML's five, a character reference nor a
    /// known HTML name; kept as literal text (never expanded).
    pub unknown_entities: u64,
    /// Bare `&` characters that start no reference; kept as literal text.
    pub bare_ampersands: u64,
    /// Whether the input was gzip-compressed.
    pub gzip: bool,
    /// The document's encoding as declared (or `UTF-8`).
    pub encoding: String,
    /// Size of the XML text in bytes (after decompression).
    pub xml_bytes: u64,
}

impl IngestSummary {
    /// How many items were skipped for `reason`.
    pub fn skipped(&self, reason: SkipReason) -> u64 {
        self.skipped.get(&reason).copied().unwrap_or(0)
    }

    /// Total skipped or dropped items over all reasons.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }

    pub(crate) fn skip(&mut self, reason: SkipReason) {
        *self.skipped.entry(reason).or_insert(0) += 1;
    }
}

impl fmt::Display for IngestSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} channels, {} programmes",
            self.channels, self.programmes
        )?;
        if !self.skipped.is_empty() {
            let parts: Vec<String> = self
                .skipped
                .iter()
                .map(|(r, n)| format!("{n} {r}"))
                .collect();
            write!(f, "; skipped: {}", parts.join(", "))?;
        }
        Ok(())
    }
}
