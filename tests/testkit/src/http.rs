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

/// `text` percent-encoded for an `application/x-www-form-urlencoded` body.
pub fn form_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Checks the headers every page the server renders for a browser carries:
/// a CSP without inline script that forbids framing, `X-Frame-Options:
/// DENY`, `nosniff`, and `referrer` as the `Referrer-Policy`.
pub fn assert_strict_page(headers: &reqwest::header::HeaderMap, referrer: &str) {
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], referrer);
}

/// `GET url` of a stream that must answer 200 and bring MPEG-TS: the
/// response after its first ten packets, held open by the caller as a viewer.
pub fn playing(url: &str) -> reqwest::blocking::Response {
    use std::io::Read;
    let mut resp = client()
        .get(url)
        .send()
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    assert_eq!(resp.status(), 200, "{url}");
    let mut buf = vec![0u8; 188 * 10];
    resp.read_exact(&mut buf)
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    assert_eq!(buf[0], 0x47, "{url}: MPEG-TS");
    resp
}
