//! HTTP from tests: a bounded loopback client and the lookups every relay
//! test needs.

use std::time::Duration;

/// A blocking client for loopback: no proxy, a 60 s bound on every request.
pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("an HTTP client")
}

/// `GET url` that must answer 200 with JSON.
pub fn get_json(url: &str) -> serde_json::Value {
    client()
        .get(url)
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.json())
        .unwrap_or_else(|e| panic!("{url}: {e}"))
}

/// The `GuideNumber` of the lineup channel called `name` on the tuner at `base`.
pub fn number_of(base: &str, name: &str) -> String {
    let lineup = get_json(&format!("{base}/lineup.json"));
    lineup
        .as_array()
        .and_then(|a| a.iter().find(|e| e["GuideName"] == name))
        .and_then(|e| e["GuideNumber"].as_str())
        .unwrap_or_else(|| panic!("{name} is not in the lineup: {lineup}"))
        .to_string()
}
