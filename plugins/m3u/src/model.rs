//! Plain Rust shapes of what the plugin exchanges with the host, free of WIT
//! types so the logic can be unit-tested natively. `lib.rs` converts them.

use streamforge_names::Quality;

/// The host's answer to one request, borrowed from the WIT record.
#[derive(Debug, Clone, Copy)]
pub struct Response<'a> {
    /// The purpose of the request this answers.
    pub purpose: &'a str,
    /// HTTP status code.
    pub status: u16,
    /// Body, with credentials already replaced by their placeholders.
    pub body: &'a [u8],
}

/// One channel of the playlist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    /// FNV-1a 64 of the stream URL template, in hex: stable across re-syncs.
    pub key: String,
    /// The display name as the playlist wrote it.
    pub name: String,
    /// The name without decorations, from `streamforge_names::parse_name`.
    pub base_name: String,
    /// Quality tier read from the name.
    pub quality: Quality,
    /// Tags read from the name.
    pub tags: Vec<String>,
    /// `group-title` or `#EXTGRP`.
    pub group: Option<String>,
    /// `tvg-logo`.
    pub logo: Option<String>,
    /// `tvg-id`.
    pub guide_id: Option<String>,
    /// `tvg-chno`.
    pub number: Option<u32>,
    /// The stream URL template (credentials already placeholders).
    pub url: String,
}

/// A parsed playlist and how many entries were unusable.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Catalog {
    /// The usable channels, in playlist order.
    pub channels: Vec<Channel>,
    /// Entries skipped: no URL, no name, or a URL already listed.
    pub skipped: usize,
}
