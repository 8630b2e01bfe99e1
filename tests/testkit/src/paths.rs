//! Where things are: the `streamforge` binary cargo built beside the test or
//! bench binary, the shared precompiled-plugin cache, fresh data dirs.

use std::path::PathBuf;

/// `target/<profile>`: the test or bench binary runs from its `deps/` folder.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the running test binary's path");
    let dir = exe.parent().expect("the binary's folder");
    if dir.ends_with("deps") {
        dir.parent().expect("the profile folder").to_path_buf()
    } else {
        dir.to_path_buf()
    }
}

/// The `streamforge` binary under test: `STREAMFORGE_BIN` when set, else the
/// one cargo built beside this test binary (`cargo test` and `cargo bench`
/// build it for the `streamforge` package's tests and benches).
pub fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("STREAMFORGE_BIN").filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    let path = profile_dir().join("streamforge");
    assert!(
        path.exists(),
        "{} is missing: build it with `cargo build --release -p streamforge` (or set STREAMFORGE_BIN)",
        path.display()
    );
    path
}

/// A precompiled-plugin cache shared by every test and bench run, so each
/// plugin is compiled once (`target/tmp/plugin-cache`).
pub fn plugin_cache() -> PathBuf {
    let profile = profile_dir();
    let target = profile.parent().unwrap_or(&profile);
    target.join("tmp").join("plugin-cache")
}

/// A fresh, empty data dir, deleted on drop.
pub fn data_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("sf-test-")
        .tempdir()
        .expect("a temp dir")
}
