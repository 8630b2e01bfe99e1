//! Matching guide channels to provider streams: running the matcher plugin,
//! ranking each channel's streams, keeping manual pins, and the stable
//! channel numbers of the lineup.

pub mod rank;
mod run;
mod suggest;
mod too_large;
mod views;

pub use run::MatchSummary;
pub use suggest::Suggestion;
pub use views::{ChannelMappings, MappedStream, MappingsQuery};

/// Confidence under which a match is reported as "low".
pub const LOW_CONFIDENCE: f32 = 0.8;

/// The matcher plugin used unless configured otherwise.
pub const DEFAULT_MATCHER: &str = "matcher";

use crate::events::EventLog;
use crate::plugins::PluginRegistry;
use crate::store::Store;
use std::sync::Arc;

/// The matching service: `match`, `mappings`, `map` and `unmap`, on the
/// parts of the app it needs.
pub struct Matching {
    store: Store,
    plugins: Arc<PluginRegistry>,
    events: Arc<EventLog>,
    /// What streams measured and did (ranks them, `mappings --stats`).
    history: Arc<crate::history::History>,
}

impl Matching {
    /// The service over these parts (the app builds it once).
    pub fn new(
        store: Store,
        plugins: Arc<PluginRegistry>,
        events: Arc<EventLog>,
        history: Arc<crate::history::History>,
    ) -> Self {
        Matching {
            store,
            plugins,
            events,
            history,
        }
    }
}
