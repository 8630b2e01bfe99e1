//! The CLI's side of the admin API.

use super::{ApiError, ServerFile};
use anyhow::{anyhow, Context};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Talks to a running server's `/api/v1`.
pub struct ApiClient {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl ApiClient {
    /// A client for the server described by `server`.
    pub fn new(server: &ServerFile, token: String) -> anyhow::Result<ApiClient> {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(3600))
            .no_proxy()
            .build()?;
        Ok(ApiClient {
            base: format!("{}/api/v1", server.url.trim_end_matches('/')),
            token,
            http,
        })
    }

    async fn send<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> anyhow::Result<T> {
        let response = request.bearer_auth(&self.token).send().await.map_err(|e| {
            anyhow!(
                "cannot reach the running StreamForge server: {}",
                e.without_url()
            )
        })?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .context("reading the server's answer")?;
        if status.is_success() {
            return serde_json::from_slice(&bytes)
                .context("the server's answer is not what this CLI expects");
        }
        match serde_json::from_slice::<ApiError>(&bytes) {
            Ok(e) => Err(anyhow!("{}", e.error)),
            Err(_) => Err(anyhow!("the server answered HTTP {status}")),
        }
    }

    /// `GET path?query`.
    pub async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> anyhow::Result<T> {
        self.send(self.http.get(format!("{}/{path}", self.base)).query(query))
            .await
    }

    /// `POST path` with a JSON body.
    pub async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> anyhow::Result<T> {
        self.send(self.http.post(format!("{}/{path}", self.base)).json(body))
            .await
    }

    /// `POST path?query` with raw bytes.
    pub async fn post_bytes<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        body: Vec<u8>,
    ) -> anyhow::Result<T> {
        self.send(
            self.http
                .post(format!("{}/{path}", self.base))
                .query(query)
                .body(body),
        )
        .await
    }

    /// `DELETE path`.
    pub async fn delete<T: DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        self.send(self.http.delete(format!("{}/{path}", self.base)))
            .await
    }

    /// `GET path?query`, its body written to `out` as it arrives; the bytes
    /// written.
    pub async fn download(
        &self,
        path: &str,
        query: &[(&str, String)],
        out: &mut impl std::io::Write,
    ) -> anyhow::Result<u64> {
        let mut response = self
            .http
            .get(format!("{}/{path}", self.base))
            .query(query)
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| {
                anyhow!(
                    "cannot reach the running StreamForge server: {}",
                    e.without_url()
                )
            })?;
        let status = response.status();
        if !status.is_success() {
            let bytes = response.bytes().await.unwrap_or_default();
            return match serde_json::from_slice::<ApiError>(&bytes) {
                Ok(e) => Err(anyhow!("{}", e.error)),
                Err(_) => Err(anyhow!("the server answered HTTP {status}")),
            };
        }
        let mut total = 0;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| anyhow!("the server's answer broke off: {}", e.without_url()))?
        {
            out.write_all(&chunk)?;
            total += chunk.len() as u64;
        }
        Ok(total)
    }
}
