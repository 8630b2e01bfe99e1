//! What the end-to-end tests share beyond the testkit: the fixture plugins
//! and a plugin registry in a fresh data dir (these use the `streamforge`
//! library itself, which the testkit does not).

pub use streamforge_testkit::media::{decode, viewer, Viewer};
pub use streamforge_testkit::process::finish;
pub use streamforge_testkit::*;

use std::path::PathBuf;
use std::sync::Arc;
use streamforge::events::EventLog;
use streamforge::plugins::{Limits, PluginRegistry};

/// A fixture plugin's `.wasm` (see `streamforge_test_plugins` for the names).
pub fn fixture(package: &str) -> PathBuf {
    streamforge_test_plugins::path(package)
}

/// A registry in a fresh data dir, with the given limits, sharing the
/// precompiled-plugin cache with every other test.
pub fn registry(dir: &tempfile::TempDir, limits: Limits) -> (PluginRegistry, Arc<EventLog>) {
    let events = Arc::new(EventLog::default());
    let registry = PluginRegistry::open(dir.path().join("plugins"), plugin_cache(), events.clone())
        .unwrap()
        .with_limits(limits);
    (registry, events)
}
