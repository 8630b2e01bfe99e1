//! Builds the built-in plugins under `plugins/` for `wasm32-wasip2`, so
//! `cargo build` alone gives a `streamforge` binary that carries them. The
//! test fixture plugins are built by `tests/plugins/artifacts`, for tests only.

use std::path::PathBuf;

/// Packages embedded in the binary.
const PLUGINS: &[&str] = &[
    "streamforge-plugin-xtream",
    "streamforge-plugin-m3u",
    "streamforge-plugin-matcher",
    "streamforge-plugin-rtsp",
    "streamforge-plugin-protect",
];

fn main() {
    let host = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let workspace = host.parent().unwrap();
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("plugins");
    streamforge_wasm_build::build(workspace, PLUGINS, &["wit", "plugins"], &out);
}
