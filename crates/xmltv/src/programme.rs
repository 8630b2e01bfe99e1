//! Re-serializing one `<programme>` into a prepared-file record: children in DTD
//! order, text re-escaped, the whole element on one line.

use std::io::{self, Write};

use super::dtd::{
    child_rank, is_xmltv_ns, is_xmltv_time, CATEGORY_RANK, DESC_RANK, EPISODE_RANK,
    PROGRAMME_OPTIONAL_ATTRS, TITLE_RANK,
};
use super::escape::{escape_into, keep_xml_chars};
use super::summary::{IngestSummary, SkipReason};

/// Text kept per child for checks (title non-empty, episode-num format).
const CHECK_TEXT: usize = 256;

/// The direct child being captured.
#[derive(Debug)]
struct Child {
    rank: u8,
    start: usize,
    /// Unknown or repeated child: swallowed, not written.
    discard: bool,
    xmltv_ns: bool,
    text: String,
}

/// Builds programme records; reused across programmes to keep allocations flat.
#[derive(Debug, Default)]
pub(crate) struct ProgrammeBuilder {
    head: Vec<u8>,
    body: Vec<u8>,
    spans: Vec<(u8, usize, usize)>,
    cur: Option<Child>,
    depth: usize,
    singles: u32,
    has_title: bool,
    channel: String,
    skip: Option<SkipReason>,
    max_bytes: usize,
    invalid_children: u64,
    categories: Vec<String>,
    /// The current `<category>`'s first [`CATEGORY_SCAN_CHARS`] characters
    /// as XML output keeps them, however the text arrived in pieces (so the
    /// guide written back out gives the same categories).
    category_text: String,
    category_chars: usize,
}

/// Categories kept per programme, and the longest kept (in characters).
const MAX_CATEGORIES: usize = 8;
const MAX_CATEGORY_CHARS: usize = 64;
/// Characters of a `<category>` read before trimming and cutting.
const CATEGORY_SCAN_CHARS: usize = 256;

/// Appends `<name a="v" ...` (without the closing `>`).
fn open_tag(out: &mut Vec<u8>, name: &[u8], attrs: &[(String, String)]) {
    out.push(b'<');
    out.extend_from_slice(name);
    for (k, v) in attrs {
        out.push(b' ');
        out.extend_from_slice(k.as_bytes());
        out.extend_from_slice(b"=\"");
        escape_into(out, v);
        out.push(b'"');
    }
}

impl ProgrammeBuilder {
    /// Starts a programme from the `<programme>` tag's attributes (`None`: broken).
    pub(crate) fn begin(
        &mut self,
        attrs: Option<Vec<(String, String)>>,
        max_bytes: usize,
        summary: &mut IngestSummary,
    ) {
        self.head.clear();
        self.body.clear();
        self.spans.clear();
        self.cur = None;
        self.depth = 0;
        self.singles = 0;
        self.has_title = false;
        self.channel.clear();
        self.skip = None;
        self.max_bytes = max_bytes;
        self.invalid_children = 0;
        self.categories.clear();
        let Some(attrs) = attrs else {
            self.skip = Some(SkipReason::ProgrammeMalformed);
            return;
        };
        let get = |name: &str| attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim());
        // The channel id as the channel record keeps it (see `keep_xml_chars`).
        let channel_id = get("channel").map(keep_xml_chars);
        let channel_id = channel_id.as_deref().map(str::trim);
        let (channel, start) = match (channel_id, get("start")) {
            (None, _) | (Some(""), _) => {
                self.skip = Some(SkipReason::ProgrammeMissingChannel);
                return;
            }
            (_, None) | (_, Some("")) => {
                self.skip = Some(SkipReason::ProgrammeMissingStart);
                return;
            }
            (Some(c), Some(s)) => (c, s),
        };
        if !is_xmltv_time(start) {
            self.skip = Some(SkipReason::ProgrammeBadStart);
            return;
        }
        self.channel.push_str(channel);
        let mut kept = vec![
            ("channel".to_owned(), channel.to_owned()),
            ("start".to_owned(), start.to_owned()),
        ];
        for (k, v) in &attrs {
            if k == "channel" || k == "start" {
                continue;
            }
            if !PROGRAMME_OPTIONAL_ATTRS.contains(&k.as_str()) {
                summary.skip(SkipReason::AttributeUnknown);
            } else if k == "stop" && !is_xmltv_time(v.trim()) {
                summary.skip(SkipReason::StopInvalid);
            } else {
                kept.push((k.clone(), v.trim().to_owned()));
            }
        }
        open_tag(&mut self.head, b"programme", &kept);
        self.head.push(b'>');
    }

    /// The `<category>` texts of the programme (trimmed, at most a few).
    pub(crate) fn categories(&self) -> &[String] {
        &self.categories
    }

    /// The programme's channel id (empty when skipped).
    pub(crate) fn channel(&self) -> &str {
        &self.channel
    }

    fn check_size(&mut self) {
        if self.skip.is_none() && self.head.len() + self.body.len() > self.max_bytes {
            self.mark_oversized();
        }
    }

    /// Something inside the programme was over the size caps: skip it.
    pub(crate) fn mark_oversized(&mut self) {
        if self.skip.is_none() {
            self.skip = Some(SkipReason::ProgrammeTooLarge);
        }
        self.body = Vec::new();
        self.spans.clear();
        self.cur = None;
    }

    /// An element opened inside the programme; `empty` for `<x/>`.
    pub(crate) fn start(
        &mut self,
        name: &[u8],
        attrs: Option<Vec<(String, String)>>,
        empty: bool,
        summary: &mut IngestSummary,
    ) {
        if self.skip.is_some() {
            if !empty {
                self.depth += 1;
            }
            return;
        }
        if self.depth == 0 {
            let (rank, discard) = match child_rank(name) {
                None => {
                    summary.skip(SkipReason::ChildUnknown);
                    (0, true)
                }
                Some((rank, single)) => {
                    let bit = 1u32 << rank;
                    if single && self.singles & bit != 0 {
                        summary.skip(SkipReason::ChildRepeated);
                        (rank, true)
                    } else {
                        self.singles |= bit;
                        (rank, false)
                    }
                }
            };
            let xmltv_ns = attrs.as_ref().is_some_and(|a| {
                a.iter()
                    .any(|(k, v)| k == "system" && v.trim() == "xmltv_ns")
            });
            self.category_text.clear();
            self.category_chars = 0;
            self.cur = Some(Child {
                rank,
                start: self.body.len(),
                discard,
                xmltv_ns,
                text: String::new(),
            });
        }
        let discard = self.cur.as_ref().is_none_or(|c| c.discard);
        if !discard {
            let Some(attrs) = attrs else {
                self.skip = Some(SkipReason::ProgrammeMalformed);
                if !empty {
                    self.depth += 1;
                }
                return;
            };
            open_tag(&mut self.body, name, &attrs);
            self.body
                .extend_from_slice(if empty { b"/>" } else { b">" });
            self.check_size();
        }
        if empty {
            if self.depth == 0 {
                self.finish_child();
            }
        } else {
            self.depth += 1;
        }
    }

    /// Text (already unescaped) inside the programme.
    pub(crate) fn text(&mut self, piece: &str) {
        if self.skip.is_some() || self.depth == 0 {
            return; // whitespace between children; the DTD allows no text there
        }
        let depth = self.depth;
        let Some(cur) = self.cur.as_mut() else { return };
        if cur.discard {
            return;
        }
        if depth == 1 && cur.text.len() < CHECK_TEXT {
            cur.text.push_str(piece);
        }
        if depth == 1 && cur.rank == CATEGORY_RANK {
            for c in keep_xml_chars(piece).chars() {
                if self.category_chars >= CATEGORY_SCAN_CHARS {
                    break;
                }
                self.category_text.push(c);
                self.category_chars += 1;
            }
        }
        escape_into(&mut self.body, piece);
        self.check_size();
    }

    /// An element closed inside the programme (`name` of that element).
    pub(crate) fn end(&mut self, name: &[u8]) {
        self.depth = self.depth.saturating_sub(1);
        if self.skip.is_some() {
            return;
        }
        if !self.cur.as_ref().is_none_or(|c| c.discard) {
            self.body.extend_from_slice(b"</");
            self.body.extend_from_slice(name);
            self.body.push(b'>');
            self.check_size();
        }
        if self.depth == 0 && self.skip.is_none() {
            self.finish_child();
        }
    }

    fn finish_child(&mut self) {
        let Some(child) = self.cur.take() else { return };
        if child.discard {
            return;
        }
        let blank = child.text.trim().is_empty();
        let invalid = (child.rank == DESC_RANK && blank)
            || (child.rank == EPISODE_RANK && child.xmltv_ns && !is_xmltv_ns(&child.text));
        if invalid || (child.rank == TITLE_RANK && blank) {
            self.body.truncate(child.start);
            self.invalid_children += u64::from(invalid);
            return;
        }
        if child.rank == TITLE_RANK {
            self.has_title = true;
        }
        if child.rank == CATEGORY_RANK && self.categories.len() < MAX_CATEGORIES {
            let cut: String = self
                .category_text
                .trim()
                .chars()
                .take(MAX_CATEGORY_CHARS)
                .collect();
            let text = cut.trim_end().to_string();
            if !text.is_empty() && !self.categories.contains(&text) {
                self.categories.push(text);
            }
        }
        self.spans.push((child.rank, child.start, self.body.len()));
    }

    /// Writes the record to `out`, or says why the programme is skipped.
    pub(crate) fn finish(
        &mut self,
        out: &mut impl Write,
        summary: &mut IngestSummary,
    ) -> io::Result<Result<(), SkipReason>> {
        for _ in 0..self.invalid_children {
            summary.skip(SkipReason::ChildInvalid);
        }
        if let Some(reason) = self.skip {
            return Ok(Err(reason));
        }
        if !self.has_title {
            return Ok(Err(SkipReason::ProgrammeNoTitle));
        }
        self.spans.sort_by_key(|s| s.0);
        out.write_all(&self.head)?;
        for &(_, a, b) in &self.spans {
            out.write_all(&self.body[a..b])?;
        }
        out.write_all(b"</programme>\n")?;
        Ok(Ok(()))
    }
}
