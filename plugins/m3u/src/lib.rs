wit_bindgen::generate!({ path: "../../wit/v0.1.0", world: "provider-adapter" });
use exports::streamforge::plugin::provider::*;
use streamforge::plugin::types::Quality;
struct P;
impl Guest for P {
    fn info() -> PluginInfo { PluginInfo { name: "m3u".into(), version: env!("CARGO_PKG_VERSION").into(), description: "x".into() } }
    fn account_requests(_o: Vec<(String, String)>) -> Vec<HttpRequest> { vec![] }
    fn parse_account(_r: Vec<HttpResponse>) -> Result<AccountStatus, String> { Err("x".into()) }
    fn catalog_requests(_o: Vec<(String, String)>) -> Vec<HttpRequest> { vec![] }
    fn parse_catalog(_r: Vec<HttpResponse>) -> Result<Vec<ProviderChannel>, String> { Ok(vec![]) }
    fn parse_name(name: String) -> ParsedName { ParsedName { base_name: name, quality: Quality::Unknown, tags: vec![] } }
    fn stream_candidates(_c: ProviderChannel, _o: Vec<(String, String)>) -> Vec<Candidate> { vec![] }
}
export!(P);
