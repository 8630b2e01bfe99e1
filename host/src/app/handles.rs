//! The narrow handles the server gives routing and the relay, cut from the
//! application's parts: each reaches what it uses and nothing else, so the
//! byte path depends on neither [`App`] nor the plugins.

use super::App;
use crate::model::{Candidate, ProviderChannel};
use crate::plugins::PluginRegistry;
use crate::routing::table::CandidateSource;
use std::sync::Arc;

impl App {
    /// What the routing snapshot is built from.
    pub fn routing_sources(&self) -> crate::routing::Sources {
        crate::routing::Sources {
            store: self.store.clone(),
            keys: self.keys.clone(),
            events: self.events.clone(),
            guides_dir: self.data.guides(),
        }
    }

    /// What the relay uses besides the routing snapshot.
    pub fn relay_handles(&self) -> crate::relay::Handles {
        crate::relay::Handles {
            events: self.events.clone(),
            provider_limits: crate::store::ProviderLimits::new(self.store.clone()),
            candidates: Arc::new(PluginCandidates(self.plugins.clone())),
            history: self.history.clone(),
        }
    }
}

/// Streams' candidates asked of their provider plugins.
struct PluginCandidates(Arc<PluginRegistry>);

impl CandidateSource for PluginCandidates {
    fn stream_candidates(
        &self,
        provider: &str,
        channel: &ProviderChannel,
        options: &[(String, String)],
    ) -> Result<Vec<Candidate>, String> {
        let plugin = self.0.get(provider).map_err(|e| format!("{e:#}"))?;
        let adapter = plugin
            .provider()
            .ok_or_else(|| format!("plugin `{provider}` is not a provider adapter"))?;
        adapter
            .stream_candidates(channel, options)
            .map_err(|e| e.to_string())
    }
}
