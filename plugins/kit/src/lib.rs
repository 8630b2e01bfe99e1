//! What StreamForge's built-in provider adapters share: the contract's
//! bindings for the `provider-adapter` world (generated once, here), the
//! conversions between WIT records and plain Rust views, and the wording of
//! problems with a provider's answer.
//!
//! A plugin implements [`Guest`] and exports it with
//! `streamforge_plugin_kit::export!(MyPlugin);` under
//! `#[cfg(target_arch = "wasm32")]`: a native build (for unit tests) cannot
//! carry the component's export names.

pub mod model;
pub mod problem;

pub use model::{Channel, Request, Response};

/// The contract's generated bindings for the `provider-adapter` world,
/// generated once so every adapter uses the same types and `export!` macro.
// Generated from wit/v0.1.0, which is frozen: items the WIT leaves
// undocumented (its packages, interfaces, helpers) cannot get docs here.
#[allow(missing_docs)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/v0.1.0",
        world: "provider-adapter",
        pub_export_macro: true,
        default_bindings_module: "streamforge_plugin_kit::bindings",
    });
}

pub use bindings::exports::streamforge::plugin::provider::{
    AccountStatus, Candidate, Guest, HttpRequest, HttpResponse, ParsedName, PluginInfo,
    ProviderChannel,
};
pub use bindings::streamforge::plugin::types::Quality;

/// Exports a [`Guest`] implementation as the component's `provider`
/// interface; re-exported so plugins need not name the bindings module.
pub use bindings::export;

/// The WIT request for a plain one, without extra headers.
pub fn http_request(r: Request) -> HttpRequest {
    HttpRequest {
        purpose: r.purpose,
        url_template: r.url_template,
        headers: Vec::new(),
    }
}

/// Plain borrowed views of the host's responses, for the plugins' parsers.
pub fn borrow(responses: &[HttpResponse]) -> Vec<Response<'_>> {
    responses
        .iter()
        .map(|r| Response {
            purpose: &r.purpose,
            status: r.status,
            body: &r.body,
        })
        .collect()
}

/// The WIT quality of a names quality; the names crate knows nothing of WIT.
pub fn quality(q: streamforge_names::Quality) -> Quality {
    match q {
        streamforge_names::Quality::Uhd => Quality::Uhd,
        streamforge_names::Quality::Fhd => Quality::Fhd,
        streamforge_names::Quality::Hd => Quality::Hd,
        streamforge_names::Quality::Sd => Quality::Sd,
        streamforge_names::Quality::Unknown => Quality::Unknown,
    }
}

/// The WIT channel of a plain one, with the plugin's own `extra` data to get
/// back in `stream-candidates`.
pub fn provider_channel(c: Channel, extra: Vec<(String, String)>) -> ProviderChannel {
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
        extra,
    }
}

/// `parse-name` as every adapter answers it: the shared names parser, in WIT.
pub fn parsed_name(name: &str) -> ParsedName {
    let parsed = streamforge_names::parse_name(name);
    ParsedName {
        base_name: parsed.base_name,
        quality: quality(parsed.quality),
        tags: parsed.tags,
    }
}

/// Stream candidates from URL templates, best first, without extra headers.
pub fn candidates_from(url_templates: Vec<String>) -> Vec<Candidate> {
    url_templates
        .into_iter()
        .map(|url_template| Candidate {
            url_template,
            headers: Vec::new(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualities_map_one_to_one() {
        use streamforge_names::Quality as Q;
        assert_eq!(quality(Q::Uhd), Quality::Uhd);
        assert_eq!(quality(Q::Fhd), Quality::Fhd);
        assert_eq!(quality(Q::Hd), Quality::Hd);
        assert_eq!(quality(Q::Sd), Quality::Sd);
        assert_eq!(quality(Q::Unknown), Quality::Unknown);
    }

    #[test]
    fn channels_keep_every_field() {
        let mut plain = Channel::named("k".into(), "UK: BBC One HD".into());
        plain.group = Some("News".into());
        plain.logo = Some("http://l.example/1.png".into());
        plain.guide_id = Some("bbc1.uk".into());
        plain.number = Some(101);
        let extra = vec![("url".to_string(), "http://s.example/1.ts".to_string())];
        let wit = provider_channel(plain.clone(), extra.clone());
        assert_eq!(wit.key, plain.key);
        assert_eq!(wit.name, plain.name);
        assert_eq!(wit.base_name, plain.base_name);
        assert_eq!(wit.quality, quality(plain.quality));
        assert_eq!(wit.tags, plain.tags);
        assert_eq!(wit.group, plain.group);
        assert_eq!(wit.logo, plain.logo);
        assert_eq!(wit.guide_id, plain.guide_id);
        assert_eq!(wit.number, plain.number);
        assert_eq!(wit.extra, extra);
    }

    #[test]
    fn requests_carry_no_headers() {
        let wit = http_request(Request::new("streams", "{server}/x".into()));
        assert_eq!(wit.purpose, "streams");
        assert_eq!(wit.url_template, "{server}/x");
        assert!(wit.headers.is_empty());
    }

    #[test]
    fn responses_are_borrowed_as_is() {
        let wit = vec![HttpResponse {
            purpose: "streams".into(),
            status: 200,
            headers: Vec::new(),
            body: b"[]".to_vec(),
        }];
        let plain = borrow(&wit);
        assert_eq!(plain.len(), 1);
        assert_eq!(plain[0].purpose, "streams");
        assert_eq!(plain[0].status, 200);
        assert_eq!(plain[0].body, b"[]");
    }

    #[test]
    fn candidates_carry_no_headers() {
        let c = candidates_from(vec!["a".into(), "b".into()]);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].url_template, "a");
        assert!(c.iter().all(|c| c.headers.is_empty()));
    }
}
