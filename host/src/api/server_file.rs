//! `server.json` in the data dir: how CLI commands find the running server.

use serde::{Deserialize, Serialize};
use std::path::Path;

/// Written by `serve` at start, removed at stop.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServerFile {
    /// Loopback URL of the admin API, e.g. `http://127.0.0.1:5004`.
    pub url: String,
    /// The server's process id, printed by `streamforge urls`.
    pub pid: u32,
    /// The tuner's BaseURL, for `streamforge urls`.
    #[serde(default)]
    pub base_url: Option<String>,
}

impl ServerFile {
    /// Reads it, if a server wrote one.
    pub fn read(path: &Path) -> Option<ServerFile> {
        serde_json::from_slice(&std::fs::read(path).ok()?).ok()
    }

    /// Writes it.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        std::fs::write(path, serde_json::to_vec_pretty(self).expect("serializes"))
    }
}
