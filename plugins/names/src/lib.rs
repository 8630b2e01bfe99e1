//! Reads IPTV channel names the way providers write them.
//!
//! Providers decorate names with country prefixes (`UK:`, `|UK|`, `[UK]`),
//! quality (`4K`, `FHD`, `1080p`, `HD`, `ᴴᴰ`, `SD`), codec and rate (`HEVC`,
//! `H265`, `50FPS`) and feeds (`East`, `West`, `+1`). Provider plugins use
//! [`parse_name`] to split a name into its base name, quality tier and tags;
//! the matcher uses the same reading so both sides agree on what a name means.
//!
//! Tag conventions (shared with the matcher, keep them stable):
//! - all tags are lower-case ASCII;
//! - countries are their short code as written (`uk`, `us`, `de`, `fr`, ...);
//! - feeds are `east`, `west`, `+1`, `+2` ... (a feed is a *different* channel);
//! - codecs and rates: `hevc` (for HEVC/H265/H.265), `h264`, `50fps`, `60fps`, ...

/// Picture quality tier, best first. Mirrors the WIT `quality` enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Quality {
    Uhd,
    Fhd,
    Hd,
    Sd,
    Unknown,
}

/// What a channel name says once its decorations are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedName {
    /// The name without country, quality, codec or rate decorations ("BBC One").
    /// Feeds stay in the base name ("BBC One East") because they are different channels.
    pub base_name: String,
    pub quality: Quality,
    /// Lower-case decorations, see the crate docs for conventions.
    pub tags: Vec<String>,
}

/// Splits a provider's channel name into base name, quality tier and tags.
pub fn parse_name(name: &str) -> ParsedName {
    // Placeholder reading until the full parser lands: trims only.
    ParsedName { base_name: name.trim().to_string(), quality: Quality::Unknown, tags: Vec::new() }
}
