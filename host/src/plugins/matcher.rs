//! Typed, bounded calls into a channel-matcher plugin.

use super::bindings::ChannelMatcher;
use super::budget::match_input_size;
use super::call::{bounded, check_size};
use super::error::CallError;
use super::loaded::Plugin;
use crate::model::{AccountChannel, ChannelMatch, GuideChannel, PluginInfo};

/// Most matches one run may return.
pub const MAX_MATCHES: usize = 10_000_000;

/// The channel-matcher face of a [`Plugin`].
pub struct Matcher<'a> {
    plugin: &'a Plugin,
    matcher: &'a ChannelMatcher,
}

impl<'a> Matcher<'a> {
    pub(crate) fn new(plugin: &'a Plugin, matcher: &'a ChannelMatcher) -> Self {
        Matcher { plugin, matcher }
    }

    /// Who the plugin is.
    pub fn info(&self) -> Result<PluginInfo, CallError> {
        let p = self.plugin;
        bounded(p.name(), "info", p.limits.quick, &p.events, |store| {
            self.matcher.info(store)
        })
    }

    /// Every stream that carries each guide channel, with confidence. The
    /// guide channels and streams are moved into the call and handed back
    /// with the answer: copying them for the plugin cost as much memory
    /// again as every stream of every account (300 000 streams: ~170 MB).
    pub fn match_channels(
        &self,
        guide: Vec<GuideChannel>,
        streams: Vec<AccountChannel>,
        options: &[(String, String)],
    ) -> Result<MatchRun, CallError> {
        let p = self.plugin;
        let limits = p.bulk_limits("match-channels", match_input_size(&guide, &streams))?;
        let (matches, guide, streams) =
            bounded(p.name(), "match-channels", limits, &p.events, |store| {
                self.matcher.match_channels(store, guide, streams, options)
            })?;
        check_size(
            p.name(),
            "match-channels",
            "matches",
            matches.len(),
            MAX_MATCHES,
            &p.events,
        )?;
        Ok(MatchRun {
            guide,
            streams,
            matches,
        })
    }
}

/// What a match answered, with the guide channels and streams it was asked
/// about, given back to the caller who moved them in.
pub struct MatchRun {
    /// The guide channels, as given.
    pub guide: Vec<GuideChannel>,
    /// The streams, as given.
    pub streams: Vec<AccountChannel>,
    /// Every stream the plugin found for a guide channel.
    pub matches: Vec<ChannelMatch>,
}
