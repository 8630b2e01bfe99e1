//! Walks a playlist's lines into entries: `#EXTINF` + optional `#EXTGRP` + URL.

use crate::extinf::{parse_extinf, Extinf};
use crate::problem::not_a_playlist;

/// One playlist entry before it becomes a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<'a> {
    /// The `#EXTINF` line's attributes and name.
    pub info: Extinf<'a>,
    /// A `#EXTGRP:` group given next to the entry.
    pub extgrp: Option<&'a str>,
    /// The stream URL line.
    pub url: &'a str,
}

/// The entries of a playlist and how many were unusable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entries<'a> {
    /// Entries with a URL, in order.
    pub entries: Vec<Entry<'a>>,
    /// `#EXTINF` lines without a URL, and URLs without an `#EXTINF`.
    pub skipped: usize,
}

/// `line` starts with `tag`, ignoring ASCII case; returns the rest.
fn strip_tag<'a>(line: &'a str, tag: &str) -> Option<&'a str> {
    let head = line.get(..tag.len())?;
    head.eq_ignore_ascii_case(tag).then(|| &line[tag.len()..])
}

/// True when `text` is an M3U playlist: a `#EXTM3U` header first (after a BOM
/// and blank lines), or at least one `#EXTINF` entry.
pub fn looks_like_m3u(text: &str) -> bool {
    let mut lines = lines(text);
    match lines.next() {
        Some(first) if strip_tag(first, "#EXTM3U").is_some() => true,
        Some(first) => {
            strip_tag(first, "#EXTINF").is_some()
                || lines.any(|l| strip_tag(l, "#EXTINF").is_some())
        }
        None => false,
    }
}

/// The trimmed, non-blank lines of `text`, whatever its line endings.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.trim_start_matches('\u{feff}')
        .split(['\r', '\n'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
}

/// True for a line that can be a stream URL (`http://`, `rtmp://`, `udp://@`...)
/// or a template starting with a placeholder.
fn is_url(line: &str) -> bool {
    line.contains("://") || line.starts_with('{')
}

/// Reads the entries of a playlist, or a one-line error when it is not one.
pub fn read_entries(text: &str) -> Result<Entries<'_>, String> {
    if !looks_like_m3u(text) {
        return Err(not_a_playlist(text.trim_start_matches('\u{feff}')));
    }
    let mut out = Entries::default();
    let mut pending: Option<(Extinf<'_>, Option<&str>)> = None;
    let mut next_group: Option<&str> = None;
    for line in lines(text) {
        if let Some(rest) = strip_tag(line, "#EXTINF:") {
            if pending.is_some() {
                out.skipped += 1;
            }
            pending = Some((parse_extinf(rest), next_group.take()));
        } else if let Some(group) = strip_tag(line, "#EXTGRP:") {
            let group = Some(group.trim()).filter(|g| !g.is_empty());
            match pending.as_mut() {
                Some((_, g)) => *g = g.or(group),
                None => next_group = group,
            }
        } else if line.starts_with('#') {
            continue; // #EXTM3U, #EXTVLCOPT, #KODIPROP, comments
        } else if is_url(line) {
            match pending.take() {
                Some((info, extgrp)) => out.entries.push(Entry {
                    info,
                    extgrp,
                    url: line,
                }),
                None => out.skipped += 1,
            }
        }
    }
    if pending.is_some() {
        out.skipped += 1;
    }
    Ok(out)
}
