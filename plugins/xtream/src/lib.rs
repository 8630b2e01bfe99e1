//! StreamForge provider adapter for Xtream Codes panels.
//!
//! The logic lives in plain Rust modules (tested natively); this file is the
//! thin WIT glue that converts between the contract's records and them.
//! Every URL handed to the host is a template: credentials stay placeholders.

pub mod account;
pub mod candidates;
pub mod catalog;
pub mod model;
pub mod requests;

mod lenient;
mod problem;
mod read;
mod rows;

use streamforge_plugin_kit::{
    borrow, candidates_from, http_request, parsed_name, provider_channel, AccountStatus, Candidate,
    Guest, HttpRequest, HttpResponse, ParsedName, PluginInfo, ProviderChannel,
};

/// The exported provider. Exported only when built for wasm: a native build
/// (for the unit tests) cannot carry the component's export names.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
struct Xtream;

impl Guest for Xtream {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "xtream".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description:
                "Xtream Codes panels: account status, live categories and streams, stream URLs."
                    .into(),
        }
    }

    fn account_requests(_options: Vec<(String, String)>) -> Vec<HttpRequest> {
        requests::account_requests()
            .into_iter()
            .map(http_request)
            .collect()
    }

    fn parse_account(responses: Vec<HttpResponse>) -> Result<AccountStatus, String> {
        account::parse_account(&borrow(&responses)).map(|a| AccountStatus {
            authenticated: a.authenticated,
            status: a.status,
            expires_at: a.expires_at,
            max_connections: a.max_connections,
            active_connections: a.active_connections,
            formats: a.formats,
        })
    }

    fn catalog_requests(_options: Vec<(String, String)>) -> Vec<HttpRequest> {
        requests::catalog_requests()
            .into_iter()
            .map(http_request)
            .collect()
    }

    fn parse_catalog(responses: Vec<HttpResponse>) -> Result<Vec<ProviderChannel>, String> {
        let catalog = catalog::parse_catalog(&borrow(&responses))?;
        Ok(catalog
            .channels
            .into_iter()
            .map(|c| provider_channel(c, Vec::new()))
            .collect())
    }

    fn parse_name(name: String) -> ParsedName {
        parsed_name(&name)
    }

    fn stream_candidates(
        channel: ProviderChannel,
        options: Vec<(String, String)>,
    ) -> Vec<Candidate> {
        candidates_from(candidates::stream_candidates(&channel.key, &options))
    }
}

#[cfg(target_arch = "wasm32")]
streamforge_plugin_kit::export!(Xtream);
