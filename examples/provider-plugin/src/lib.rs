//! An example StreamForge provider plugin: channels from a JSON list.
//!
//! The account URL points at a JSON document such as
//!
//! ```json
//! {"channels": [{"id": "bbc1", "name": "BBC One HD", "url": "{server}/streams/bbc1.ts",
//!                "group": "UK", "logo": "https://...", "guide_id": "bbc1.uk", "number": 101}]}
//! ```
//!
//! The host does all the networking. A plugin only says which requests to
//! make (as URL *templates*: the host fills in `{server}`, `{url}`,
//! `{username}` and `{password}`, so the plugin never sees a secret) and reads
//! the answers. This file is the glue to the WIT contract; the logic and its
//! tests are in `logic.rs`.

mod logic;

// Generates the Rust types and the `Guest` trait of the contract's
// `provider-adapter` world. Point `path` at your copy of `wit/v0.1.0`.
wit_bindgen::generate!({ path: "../../wit/v0.1.0", world: "provider-adapter" });

use exports::streamforge::plugin::provider::*;
use streamforge::plugin::types::Quality;

struct JsonList;

impl Guest for JsonList {
    /// Who we are: `name` is what `streamforge plugin list` shows and what
    /// accounts refer to.
    fn info() -> PluginInfo {
        PluginInfo {
            name: "jsonlist".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Channels from a JSON list: {\"channels\": [{\"name\", \"url\", ...}]}."
                .into(),
        }
    }

    /// A JSON list has no account API to ask, so: no requests...
    fn account_requests(_options: Vec<(String, String)>) -> Vec<HttpRequest> {
        Vec::new()
    }

    /// ...and the account is simply active.
    fn parse_account(_responses: Vec<HttpResponse>) -> Result<AccountStatus, String> {
        Ok(AccountStatus {
            authenticated: true,
            status: "Active".into(),
            expires_at: None,
            max_connections: None,
            active_connections: None,
            formats: Vec::new(),
        })
    }

    /// One request: the account URL, exactly as the user gave it.
    fn catalog_requests(_options: Vec<(String, String)>) -> Vec<HttpRequest> {
        vec![HttpRequest {
            purpose: logic::CHANNELS.into(),
            url_template: "{url}".into(),
            headers: Vec::new(),
        }]
    }

    /// Reads the answer to our request. An `Err` keeps the previous catalogue
    /// and its text is shown to the user.
    fn parse_catalog(responses: Vec<HttpResponse>) -> Result<Vec<ProviderChannel>, String> {
        let response = responses
            .iter()
            .find(|r| r.purpose == logic::CHANNELS)
            .ok_or("jsonlist: the host sent no answer to the channel list request")?;
        let channels = logic::parse_catalog(response.status, &response.body)?;
        Ok(channels.into_iter().map(provider_channel).collect())
    }

    fn parse_name(name: String) -> ParsedName {
        let parsed = logic::parse_name(&name);
        ParsedName {
            base_name: parsed.base_name,
            quality: quality(parsed.quality),
            tags: Vec::new(),
        }
    }

    /// Ways to play a channel, best first: here, the URL we kept in `extra`.
    fn stream_candidates(
        channel: ProviderChannel,
        _options: Vec<(String, String)>,
    ) -> Vec<Candidate> {
        logic::stream_candidates(&channel.extra)
            .into_iter()
            .map(|url_template| Candidate {
                url_template,
                headers: Vec::new(),
            })
            .collect()
    }
}

// Makes `JsonList` the component's export.
export!(JsonList);

fn quality(q: logic::Quality) -> Quality {
    match q {
        logic::Quality::Uhd => Quality::Uhd,
        logic::Quality::Fhd => Quality::Fhd,
        logic::Quality::Hd => Quality::Hd,
        logic::Quality::Sd => Quality::Sd,
        logic::Quality::Unknown => Quality::Unknown,
    }
}

/// The contract's record of a channel. The stream URL goes in `extra`: the
/// host stores it with the channel and hands it back to `stream_candidates`.
fn provider_channel(c: logic::Channel) -> ProviderChannel {
    ProviderChannel {
        key: c.key,
        name: c.name,
        base_name: c.base_name,
        quality: quality(c.quality),
        tags: Vec::new(),
        group: c.group,
        logo: c.logo,
        guide_id: c.guide_id,
        number: c.number,
        extra: vec![(logic::URL.into(), c.url)],
    }
}
