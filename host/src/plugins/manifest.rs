//! What StreamForge records about an installed plugin.

use super::inspect::World;
use serde::{Deserialize, Serialize};

/// The record kept beside each installed plugin (`manifest.json`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// The name the plugin gives itself; accounts refer to it.
    pub name: String,
    /// The plugin's own version, as it reports it.
    pub version: String,
    /// One line on what it does, as it reports it, for `plugin list`.
    pub description: String,
    /// Provider adapter or channel matcher: which calls the host makes to it.
    pub world: World,
    /// Contract version, e.g. "0.1.0".
    pub contract: String,
    /// sha256 of the `.wasm`, hex.
    pub sha256: String,
    /// What the component imports (all within the granted WASI set).
    pub imports: Vec<String>,
    /// Shipped inside the `streamforge` binary.
    pub builtin: bool,
    /// Where it came from: a path, a URL, or "built-in".
    pub source: String,
    /// Unix seconds.
    pub installed_at: u64,
}

/// Hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Whether `name` is usable as a plugin name (and a folder name).
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}
