//! A provider built against contract 0.2.0: its catalogue request is a POST
//! with a JSON body template (credentials filled by the host), its catalogue
//! one channel per non-empty line of the answer. The host's unit tests load
//! it beside the 0.1.0 built-ins and check its requests reach the model.
wit_bindgen::generate!({ path: "../../../wit/v0.2.0", world: "provider-adapter" });

use exports::streamforge::plugin::provider::*;
use streamforge::plugin::types::{BodyTemplate, HttpMethod, Quality};

struct Lines;

impl Guest for Lines {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "lines-0-2".into(),
            version: "0.2.0".into(),
            description: "Test fixture: a 0.2.0 provider whose catalogue is a POST.".into(),
        }
    }

    fn account_requests(_options: Vec<(String, String)>) -> Vec<HttpRequest> {
        Vec::new()
    }

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

    fn catalog_requests(_options: Vec<(String, String)>) -> Vec<HttpRequest> {
        vec![HttpRequest {
            purpose: "channels".into(),
            method: HttpMethod::Post,
            url_template: "{server}/api/channels".into(),
            headers: vec![("accept".into(), "text/plain".into())],
            body: Some(BodyTemplate::Json(
                r#"{"user":"{username}","pass":"{password}"}"#.into(),
            )),
        }]
    }

    fn parse_catalog(responses: Vec<HttpResponse>) -> Result<Vec<ProviderChannel>, String> {
        let body = responses
            .first()
            .map(|r| r.body.clone())
            .unwrap_or_default();
        Ok(String::from_utf8_lossy(&body)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .enumerate()
            .map(|(i, name)| ProviderChannel {
                key: i.to_string(),
                name: name.into(),
                base_name: name.into(),
                quality: Quality::Unknown,
                tags: Vec::new(),
                group: None,
                logo: None,
                guide_id: None,
                number: None,
                extra: Vec::new(),
            })
            .collect())
    }

    fn parse_name(name: String) -> ParsedName {
        ParsedName {
            base_name: name,
            quality: Quality::Unknown,
            tags: Vec::new(),
        }
    }

    fn stream_candidates(
        channel: ProviderChannel,
        _options: Vec<(String, String)>,
    ) -> Vec<Candidate> {
        vec![Candidate {
            url_template: format!("{{server}}/live/{}.ts", channel.key),
            headers: Vec::new(),
        }]
    }
}

export!(Lines);
