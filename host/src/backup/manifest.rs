//! What an archive says about itself: format name and version, the schema
//! of its database, and every entry with its size and SHA-256.

use serde::{Deserialize, Serialize};

/// The format name every StreamForge backup carries.
pub const FORMAT: &str = "streamforge-backup";
/// The newest archive format this binary writes and reads.
pub const VERSION: u32 = 1;

/// The last entry of an archive, checked before anything is restored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    /// Always [`FORMAT`]: tells a StreamForge backup from any other archive.
    pub format: String,
    /// The archive format's version ([`VERSION`] when written by this binary).
    pub version: u32,
    /// The StreamForge version that wrote it.
    pub streamforge: String,
    /// The database schema of the dump.
    pub schema: u32,
    /// When it was made (Unix seconds).
    pub created: u64,
    /// Whether the password key (`secret.key`) is inside.
    pub includes_key: bool,
    /// Every other entry, in archive order.
    pub entries: Vec<Entry>,
}

/// One file of the archive.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Entry {
    /// Its path in the data dir, `/`-separated.
    pub path: String,
    /// Its size in bytes.
    pub size: u64,
    /// The SHA-256 of its bytes, in hex.
    pub sha256: String,
}
