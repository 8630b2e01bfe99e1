//! Typed, bounded calls into a provider-adapter plugin.

use super::bindings::ProviderAdapter;
use super::budget::responses_size;
use super::call::{bounded, check_size};
use super::error::CallError;
use super::loaded::Plugin;
use super::sandbox::{CallLimits, Sandbox};
use crate::model::{
    AccountStatus, Candidate, HttpRequest, HttpResponse, ParsedName, PluginInfo, ProviderChannel,
};
use wasmtime::Store;

/// Most stream candidates one channel may have.
pub const MAX_CANDIDATES: usize = 32;
/// Most requests one catalogue or account check may ask for.
pub const MAX_REQUESTS: usize = 64;
/// Most channels one catalogue may hold.
pub const MAX_CHANNELS: usize = 1_000_000;
/// Longest URL template or base name accepted from a plugin, in bytes.
pub const MAX_TEXT: usize = 16 * 1024;

/// The provider-adapter face of a [`Plugin`].
pub struct Provider<'a> {
    plugin: &'a Plugin,
    adapter: &'a ProviderAdapter,
}

type Options<'o> = &'o [(String, String)];

impl<'a> Provider<'a> {
    pub(crate) fn new(plugin: &'a Plugin, adapter: &'a ProviderAdapter) -> Self {
        Provider { plugin, adapter }
    }

    fn call<R>(
        &self,
        call: &'static str,
        limits: CallLimits,
        f: impl FnOnce(&ProviderAdapter, &mut Store<Sandbox>) -> wasmtime::Result<R>,
    ) -> Result<R, CallError> {
        bounded(
            self.plugin.name(),
            call,
            limits,
            &self.plugin.events,
            |store| f(self.adapter, store),
        )
    }

    fn check(&self, call: &'static str, what: &str, n: usize, max: usize) -> Result<(), CallError> {
        check_size(self.plugin.name(), call, what, n, max, &self.plugin.events)
    }

    /// Who the plugin is.
    pub fn info(&self) -> Result<PluginInfo, CallError> {
        self.call("info", self.plugin.limits.quick, |g, s| g.info(s))
    }

    /// Reads quality, tags and base name out of a channel name.
    pub fn parse_name(&self, name: &str) -> Result<ParsedName, CallError> {
        let parsed = self.call("parse-name", self.plugin.limits.quick, |g, s| {
            g.parse_name(s, name)
        })?;
        let size = parsed.base_name.len() + parsed.tags.iter().map(String::len).sum::<usize>();
        self.check("parse-name", "bytes", size, MAX_TEXT.max(name.len() * 2))?;
        Ok(parsed)
    }

    /// Ways to play `channel`, best first, as URL templates.
    pub fn stream_candidates(
        &self,
        channel: &ProviderChannel,
        options: Options<'_>,
    ) -> Result<Vec<Candidate>, CallError> {
        let list = self.call("stream-candidates", self.plugin.limits.quick, |g, s| {
            g.stream_candidates(s, channel, options)
        })?;
        self.check(
            "stream-candidates",
            "candidates",
            list.len(),
            MAX_CANDIDATES,
        )?;
        let longest = list.iter().map(|c| c.url_template.len()).max().unwrap_or(0);
        self.check("stream-candidates", "bytes in one URL", longest, MAX_TEXT)?;
        Ok(list)
    }

    /// Requests that check an account.
    pub fn account_requests(&self, options: Options<'_>) -> Result<Vec<HttpRequest>, CallError> {
        let list = self.call("account-requests", self.plugin.limits.quick, |g, s| {
            g.account_requests(s, options)
        })?;
        self.check("account-requests", "requests", list.len(), MAX_REQUESTS)?;
        Ok(list)
    }

    /// Reads the answers to [`Provider::account_requests`].
    pub fn parse_account(
        &self,
        responses: &[HttpResponse],
    ) -> Result<Result<AccountStatus, String>, CallError> {
        let limits = self
            .plugin
            .bulk_limits("parse-account", responses_size(responses))?;
        let result = self.call("parse-account", limits, |g, s| {
            g.parse_account(s, responses)
        })?;
        Ok(result.map_err(|e| plugin_message(&e)))
    }

    /// Requests that fetch the live catalogue.
    pub fn catalog_requests(&self, options: Options<'_>) -> Result<Vec<HttpRequest>, CallError> {
        let list = self.call("catalog-requests", self.plugin.limits.quick, |g, s| {
            g.catalog_requests(s, options)
        })?;
        self.check("catalog-requests", "requests", list.len(), MAX_REQUESTS)?;
        Ok(list)
    }

    /// Reads a catalogue; the inner error is the plugin's own message. The
    /// answers are taken, not borrowed: their bodies move into the call
    /// instead of being copied (a catalogue can be tens of megabytes).
    /// An input larger than the bulk budget allows is refused with
    /// [`CallError::InputTooLarge`] before the plugin runs.
    pub fn parse_catalog(
        &self,
        responses: Vec<HttpResponse>,
    ) -> Result<Result<Vec<ProviderChannel>, String>, CallError> {
        let limits = self
            .plugin
            .bulk_limits("parse-catalog", responses_size(&responses))?;
        let result = self.call("parse-catalog", limits, |g, s| {
            g.parse_catalog(s, responses)
        })?;
        if let Ok(channels) = &result {
            self.check("parse-catalog", "channels", channels.len(), MAX_CHANNELS)?;
        }
        Ok(result.map_err(|e| plugin_message(&e)))
    }
}

/// A plugin's own error text, made safe to show: one line, bounded, no controls.
pub(crate) fn plugin_message(text: &str) -> String {
    crate::text::one_line(text, 300)
}
