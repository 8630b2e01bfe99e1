//! Plain Rust shapes of what the plugin exchanges with the host, free of WIT
//! types so the logic can be unit-tested natively. `lib.rs` converts them;
//! the shapes every adapter shares come from the kit.

use std::ops::Deref;

pub use streamforge_plugin_kit::Response;

/// One channel of the playlist: what every adapter reports, plus the stream
/// URL, which travels to the host in the WIT channel's `extra`.
///
/// Of the shared fields, `key` is the FNV-1a 64 of the stream URL template in
/// hex (stable across re-syncs), `group` is `group-title` or `#EXTGRP`, and
/// `logo`, `guide_id` and `number` are `tvg-logo`, `tvg-id` and `tvg-chno`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    /// Key, names, quality, tags, group, logo, guide id and number.
    pub channel: streamforge_plugin_kit::Channel,
    /// The stream URL template (credentials already placeholders).
    pub url: String,
}

/// Reads the shared fields straight through (`channel.name`), as if they were
/// the playlist channel's own.
impl Deref for Channel {
    type Target = streamforge_plugin_kit::Channel;

    fn deref(&self) -> &Self::Target {
        &self.channel
    }
}

/// A parsed playlist and how many entries were unusable.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Catalog {
    /// The usable channels, in playlist order.
    pub channels: Vec<Channel>,
    /// Entries skipped: no URL, no name, or a URL already listed.
    pub skipped: usize,
}
