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
        let zone = catalog.zone;
        Ok(catalog
            .channels
            .into_iter()
            .zip(catalog.archive_days)
            .map(|(c, days)| {
                let mut extra = Vec::new();
                if days > 0 {
                    extra.push((candidates::ARCHIVE_DAYS.to_string(), days.to_string()));
                    if let Some(zone) = &zone {
                        extra.push((candidates::ARCHIVE_ZONE.to_string(), zone.clone()));
                    }
                }
                provider_channel(c, extra)
            })
            .collect())
    }

    fn parse_name(name: String) -> ParsedName {
        parsed_name(&name)
    }

    fn stream_candidates(
        channel: ProviderChannel,
        options: Vec<(String, String)>,
    ) -> Vec<Candidate> {
        // Asked for an archive slice: its URLs, or none without an archive.
        if let Some((start, minutes)) = candidates::archive_asked(&options) {
            let field = |k: &str| channel.extra.iter().find(|(n, _)| n == k).map(|(_, v)| v);
            if field(candidates::ARCHIVE_DAYS).is_none() {
                return Vec::new();
            }
            let zone = field(candidates::ARCHIVE_ZONE).map(String::as_str);
            return candidates_from(candidates::archive_candidates(
                &channel.key,
                start,
                minutes,
                zone,
            ));
        }
        candidates_from(candidates::stream_candidates(&channel.key, &options))
    }
}

#[cfg(target_arch = "wasm32")]
streamforge_plugin_kit::export!(Xtream);
