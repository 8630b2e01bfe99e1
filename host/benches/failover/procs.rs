//! The processes the bench starts: `streamforge` CLI commands (bounded, and
//! killed if they overrun) and `streamforge serve` (killed and reaped on
//! every path out, panics included).

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

pub use crate::shared_cli::cli;
use crate::shared_cli::streamforge;

/// A child process killed (SIGKILL) and reaped on drop.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A running `streamforge serve` (loopback, discovery off), killed and reaped on drop.
pub struct Server {
    child: Reaped,
    /// The admin API's URL.
    pub url: String,
    /// The tuner's BaseURL.
    pub base: String,
    /// The admin API's bearer token.
    pub token: String,
    log: PathBuf,
}

impl Server {
    /// Starts `serve` with `extra` options and waits (bounded) until it says where it is.
    pub fn start(data: &Path, extra: &[&str], log: PathBuf) -> Server {
        let _ = std::fs::remove_file(data.join("server.json"));
        let log_file = std::fs::File::create(&log).expect("server log file");
        let child = streamforge(data)
            .args(["serve", "--listen", "127.0.0.1:0", "--no-discovery"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .expect("streamforge serve starts");
        // Owned by the guard at once: killed on every path from here.
        let mut server = Server {
            child: Reaped(child),
            url: String::new(),
            base: String::new(),
            token: String::new(),
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Err(e) = server.check_alive() {
                panic!("{e}");
            }
            if let Ok(text) = std::fs::read_to_string(data.join("server.json")) {
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
                    server.url = v["url"].as_str().unwrap_or_default().to_string();
                    server.base = v["base_url"].as_str().unwrap_or_default().to_string();
                    if !server.url.is_empty() && !server.base.is_empty() {
                        break;
                    }
                }
            }
            assert!(Instant::now() < deadline, "serve did not start within 60 s");
            std::thread::sleep(Duration::from_millis(20));
        }
        server.token = std::fs::read_to_string(data.join("admin.token"))
            .expect("admin.token next to server.json")
            .trim()
            .to_string();
        server
    }

    /// Fails (with the end of its log) when the server has exited.
    pub fn check_alive(&mut self) -> Result<(), String> {
        match self.child.0.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => Err(format!(
                "streamforge serve exited ({status}); its log ends:\n{}",
                self.log_tail()
            )),
            Err(e) => Err(format!("streamforge serve: {e}")),
        }
    }

    /// The last lines the server wrote to stderr.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}
