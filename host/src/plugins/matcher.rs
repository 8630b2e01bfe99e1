//! Typed, bounded calls into a channel-matcher plugin.

use super::bindings::v0_1_0::matcher::ChannelMatcherPre;
use super::bindings::v0_1_0::{AccountChannel, ChannelMatch, GuideChannel, PluginInfo};
use super::call::{bounded, check_size};
use super::error::CallError;
use super::loaded::Plugin;
use super::sandbox::Sandbox;

/// Most matches one run may return.
pub const MAX_MATCHES: usize = 10_000_000;

/// The channel-matcher face of a [`Plugin`].
pub struct Matcher<'a> {
    plugin: &'a Plugin,
    pre: &'a ChannelMatcherPre<Sandbox>,
}

impl<'a> Matcher<'a> {
    pub(crate) fn new(plugin: &'a Plugin, pre: &'a ChannelMatcherPre<Sandbox>) -> Self {
        Matcher { plugin, pre }
    }

    /// Who the plugin is.
    pub fn info(&self) -> Result<PluginInfo, CallError> {
        let p = self.plugin;
        bounded(p.name(), "info", p.limits.quick, &p.events, |store| {
            let instance = self.pre.instantiate(&mut *store)?;
            instance.streamforge_plugin_matcher().call_info(store)
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
            |store| {
                let instance = self.pre.instantiate(&mut *store)?;
                instance
                    .streamforge_plugin_matcher()
                    .call_match_channels(store, guide, streams, options)
            },
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
