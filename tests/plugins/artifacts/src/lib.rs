//! Paths of the fixture plugins, built for `wasm32-wasip2` by this crate's
//! build script: plugins that misbehave on purpose (loops, memory bombs,
//! traps), that are built for the wrong world or a contract from the future,
//! that ask for sockets, one that works against a newer test-only contract, and
//! a scripted camera source and a provider built against contract 0.2.0.

use std::path::PathBuf;

/// A plugin that loops, allocates without end, traps or answers too much on demand.
pub const HOSTILE: &str = "streamforge-fixture-hostile";
/// A component that exports something other than a StreamForge world.
pub const WRONG_WORLD: &str = "streamforge-fixture-wrong-world";
/// A provider built against contract 9.0.0, which no host runs.
pub const WRONG_VERSION: &str = "streamforge-fixture-wrong-version";
/// A provider that imports `wasi:sockets`.
pub const SOCKETS: &str = "streamforge-fixture-sockets";
/// A working M3U provider built against the test-only contract 0.99.0-test.
pub const NEXT_CONTRACT: &str = "streamforge-fixture-next-contract";
/// A camera source (contract 0.2.0) scripted by its options, reporting what it received.
pub const CAMERA: &str = "streamforge-fixture-camera";
/// A provider built against contract 0.2.0 whose catalogue request is a POST with a JSON body.
pub const PROVIDER_0_2: &str = "streamforge-fixture-provider-0-2";

/// The `.wasm` file of fixture `package` (one of the constants above).
pub fn path(package: &str) -> PathBuf {
    let path = PathBuf::from(env!("STREAMFORGE_FIXTURES"))
        .join(format!("{}.wasm", package.replace('-', "_")));
    assert!(
        path.exists(),
        "fixture {} is missing; tests/plugins/artifacts/build.rs builds it",
        path.display()
    );
    path
}
