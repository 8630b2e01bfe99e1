//! Builds the fixture plugins for `wasm32-wasip2` (only when a test needs them:
//! this crate is a dev-dependency, like wasmtime's `test-programs/artifacts`).

use std::path::PathBuf;

/// Every fixture plugin package.
const FIXTURES: &[&str] = &[
    "streamforge-fixture-hostile",
    "streamforge-fixture-wrong-world",
    "streamforge-fixture-wrong-version",
    "streamforge-fixture-sockets",
    "streamforge-fixture-next-contract",
    "streamforge-fixture-camera",
    "streamforge-fixture-provider-0-2",
];

fn main() {
    let here = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let workspace = here.ancestors().nth(3).unwrap();
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("fixtures");
    streamforge_wasm_build::build(
        workspace,
        FIXTURES,
        &["wit", "tests/plugins", "plugins/names"],
        &out,
    );
    println!("cargo:rustc-env=STREAMFORGE_FIXTURES={}", out.display());
}
