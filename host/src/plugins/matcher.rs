//! Typed, bounded calls into a channel-matcher plugin.

use super::bindings::ChannelMatcher;
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

    /// Every stream that carries each guide channel, with confidence.
    pub fn match_channels(
        &self,
        guide: &[GuideChannel],
        streams: &[AccountChannel],
        options: &[(String, String)],
    ) -> Result<Vec<ChannelMatch>, CallError> {
        let p = self.plugin;
        let matches = bounded(
            p.name(),
            "match-channels",
            p.limits.bulk,
            &p.events,
            |store| self.matcher.match_channels(store, guide, streams, options),
        )?;
        check_size(
            p.name(),
            "match-channels",
            "matches",
            matches.len(),
            MAX_MATCHES,
            &p.events,
        )?;
        Ok(matches)
    }
}
