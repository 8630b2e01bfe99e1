//! Builds workspace packages for `wasm32-wasip2` from a build script, with a
//! nested cargo (the model is wasmtime's `test-programs/artifacts/build.rs`).
//! `host/build.rs` uses it for the plugins embedded in the binary and
//! `tests/plugins/artifacts/build.rs` for the fixture plugins only tests load.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Builds `packages` (workspace package names) in release mode for
/// `wasm32-wasip2` and copies each `<package>.wasm` (dashes as underscores)
/// into `out`. `workspace` is the workspace root; `watched` are folders under
/// it whose changes rebuild. Panics with a clear message when the build
/// fails, as a build script should.
pub fn build(workspace: &Path, packages: &[&str], watched: &[&str], out: &Path) {
    for dir in watched {
        println!("cargo:rerun-if-changed={}", workspace.join(dir).display());
    }
    println!(
        "cargo:rerun-if-changed={}",
        workspace.join("Cargo.lock").display()
    );
    // `STREAMFORGE_WASM_TARGET_DIR` lets another build (the fuzz targets,
    // with their own target dir) reuse plugins already built: the wasm build
    // takes no flags from the outer one, so its output is the same.
    println!("cargo:rerun-if-env-changed=STREAMFORGE_WASM_TARGET_DIR");
    let target_dir = match env::var_os("STREAMFORGE_WASM_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .map(|d| {
                if d.is_absolute() {
                    d
                } else {
                    workspace.join(d)
                }
            })
            .unwrap_or_else(|| workspace.join("target"))
            .join("wasm-plugins"),
    };

    let mut cargo = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cargo
        .current_dir(workspace)
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
    for package in packages {
        cargo.args(["-p", package]);
    }
    let status = cargo.status().expect("running cargo to build the plugins");
    if !status.success() {
        panic!(
            "building {packages:?} for wasm32-wasip2 failed (see above). \
             If the target is missing: rustup target add wasm32-wasip2"
        );
    }

    let built = target_dir.join("wasm32-wasip2").join("release");
    std::fs::create_dir_all(out).unwrap_or_else(|e| panic!("creating {}: {e}", out.display()));
    for package in packages {
        let file = format!("{}.wasm", package.replace('-', "_"));
        std::fs::copy(built.join(&file), out.join(&file))
            .unwrap_or_else(|e| panic!("copying {file}: {e}"));
    }
}
