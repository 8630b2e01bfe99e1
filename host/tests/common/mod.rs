//! Helpers shared by the host's integration tests.
#![allow(dead_code)]

pub mod netns;
pub mod relay;

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

/// A `streamforge serve` child process (discovery off), killed and reaped on drop.
pub struct Server {
    pub child: std::process::Child,
    /// The admin API's loopback URL.
    pub url: String,
    /// The tuner's BaseURL.
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `serve` on a free loopback port and waits until it says where it is.
pub fn serve(data: &std::path::Path, extra: &[&str]) -> Server {
    use std::time::{Duration, Instant};
    let _ = std::fs::remove_file(data.join("server.json"));
    let child = streamforge(data)
        .args(["serve", "--listen", "127.0.0.1:0", "--no-discovery"])
        .args(extra)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Owned by `Server` at once, so it is killed and reaped on every path.
    let mut server = Server {
        child,
        url: String::new(),
        base: String::new(),
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(text) = std::fs::read_to_string(data.join("server.json")) {
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            server.url = v["url"].as_str().unwrap().to_string();
            server.base = v["base_url"].as_str().unwrap_or_default().to_string();
            return server;
        }
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs `streamforge args...` against `data` with `stdin` as its input.
pub fn run_with_input(data: &std::path::Path, args: &[&str], stdin: &str) -> std::process::Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = streamforge(data)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// `streamforge account add NAME` for the simulated panel, password on stdin.
pub fn add_sim_account(
    data: &std::path::Path,
    sim: &streamforge::sim::SimProvider,
    name: &str,
) -> std::process::Output {
    let config = sim.config();
    let args = [
        "account",
        "add",
        name,
        "--url",
        sim.base_url(),
        "--username",
        &config.username,
        "--password-stdin",
    ];
    run_with_input(data, &args, &config.password)
}
