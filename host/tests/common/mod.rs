//! Helpers shared by the host's integration tests.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;
use streamforge::events::EventLog;
use streamforge::plugins::{Limits, PluginRegistry};

/// A test fixture plugin built by `host/build.rs`.
pub fn fixture(package: &str) -> PathBuf {
    let path = PathBuf::from(env!("STREAMFORGE_TEST_FIXTURES"))
        .join(format!("{}.wasm", package.replace('-', "_")));
    assert!(
        path.exists(),
        "fixture {} missing; host/build.rs builds it",
        path.display()
    );
    path
}

/// A precompiled-plugin cache shared by all tests, so each plugin compiles once.
pub fn shared_cache() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("plugin-cache")
}

/// A fresh data dir (deleted on drop).
pub fn data_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("sf-test-")
        .tempdir()
        .unwrap()
}

/// A registry in a fresh data dir, with the given limits.
pub fn registry(dir: &tempfile::TempDir, limits: Limits) -> (PluginRegistry, Arc<EventLog>) {
    let events = Arc::new(EventLog::default());
    let registry = PluginRegistry::open(dir.path().join("plugins"), shared_cache(), events.clone())
        .unwrap()
        .with_limits(limits);
    (registry, events)
}

/// The `streamforge` binary, run against `data` with the shared cache.
pub fn streamforge(data: &std::path::Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_streamforge"));
    cmd.arg("--data-dir")
        .arg(data)
        .env("STREAMFORGE_CACHE", shared_cache())
        .env_remove("STREAMFORGE_LOG");
    cmd
}
