//! Matching guide channels to provider streams: running the matcher plugin,
//! ranking each channel's streams, keeping manual pins, and the stable
//! channel numbers of the lineup.

pub mod rank;
mod run;
mod views;

pub use run::MatchSummary;
pub use views::{ChannelMappings, MappedStream, MappingsQuery};

/// Confidence under which a match is reported as "low".
pub const LOW_CONFIDENCE: f32 = 0.8;

/// The matcher plugin used unless configured otherwise.
pub const DEFAULT_MATCHER: &str = "matcher";
