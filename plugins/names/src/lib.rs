//! Reads IPTV channel names the way providers write them.
//!
//! Providers decorate names with country prefixes (`UK:`, `|UK|`, `[UK]`),
//! quality (`4K`, `FHD`, `1080p`, `HD`, `ᴴᴰ`, `SD`), codec and rate (`HEVC`,
//! `H265`, `50FPS`) and feeds (`East`, `West`, `+1`). Provider plugins use
//! [`parse_name`] to split a name into its base name, quality tier and tags;
//! the matcher uses the same reading so both sides agree on what a name means,
//! and compares base names through [`match_key`].
//!
//! Tag conventions (shared with the matcher, keep them stable):
//! - all tags are lower-case ASCII;
//! - countries are their short code as written (`uk`, `us`, `de`, `fr`, ...);
//! - feeds are `east`, `west`, `+1`, `+2` ... (a feed is a *different* channel);
//! - codecs and rates: `hevc` (for HEVC/H265/H.265), `h264`, `50fps`, `60fps`, ...
//!
//! Further tags: `hdr`, `hlg`, `av1`, `mpeg2`, and provider flags `vip`, `raw`
//! and `backup` (from `BACKUP`, `BKP`, `(B)`). A flag emoji reads as its
//! country (`🇬🇧` → `uk`). Tags come in the order they appear in the name, once.
//!
//! What stays in the base name: words that are part of real names (`E4`,
//! `Film4`, `4Music`, `5USA`, `Channel 4`, `ZDFneo`, `Sky Sports F1`, `SHD`),
//! feeds (`BBC One East`, `ITV +1`), and a country code in the middle of a name
//! (`Sky Sports UK`): a country is read only at the start, at the end, or in
//! brackets.

mod chars;
mod fold;
mod key;
mod markers;
mod normalize;
mod parse;
mod quality;
mod rebuild;
mod tokens;

pub use key::match_key;
pub use quality::{Quality, UnknownQuality};

/// What a channel name says once its decorations are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedName {
    /// The name without country, quality, codec or rate decorations ("BBC One").
    /// Feeds stay in the base name ("BBC One East") because they are different channels.
    pub base_name: String,
    /// The best quality tier the name announces.
    pub quality: Quality,
    /// Lower-case decorations, see the crate docs for conventions.
    pub tags: Vec<String>,
}

/// Splits a provider's channel name into base name, quality tier and tags.
///
/// Never panics, works on any UTF-8, and takes time linear in the name's length.
/// An empty or all-symbol name gives an empty base name and [`Quality::Unknown`].
pub fn parse_name(name: &str) -> ParsedName {
    parse::parse(name)
}
