//! Turns playlist entries into channels.

use crate::key::url_key;
use crate::model::{Catalog, Channel, Response};
use crate::playlist::{read_entries, Entry};
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
    let response = responses
        .iter()
        .find(|r| r.purpose == PLAYLIST)
        .or(responses.first())
        .ok_or("the host passed no answer to the playlist request")?;
    check_status(response.status)?;
    let text = String::from_utf8_lossy(response.body);
    let entries = read_entries(&text)?;
    let mut catalog = Catalog {
        channels: Vec::with_capacity(entries.entries.len()),
        skipped: entries.skipped,
    };
    let mut seen = HashSet::with_capacity_and_hasher(entries.entries.len(), Fixed::default());
    for entry in entries.entries {
        match channel(entry) {
            Some(ch) if seen.insert(ch.key.clone()) => catalog.channels.push(ch),
            _ => catalog.skipped += 1,
        }
    }
    if catalog.channels.is_empty() {
        return Err(match catalog.skipped {
            0 => "the playlist lists no channels".to_string(),
            n => format!("none of the playlist's {n} entries has both a name and a stream URL"),
        });
    }
    Ok(catalog)
}

/// One entry as a channel; `None` without a name.
fn channel(entry: Entry<'_>) -> Option<Channel> {
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
            ..kit::Channel::named(url_key(entry.url), name.to_string())
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
