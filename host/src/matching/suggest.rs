//! Suggestions for one guide channel: the matcher's candidates below its
//! usual threshold, so a person can pick the right stream for a channel the
//! automatic match left out (the console's "suggestions").

use super::{Matching, DEFAULT_MATCHER};
use crate::model::{AccountChannel, GuideChannel, Quality};
use crate::plugins::budget::match_input_size;
use anyhow::anyhow;
use serde::{Deserialize, Serialize};

/// The lowest confidence a suggestion may have.
pub const SUGGESTION_FLOOR: &str = "0.3";

/// A stream the matcher thinks may be the channel.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Suggestion {
    /// The account the stream belongs to.
    pub account: String,
    /// The stream's key (what `map` takes).
    pub key: String,
    /// The provider's name for it.
    pub name: String,
    /// Its quality tier.
    pub quality: Quality,
    /// 0..1 from the matcher.
    pub confidence: f32,
}

impl Matching {
    /// Up to `limit` candidate streams for `guide_id`, most likely first
    /// (blocking: reads the database and calls the matcher plugin).
    pub fn suggestions(&self, guide_id: &str, limit: usize) -> anyhow::Result<Vec<Suggestion>> {
        let guide = self.guide_channel(guide_id)?;
        let guide = GuideChannel {
            id: guide.id,
            names: guide.names,
            number: guide.number,
            icon: guide.icon,
        };
        let mut streams = Vec::new();
        for a in self.store.accounts()?.into_iter().filter(|a| a.enabled) {
            for channel in self.store.catalog(&a.name)? {
                streams.push(AccountChannel {
                    account: a.name.clone(),
                    channel,
                });
            }
        }
        let plugin = self.plugins.get(DEFAULT_MATCHER)?;
        let matcher = plugin
            .matcher()
            .ok_or_else(|| anyhow!("plugin `{}` is not a channel matcher", plugin.name()))?;
        let options = [("min-confidence".to_string(), SUGGESTION_FLOOR.to_string())];
        let guide_id = guide.id.clone();
        let guides = vec![guide];
        let bytes = match_input_size(&guides, &streams);
        let run = matcher
            .match_channels(guides, streams, &options)
            .map_err(|e| super::too_large::worded(e, bytes))?;
        let streams = run.streams;
        let mut out: Vec<Suggestion> = run
            .matches
            .into_iter()
            .filter(|m| m.guide_id == guide_id && m.confidence.is_finite())
            .filter_map(|m| {
                let s = streams
                    .iter()
                    .find(|s| s.account == m.account && s.channel.key == m.channel_key)?;
                Some(Suggestion {
                    account: m.account,
                    key: m.channel_key,
                    name: s.channel.name.clone(),
                    quality: s.channel.quality,
                    confidence: m.confidence.clamp(0.0, 1.0),
                })
            })
            .collect();
        out.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
        out.dedup_by(|a, b| a.account == b.account && a.key == b.key);
        out.truncate(limit);
        Ok(out)
    }
}
