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
    let mut walk = walk_entries(text)?;
    let entries = walk.by_ref().collect();
    Ok(Entries {
        entries,
        skipped: walk.skipped(),
    })
}

/// The entries of a playlist one at a time, or a one-line error when it is
/// not one. A catalogue of 300 000 entries is read without holding them all
/// at once: the plugin's memory is what a large playlist costs.
pub fn walk_entries(text: &str) -> Result<EntryWalk<'_>, String> {
    if !looks_like_m3u(text) {
        return Err(not_a_playlist(text.trim_start_matches('\u{feff}')));
    }
    Ok(EntryWalk {
        lines: Box::new(lines(text)),
        pending: None,
        next_group: None,
        skipped: 0,
        done: false,
    })
}

/// Walks a playlist's lines into entries (see [`walk_entries`]), counting
/// what it cannot use.
pub struct EntryWalk<'a> {
    lines: Box<dyn Iterator<Item = &'a str> + 'a>,
    pending: Option<(Extinf<'a>, Option<&'a str>)>,
    next_group: Option<&'a str>,
    skipped: usize,
    done: bool,
}

impl EntryWalk<'_> {
    /// `#EXTINF` lines without a URL and URLs without an `#EXTINF` met so far
    /// (all of them once the walk has ended).
    pub fn skipped(&self) -> usize {
        self.skipped
    }
}

impl<'a> Iterator for EntryWalk<'a> {
    type Item = Entry<'a>;

    fn next(&mut self) -> Option<Entry<'a>> {
        for line in self.lines.by_ref() {
            if let Some(rest) = strip_tag(line, "#EXTINF:") {
                if self.pending.is_some() {
                    self.skipped += 1;
                }
                self.pending = Some((parse_extinf(rest), self.next_group.take()));
            } else if let Some(group) = strip_tag(line, "#EXTGRP:") {
                let group = Some(group.trim()).filter(|g| !g.is_empty());
                match self.pending.as_mut() {
                    Some((_, g)) => *g = g.or(group),
                    None => self.next_group = group,
                }
            } else if line.starts_with('#') {
                continue; // #EXTM3U, #EXTVLCOPT, #KODIPROP, comments
            } else if is_url(line) {
                match self.pending.take() {
                    Some((info, extgrp)) => {
                        return Some(Entry {
                            info,
                            extgrp,
                            url: line,
                        })
                    }
                    None => self.skipped += 1,
                }
            }
        }
        if !self.done {
            self.done = true;
            if self.pending.take().is_some() {
                self.skipped += 1;
            }
        }
        None
    }
}
