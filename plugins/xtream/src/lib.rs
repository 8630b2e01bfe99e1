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

/// The contract's generated bindings, kept private to the glue.
mod bindings {
    wit_bindgen::generate!({ path: "../../wit/v0.1.0", world: "provider-adapter" });
}

use bindings::exports::streamforge::plugin::provider::{
    AccountStatus, Candidate, Guest, HttpRequest, HttpResponse, ParsedName, PluginInfo,
    ProviderChannel,
};
use bindings::streamforge::plugin::types::Quality;

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
        Ok(catalog.channels.into_iter().map(provider_channel).collect())
    }

    fn parse_name(name: String) -> ParsedName {
        let parsed = streamforge_names::parse_name(&name);
        ParsedName {
            base_name: parsed.base_name,
            quality: quality(parsed.quality),
            tags: parsed.tags,
        }
    }

    fn stream_candidates(
        channel: ProviderChannel,
        options: Vec<(String, String)>,
    ) -> Vec<Candidate> {
        candidates::stream_candidates(&channel.key, &options)
            .into_iter()
            .map(|url_template| Candidate {
                url_template,
                headers: Vec::new(),
            })
            .collect()
    }
}

#[cfg(target_arch = "wasm32")]
bindings::export!(Xtream with_types_in bindings);

/// The WIT request for a plain one.
fn http_request(r: model::Request) -> HttpRequest {
    HttpRequest {
        purpose: r.purpose,
        url_template: r.url_template,
        headers: Vec::new(),
    }
}

/// Plain borrowed views of the host's responses.
fn borrow(responses: &[HttpResponse]) -> Vec<model::Response<'_>> {
    responses
        .iter()
        .map(|r| model::Response {
            purpose: &r.purpose,
            status: r.status,
            body: &r.body,
        })
        .collect()
}

/// The WIT quality of a names quality.
fn quality(q: streamforge_names::Quality) -> Quality {
    match q {
        streamforge_names::Quality::Uhd => Quality::Uhd,
        streamforge_names::Quality::Fhd => Quality::Fhd,
        streamforge_names::Quality::Hd => Quality::Hd,
        streamforge_names::Quality::Sd => Quality::Sd,
        streamforge_names::Quality::Unknown => Quality::Unknown,
    }
}

/// The WIT channel of a plain one.
fn provider_channel(c: model::Channel) -> ProviderChannel {
    ProviderChannel {
        key: c.key,
        name: c.name,
        base_name: c.base_name,
        quality: quality(c.quality),
        tags: c.tags,
        group: c.group,
        logo: c.logo,
        guide_id: c.guide_id,
        number: c.number,
        extra: Vec::new(),
    }
}
