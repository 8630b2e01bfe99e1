//! HLS requests: playlists, keys and segments, through the account's HTTP
//! client (kept-alive connections), redirects followed by the host (tokens
//! in URLs included), the account's headers sent only to its own origin,
//! every answer bounded in size and time. Errors are one short line without
//! a URL.

use crate::fetch::headers::RequestHeader;
use crate::fetch::template::origin;
use crate::relay::upstream::{describe, redirect_target};
use bytes::{Bytes, BytesMut};
use std::time::Duration;
use url::Url;

/// Largest playlist read.
pub(crate) const MAX_PLAYLIST: usize = 1024 * 1024;
/// Largest segment read (a 10 s 4K segment is about 30 MB).
pub(crate) const MAX_SEGMENT: usize = 64 * 1024 * 1024;

/// What a session's requests share.
#[derive(Clone)]
pub(crate) struct Fetcher {
    /// Where the playlist's URLs may lead (see `crate::fetch::guard`).
    pub(crate) guard: crate::fetch::AddressGuard,
    pub(crate) client: reqwest::Client,
    pub(crate) headers: Vec<RequestHeader>,
    /// The account's origin: sensitive headers go there only.
    pub(crate) home: String,
    pub(crate) max_redirects: usize,
}

impl Fetcher {
    /// `GET url`: the URL it was finally answered from (after redirects) and
    /// the body, within `limit` bytes and `timeout`.
    pub(crate) async fn get(
        &self,
        url: Url,
        limit: usize,
        timeout: Duration,
    ) -> Result<(Url, Bytes), String> {
        let fetching = self.guard.scope(self.get_unbounded(url, limit));
        match tokio::time::timeout(timeout, fetching).await {
            Ok(result) => result,
            Err(_) => Err(format!("no answer within {:.0} s", timeout.as_secs_f64())),
        }
    }

    async fn get_unbounded(&self, mut url: Url, limit: usize) -> Result<(Url, Bytes), String> {
        for _ in 0..=self.max_redirects {
            match self.guard.resolve(&url).await {
                Ok(_) | Err(crate::fetch::guard::Refusal::Unresolved) => {}
                Err(why) => return Err(format!("not fetched: {why}")),
            }
            let home = origin(&url) == self.home;
            let mut request = self
                .client
                .get(url.clone())
                .header(reqwest::header::USER_AGENT, crate::relay::USER_AGENT);
            for h in self.headers.iter().filter(|h| home || !h.sensitive) {
                request = request.header(h.name.clone(), h.value.clone());
            }
            let mut response = request.send().await.map_err(|e| describe(&e))?;
            let status = response.status();
            if status.is_redirection() {
                let location = response
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| v.to_str().ok());
                url = redirect_target(&url, location).map_err(|e| e.to_string())?;
                continue;
            }
            if !status.is_success() {
                return Err(format!("HTTP {}", status.as_u16()));
            }
            if response.content_length().is_some_and(|n| n > limit as u64) {
                return Err(format!("larger than {} MiB", limit >> 20));
            }
            let mut body = BytesMut::new();
            while let Some(chunk) = response.chunk().await.map_err(|e| describe(&e))? {
                if body.len() + chunk.len() > limit {
                    return Err(format!("larger than {} MiB", limit >> 20));
                }
                body.extend_from_slice(&chunk);
            }
            return Ok((url, body.freeze()));
        }
        Err(format!("more than {} redirects", self.max_redirects))
    }
}
