//! Helpers for the relay's tests: a data dir prepared against the simulated
//! panel, a blocking HTTP client, lineup and status lookups, viewers.
#![allow(dead_code)]

use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};
use streamforge::sim::SimProvider;

/// Runs a CLI command that must succeed; its stdout.
pub fn cli(data: &Path, args: &[&str]) -> String {
    let out = super::run_with_input(data, args, "");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The panel as account `main` (with `--max-connections`), its guide, synced and matched.
pub fn prepared(sim: &SimProvider, max_connections: u32) -> tempfile::TempDir {
    let data = super::data_dir();
    let config = sim.config();
    let limit = max_connections.to_string();
    let out = super::run_with_input(
        data.path(),
        &[
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
        ],
        &config.password,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    cli(data.path(), &["guide", "add", "panel", &sim.xmltv_url()]);
    cli(data.path(), &["sync"]);
    cli(data.path(), &["match"]);
    data
}

/// A blocking client for loopback (no proxy, bounded).
pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// `GuideNumber` of the lineup channel called `name`.
pub fn number_of(base: &str, name: &str) -> String {
    let lineup: serde_json::Value = client()
        .get(format!("{base}/lineup.json"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    lineup
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["GuideName"] == name)
        .unwrap_or_else(|| panic!("{name} is not in the lineup: {lineup}"))["GuideNumber"]
        .as_str()
        .unwrap()
        .to_string()
}

/// `/api/v1/status` of the running server.
pub fn status(server: &super::Server, data: &Path) -> serde_json::Value {
    let token = std::fs::read_to_string(data.join("admin.token")).unwrap();
    client()
        .get(format!("{}/api/v1/status", server.url))
        .bearer_auth(token.trim())
        .send()
        .unwrap()
        .json()
        .unwrap()
}

/// `/metrics` of the running server.
pub fn metrics(server: &super::Server) -> String {
    client()
        .get(format!("{}/metrics", server.base))
        .send()
        .unwrap()
        .text()
        .unwrap()
}

/// A viewer reading in its own thread: every byte until `until`, and
/// whether the body ended (cleanly) before then.
pub fn viewer(url: String, until: Instant) -> std::thread::JoinHandle<(Vec<u8>, bool)> {
    std::thread::spawn(move || {
        let mut resp = client().get(url).send().unwrap();
        assert_eq!(resp.status(), 200);
        let mut all = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        while Instant::now() < until {
            match resp.read(&mut buf) {
                Ok(0) => return (all, true),
                Ok(n) => all.extend_from_slice(&buf[..n]),
                Err(e) => panic!("the viewer's connection broke: {e}"),
            }
        }
        (all, false)
    })
}

/// Waits for a child process (e.g. ffmpeg) with a deadline; its stderr and success.
pub fn finish(mut child: std::process::Child, limit: Duration) -> (bool, String) {
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "the process did not finish within {limit:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `ffmpeg` decoding `url` for `seconds` to nowhere, reporting only errors
/// (on its stderr, for [`finish`]).
pub fn decode(url: &str, seconds: u32) -> std::process::Child {
    std::process::Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-v", "error", "-i", url, "-t"])
        .arg(seconds.to_string())
        .args(["-f", "null", "-"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("ffmpeg is needed: apt-get install ffmpeg")
}
