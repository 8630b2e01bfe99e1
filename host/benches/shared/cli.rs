//! What both relay benchmarks need from the `streamforge` binary: bounded CLI
//! runs and a data dir prepared against the simulated panel. Included by
//! each bench with `#[path = "shared/cli.rs"] mod shared_cli;`.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use streamforge::sim::SimProvider;

/// A child process killed (SIGKILL) and reaped on drop.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Where compiled plugins are cached between runs (shared with the tests).
pub fn plugin_cache() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("plugin-cache")
}

/// The `streamforge` binary, run against `data`.
pub fn streamforge(data: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_streamforge"));
    cmd.arg("--data-dir")
        .arg(data)
        .env("STREAMFORGE_CACHE", plugin_cache())
        .env_remove("STREAMFORGE_LOG");
    cmd
}

/// Runs a command to completion with `stdin` as its input; killed after `limit`.
pub fn run_with_timeout(mut cmd: Command, stdin: &str, limit: Duration) -> Result<Output, String> {
    let shown = format!("{cmd:?}");
    let child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    let mut child = Reaped(child);
    if let Some(mut input) = child.0.stdin.take() {
        let _ = input.write_all(stdin.as_bytes());
    }
    // The pipes are read on threads so a chatty child never blocks.
    let mut out = child.0.stdout.take().expect("piped");
    let mut err = child.0.stderr.take().expect("piped");
    let out_thread = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err_thread = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.0.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() > deadline => {
                return Err(format!("{shown} did not finish within {limit:?}"));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(format!("{shown}: {e}")),
        }
    };
    Ok(Output {
        status,
        stdout: out_thread.join().unwrap_or_default(),
        stderr: err_thread.join().unwrap_or_default(),
    })
}

/// `streamforge args...` against `data`; its stdout, or a panic saying why not.
pub fn cli(data: &Path, args: &[&str], stdin: &str) -> String {
    let mut cmd = streamforge(data);
    cmd.args(args);
    let out = run_with_timeout(cmd, stdin, Duration::from_secs(120))
        .unwrap_or_else(|e| panic!("streamforge {args:?}: {e}"));
    assert!(
        out.status.success(),
        "streamforge {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// A data dir with the panel as account `main` (`max_connections`), its
/// guide, synced and matched.
pub fn prepare_data_dir(
    sim: &SimProvider,
    prefix: &str,
    max_connections: u32,
) -> tempfile::TempDir {
    let data = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .expect("a temp dir");
    let config = sim.config();
    let limit = max_connections.to_string();
    let add = [
        "account",
        "add",
        "main",
        "--url",
        sim.base_url(),
        "--username",
        &config.username,
        "--password-stdin",
        "--max-connections",
        &limit,
    ];
    cli(data.path(), &add, &config.password);
    cli(
        data.path(),
        &["guide", "add", "panel", &sim.xmltv_url()],
        "",
    );
    cli(data.path(), &["sync"], "");
    cli(data.path(), &["match"], "");
    data
}
