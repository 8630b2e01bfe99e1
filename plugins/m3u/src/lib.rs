//! StreamForge provider adapter for plain M3U / M3U8-plus playlists.
//!
//! The logic lives in plain Rust modules (tested natively); this file is the
//! thin WIT glue that converts between the contract's records and them.
//! The host replaces credentials in the playlist with `{username}` /
//! `{password}` before the plugin sees it, so the stream URLs it keeps are
//! templates.

#![deny(missing_docs)]

pub mod account;
pub mod candidates;
pub mod catalog;
pub mod extinf;
pub mod key;
pub mod model;
pub mod playlist;

mod problem;

use streamforge_plugin_kit::{
    borrow, candidates_from, http_request, parsed_name, provider_channel, AccountStatus, Candidate,
    Guest, HttpRequest, HttpResponse, ParsedName, PluginInfo, ProviderChannel, Request,
};

/// The exported provider. Exported only when built for wasm: a native build
/// (for the unit tests) cannot carry the component's export names.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
struct M3u;

impl Guest for M3u {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "m3u".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Plain M3U and M3U8-plus playlists: channels, groups, logos, guide ids, stream URLs.".into(),
        }
    }

    fn account_requests(_options: Vec<(String, String)>) -> Vec<HttpRequest> {
        Vec::new()
    }

    fn parse_account(responses: Vec<HttpResponse>) -> Result<AccountStatus, String> {
        account::parse_account(&borrow(&responses)).map(|a| AccountStatus {
            authenticated: a.authenticated,
            status: a.status,
            expires_at: None,
            max_connections: None,
            active_connections: None,
            formats: Vec::new(),
        })
    }

    fn catalog_requests(_options: Vec<(String, String)>) -> Vec<HttpRequest> {
        vec![http_request(Request::new(
            catalog::PLAYLIST,
            "{url}".into(),
        ))]
    }

    fn parse_catalog(responses: Vec<HttpResponse>) -> Result<Vec<ProviderChannel>, String> {
        let (channels, _skipped) = catalog::parse_catalog_into(&borrow(&responses), |c| {
            provider_channel(c.channel, vec![(candidates::URL.to_string(), c.url)])
        })?;
        Ok(channels)
    }

    fn parse_name(name: String) -> ParsedName {
        parsed_name(&name)
    }

    fn stream_candidates(
        channel: ProviderChannel,
        _options: Vec<(String, String)>,
    ) -> Vec<Candidate> {
        candidates_from(candidates::stream_candidates(&channel.extra))
    }
}

#[cfg(target_arch = "wasm32")]
streamforge_plugin_kit::export!(M3u);
