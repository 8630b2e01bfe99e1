//! Fetching a plugin from a URL, for `plugin install URL --sha256` and the
//! console's install form: https only (plain http from this machine only),
//! bounded in size and time, and checked against the sha256 its author
//! published before anything is installed.

use super::registry::verify_sha256;
use anyhow::{bail, Context};
use std::time::Duration;

/// Largest plugin accepted, from a URL or an upload.
pub const MAX_PLUGIN_BYTES: usize = 64 << 20;

/// How long a download may take, from connecting to its last byte.
pub const DOWNLOAD_LIMIT: Duration = Duration::from_secs(60);

/// Whether `source` names a URL rather than a file.
pub fn is_url(source: &str) -> bool {
    source.starts_with("https://") || source.starts_with("http://")
}

/// `url` as messages show it: scheme, host and path, without a user name,
/// password or query (which may carry a token).
pub fn shown(url: &url::Url) -> String {
    format!(
        "{}://{}{}{}",
        url.scheme(),
        url.host_str().unwrap_or("?"),
        url.port().map(|p| format!(":{p}")).unwrap_or_default(),
        url.path()
    )
}

/// Downloads `source` and checks it against `sha256` (hex); the bytes, or
/// one line saying why not (a wrong checksum names both sums).
pub async fn fetch_verified(source: &str, sha256: &str) -> anyhow::Result<Vec<u8>> {
    let url = url::Url::parse(source.trim())
        .map_err(|_| anyhow::anyhow!("`{source}` is not a valid URL"))?;
    let name = shown(&url);
    if sha256.trim().is_empty() {
        bail!("installing {name} needs its sha256 (the checksum its author published)");
    }
    let bytes = download(&url).await?;
    verify_sha256(&bytes, Some(sha256)).with_context(|| format!("cannot install {name}"))?;
    Ok(bytes)
}

async fn download(url: &url::Url) -> anyhow::Result<Vec<u8>> {
    let name = shown(url);
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    };
    if url.scheme() != "https" && !loopback {
        bail!(
            "refusing to download a plugin over plain http from {}; use https",
            url.host_str().unwrap_or("?")
        );
    }
    let client = reqwest::Client::builder().timeout(DOWNLOAD_LIMIT).build()?;
    let mut response = client
        .get(url.clone())
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("cannot download {name}: {}", e.without_url()))?;
    if !response.status().is_success() {
        bail!("downloading {name} failed: HTTP {}", response.status());
    }
    let too_big = || {
        anyhow::anyhow!(
            "{name} is larger than {} MiB; refusing",
            MAX_PLUGIN_BYTES >> 20
        )
    };
    if response
        .content_length()
        .is_some_and(|n| n > MAX_PLUGIN_BYTES as u64)
    {
        return Err(too_big());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| anyhow::anyhow!("downloading {name} failed: {}", e.without_url()))?
    {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_PLUGIN_BYTES {
            return Err(too_big());
        }
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    #[test]
    fn messages_show_no_credentials_or_query() {
        let url = url::Url::parse("https://me:secret@example.com:8443/p.wasm?token=abc").unwrap();
        assert_eq!(super::shown(&url), "https://example.com:8443/p.wasm");
    }

    #[tokio::test]
    async fn a_url_without_a_checksum_or_over_plain_http_is_refused() {
        let e = super::fetch_verified("https://example.com/p.wasm", " ")
            .await
            .unwrap_err();
        assert!(format!("{e:#}").contains("needs its sha256"), "{e:#}");
        let e = super::fetch_verified("http://example.com/p.wasm", "ab")
            .await
            .unwrap_err();
        assert!(format!("{e:#}").contains("use https"), "{e:#}");
    }
}
