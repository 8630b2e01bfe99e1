//! Where StreamForge keeps its state: the data dir and the paths inside it.
//!
//! The data dir comes from `--data-dir`, else `STREAMFORGE_DATA`, else
//! `./streamforge-data`. Everything StreamForge writes lives under it, except
//! the precompiled-plugin cache when `STREAMFORGE_CACHE` points elsewhere.
//! Files only their owner may read (keys, tokens, the console password) are
//! written by [`private`], and only there.

pub mod private;

use std::path::{Path, PathBuf};

/// The default data dir, relative to the working directory.
pub const DEFAULT_DATA_DIR: &str = "streamforge-data";

/// The data dir and the paths inside it.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    /// The data dir at `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DataDir { root: root.into() }
    }

    /// The data dir itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The embedded database.
    pub fn database(&self) -> PathBuf {
        self.root.join("db")
    }

    /// Prepared guide programme files.
    pub fn guides(&self) -> PathBuf {
        self.root.join("guides")
    }

    /// The admin API token (owner-only).
    pub fn admin_token(&self) -> PathBuf {
        self.root.join("admin.token")
    }

    /// The key that signs camera tokens (owner-only; see [`crate::tokens`]).
    pub fn jwt_key(&self) -> PathBuf {
        self.root.join("jwt.key")
    }

    /// Where a running server says how to reach it.
    pub fn server_file(&self) -> PathBuf {
        self.root.join("server.json")
    }

    /// Installed plugins, one folder each.
    pub fn plugins(&self) -> PathBuf {
        self.root.join("plugins")
    }

    /// Precompiled plugin code; `STREAMFORGE_CACHE` overrides (shared caches in tests).
    pub fn cache(&self) -> PathBuf {
        match std::env::var_os("STREAMFORGE_CACHE") {
            Some(dir) if !dir.is_empty() => PathBuf::from(dir),
            _ => self.root.join("cache"),
        }
    }
}
