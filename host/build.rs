//! Builds the built-in plugins (and the test fixture plugins) for
//! `wasm32-wasip2` with a nested cargo, so `cargo build` alone gives a
//! `streamforge` binary that carries them. Modelled on wasmtime's
//! `test-programs/artifacts/build.rs`.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Packages embedded in the binary.
const PLUGINS: &[&str] = &[
    "streamforge-plugin-xtream",
    "streamforge-plugin-m3u",
    "streamforge-plugin-matcher",
];

/// Packages the host's tests load as misbehaving or wrong plugins.
const FIXTURES: &[&str] = &[
    "streamforge-fixture-hostile",
    "streamforge-fixture-wrong-world",
    "streamforge-fixture-wrong-version",
    "streamforge-fixture-sockets",
];

fn main() {
    let host = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = host.parent().unwrap().to_path_buf();
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    for watched in ["wit", "plugins", "tests/fixtures", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }

    let target_dir = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|d| if d.is_absolute() { d } else { root.join(d) })
        .unwrap_or_else(|| root.join("target"))
        .join("wasm-plugins");

    let mut cargo = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cargo
        .current_dir(&root)
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--target-dir",
        ])
        .arg(&target_dir)
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("CARGO_PROFILE_RELEASE_STRIP", "true")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS")
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET");
    for package in PLUGINS.iter().chain(FIXTURES) {
        cargo.args(["-p", package]);
    }
    let status = cargo.status().expect("running cargo to build the plugins");
    if !status.success() {
        panic!(
            "building the plugins for wasm32-wasip2 failed (see above). \
             If the target is missing: rustup target add wasm32-wasip2"
        );
    }

    let built = target_dir.join("wasm32-wasip2").join("release");
    copy_all(&built, PLUGINS, &out.join("plugins"));
    copy_all(&built, FIXTURES, &out.join("fixtures"));
    println!(
        "cargo:rustc-env=STREAMFORGE_TEST_FIXTURES={}",
        out.join("fixtures").display()
    );
}

fn copy_all(from: &Path, packages: &[&str], to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for package in packages {
        let file = format!("{}.wasm", package.replace('-', "_"));
        std::fs::copy(from.join(&file), to.join(&file))
            .unwrap_or_else(|e| panic!("copying {file}: {e}"));
    }
}
