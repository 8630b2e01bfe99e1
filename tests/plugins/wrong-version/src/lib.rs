//! A provider plugin built against a contract from the future (9.0.0): must be refused
//! with a message naming both versions.
wit_bindgen::generate!({ path: "wit", world: "provider-adapter" });

use exports::streamforge::plugin::provider::*;
use streamforge::plugin::types::Quality;

struct Future;

impl Guest for Future {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "future".into(),
            version: "2.0.0".into(),
            description: "from the future".into(),
        }
    }
    fn account_requests(_o: Vec<(String, String)>) -> Vec<HttpRequest> {
        vec![]
    }
    fn parse_account(_r: Vec<HttpResponse>) -> Result<AccountStatus, String> {
        Err(String::new())
    }
    fn catalog_requests(_o: Vec<(String, String)>) -> Vec<HttpRequest> {
        vec![]
    }
    fn parse_catalog(_r: Vec<HttpResponse>) -> Result<Vec<ProviderChannel>, String> {
        Ok(vec![])
    }
    fn parse_name(n: String) -> ParsedName {
        ParsedName {
            base_name: n,
            quality: Quality::Unknown,
            tags: vec![],
        }
    }
    fn stream_candidates(_c: ProviderChannel, _o: Vec<(String, String)>) -> Vec<Candidate> {
        vec![]
    }
}

#[cfg(target_arch = "wasm32")]
export!(Future);
