//! Bounds on every fetch.

use std::time::Duration;

/// How long and how large a fetch may get. It exists so a slow or hostile
/// provider can neither hang a sync nor exhaust memory.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// Time allowed to open a TCP (and TLS) connection, per hop.
    pub connect_timeout: Duration,
    /// Time allowed for the whole fetch: every redirect and the full body.
    pub timeout: Duration,
    /// Largest body accepted, in bytes.
    pub max_body_bytes: u64,
    /// Redirects followed before giving up.
    pub max_redirects: usize,
    /// Whether to honour `HTTP_PROXY` / `HTTPS_PROXY` / `NO_PROXY`.
    pub system_proxy: bool,
}

impl Default for FetchConfig {
    /// Catalogue-sized defaults: 10 s connect, 60 s total, 256 MiB, 10 redirects.
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            max_body_bytes: 256 * 1024 * 1024,
            max_redirects: 10,
            system_proxy: true,
        }
    }
}
