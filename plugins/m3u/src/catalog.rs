//! Turns playlist entries into channels.

use crate::key::{key_text, url_hash};
use crate::model::{Catalog, Channel, Response};
use crate::playlist::{walk_entries, Entry};
use crate::problem::check_status;
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, DefaultHasher};
use streamforge_plugin_kit as kit;

/// A fixed-seed hasher: a randomly seeded set would make the component import
/// the host's random source for no benefit.
type Fixed = BuildHasherDefault<DefaultHasher>;

/// The purpose of the playlist request.
pub const PLAYLIST: &str = "playlist";

/// Reads the playlist answer into channels. Entries without a URL or a name,
/// and repeats of a URL already listed, are skipped and counted; a playlist
/// with no usable channel at all is an error, so the host keeps the previous
/// catalogue instead of emptying it.
pub fn parse_catalog(responses: &[Response<'_>]) -> Result<Catalog, String> {
    let (channels, skipped) = parse_catalog_into(responses, |c| c)?;
    Ok(Catalog { channels, skipped })
}

/// [`parse_catalog`], each channel made into what the caller keeps (the
/// plugin's WIT record) as it is read, with the count of entries skipped.
/// Entries are read one at a time and repeats are told by a number, so a
/// large playlist costs the plugin little more than the channels it answers.
pub fn parse_catalog_into<T>(
    responses: &[Response<'_>],
    mut make: impl FnMut(Channel) -> T,
) -> Result<(Vec<T>, usize), String> {
    let response = responses
        .iter()
        .find(|r| r.purpose == PLAYLIST)
        .or(responses.first())
        .ok_or("the host passed no answer to the playlist request")?;
    check_status(response.status)?;
    let text = String::from_utf8_lossy(response.body);
    let mut entries = walk_entries(&text)?;
    let expected = entry_count_hint(response.body);
    let mut channels = Vec::with_capacity(expected);
    let mut seen = HashSet::with_capacity_and_hasher(expected, Fixed::default());
    let mut skipped = 0;
    for entry in entries.by_ref() {
        let hash = url_hash(entry.url);
        match channel(entry, hash) {
            Some(ch) if seen.insert(hash) => channels.push(make(ch)),
            _ => skipped += 1,
        }
    }
    skipped += entries.skipped();
    if channels.is_empty() {
        return Err(match skipped {
            0 => "the playlist lists no channels".to_string(),
            n => format!("none of the playlist's {n} entries has both a name and a stream URL"),
        });
    }
    Ok((channels, skipped))
}

/// About how many entries `body` holds (its `#EXTINF` tags), to size the
/// answer once instead of growing it by doubling; never more than a real
/// entry's smallest size (`#EXTINF:-1,X` and a URL, 24 bytes) allows, so
/// junk cannot make it reserve more than a real playlist would.
fn entry_count_hint(body: &[u8]) -> usize {
    const TAG: &[u8] = b"#EXTINF";
    let tags = body.windows(TAG.len()).filter(|w| *w == TAG).count();
    tags.min(body.len() / 24)
}

/// One entry (its URL's hash already taken) as a channel; `None` without a name.
fn channel(entry: Entry<'_>, hash: u64) -> Option<Channel> {
    let info = &entry.info;
    let name = Some(info.title)
        .filter(|t| !t.is_empty())
        .or_else(|| info.attr("tvg-name"))?;
    Some(Channel {
        channel: kit::Channel {
            group: info
                .attr("group-title")
                .or(entry.extgrp)
                .map(str::to_string),
            logo: info.attr("tvg-logo").map(str::to_string),
            guide_id: info.attr("tvg-id").map(str::to_string),
            number: info
                .attr("tvg-chno")
                .or_else(|| info.attr("channel-number"))
                .and_then(number),
            ..kit::Channel::named(key_text(hash), name.to_string())
        },
        url: entry.url.to_string(),
    })
}

/// A channel number: "101", " 7 ", "12.0".
fn number(text: &str) -> Option<u32> {
    let text = text.trim();
    text.parse()
        .ok()
        .or_else(|| text.strip_suffix(".0").and_then(|t| t.parse().ok()))
}
