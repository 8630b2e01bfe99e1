//! A working provider plugin built against the test-only contract
//! `streamforge:plugin@0.99.0-test` (`../wit-next`): it reads plain M3U
//! playlists (double-quoted `tvg-id` and `group-title`, the name after the
//! comma, the URL on the next line) and answers with that contract's newer
//! records. The host's unit tests load it beside 0.1.0 plugins and check
//! that its catalogue reaches the host's model intact.
wit_bindgen::generate!({ path: "../wit-next", world: "provider-adapter" });

use exports::streamforge::plugin::provider::*;
use streamforge::plugin::types::{Catalog, Quality};

/// Where a channel's stream URL travels between `parse-catalog` and `stream-candidates`.
const URL: &str = "url";

#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
struct NextM3u;

fn quality(q: streamforge_names::Quality) -> Quality {
    match q {
        streamforge_names::Quality::Uhd => Quality::Uhd,
        streamforge_names::Quality::Fhd => Quality::Fhd,
        streamforge_names::Quality::Hd => Quality::Hd,
        streamforge_names::Quality::Sd => Quality::Sd,
        streamforge_names::Quality::Unknown => Quality::Unknown,
    }
}

/// FNV-1a 64 of the URL template, as the built-in m3u plugin keys channels.
fn key(url: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in url.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

fn attr(line: &str, name: &str) -> Option<String> {
    let start = line.find(&format!("{name}=\""))? + name.len() + 2;
    let len = line[start..].find('"')?;
    Some(line[start..start + len].to_string()).filter(|v| !v.is_empty())
}

fn channel(extinf: &str, url: &str) -> ProviderChannel {
    let name = extinf.rsplit_once(',').map(|(_, n)| n.trim()).unwrap_or("");
    let parsed = streamforge_names::parse_name(name);
    // The newer contract's extra tier: an "8K" name is above UHD.
    let quality = if name.contains("8K") {
        Quality::Uhd8k
    } else {
        quality(parsed.quality)
    };
    ProviderChannel {
        key: key(url),
        name: name.to_string(),
        base_name: parsed.base_name,
        quality,
        tags: parsed.tags,
        group: attr(extinf, "group-title"),
        logo: attr(extinf, "tvg-logo"),
        guide_id: attr(extinf, "tvg-id"),
        number: None,
        extra: vec![(URL.to_string(), url.to_string())],
    }
}

impl Guest for NextM3u {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "m3u-next".into(),
            version: "0.1.0".into(),
            description: "M3U playlists, built against the test-only contract 0.99.0-test".into(),
        }
    }
    fn account_requests(_o: Vec<(String, String)>) -> Vec<HttpRequest> {
        vec![]
    }
    fn parse_account(_r: Vec<HttpResponse>) -> Result<AccountStatus, String> {
        Err("this plugin checks no accounts".into())
    }
    fn catalog_requests(_o: Vec<(String, String)>) -> Vec<HttpRequest> {
        vec![HttpRequest {
            purpose: "playlist".into(),
            url_template: "{url}".into(),
            headers: vec![],
        }]
    }
    fn parse_catalog(responses: Vec<HttpResponse>) -> Result<Catalog, String> {
        let body = responses.first().ok_or("no playlist was fetched")?;
        let text = String::from_utf8_lossy(&body.body);
        let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
        let (mut channels, mut skipped) = (Vec::new(), 0);
        while let Some(line) = lines.next() {
            let Some(extinf) = line.strip_prefix("#EXTINF:") else {
                continue;
            };
            match lines.next() {
                Some(url) if !url.starts_with('#') => channels.push(channel(extinf, url)),
                _ => skipped += 1,
            }
        }
        Ok(Catalog { channels, skipped })
    }
    fn parse_name(name: String) -> ParsedName {
        let parsed = streamforge_names::parse_name(&name);
        ParsedName {
            base_name: parsed.base_name,
            quality: quality(parsed.quality),
            tags: parsed.tags,
        }
    }
    fn stream_candidates(c: ProviderChannel, _o: Vec<(String, String)>) -> Vec<Candidate> {
        c.extra
            .into_iter()
            .filter(|(k, _)| k == URL)
            .map(|(_, url_template)| Candidate {
                url_template,
                headers: vec![],
            })
            .collect()
    }
}

#[cfg(target_arch = "wasm32")]
export!(NextM3u);
