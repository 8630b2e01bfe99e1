//! `streamforge serve` as a child process: started on a free loopback port
//! with discovery off, waited for (bounded), and killed and reaped on drop.
//! What it prints is kept (stdout and stderr apart) for tests to read.

use crate::process::{streamforge, Reaped};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

/// How long `serve` may take to say where it listens.
const START_LIMIT: Duration = Duration::from_secs(60);

/// How long the relay may take to give everything back after the last viewer.
const RELEASE_LIMIT: Duration = Duration::from_secs(10);

/// A running `streamforge serve`, killed and reaped on drop.
pub struct Server {
    child: Reaped,
    /// The admin API's loopback URL.
    pub url: String,
    /// The tuner's BaseURL.
    pub base: String,
    /// The admin API's bearer token.
    pub token: String,
    log: PathBuf,
    out: PathBuf,
    _log_dir: tempfile::TempDir,
}

impl Server {
    /// Starts `serve` on `data` with `extra` options (and `STREAMFORGE_LOG`
    /// from `log_level`, when given), waiting until it writes `server.json`.
    pub fn start_with(data: &Path, extra: &[&str], log_level: Option<&str>) -> Server {
        let mut args = vec!["serve", "--listen", "127.0.0.1:0", "--no-discovery"];
        args.extend_from_slice(extra);
        Server::spawn(data, &args, log_level, None)
    }

    /// [`Server::start`] in a process whose open-file limit (soft and hard)
    /// is `open_files`, as under `ulimit -n` on a small system.
    pub fn start_with_open_files(data: &Path, extra: &[&str], open_files: u64) -> Server {
        let mut args = vec!["serve", "--listen", "127.0.0.1:0", "--no-discovery"];
        args.extend_from_slice(extra);
        Server::spawn(data, &args, None, Some(open_files))
    }

    /// Runs `streamforge ARGS` (which must start a server, e.g. `--config
    /// FILE serve`) with nothing added: the caller keeps it on loopback and
    /// discovery off.
    pub fn start_exactly(data: &Path, args: &[&str]) -> Server {
        Server::spawn(data, args, None, None)
    }

    /// [`Server::start_exactly`] with `STREAMFORGE_LOG` set to `log_level`.
    pub fn start_exactly_with(data: &Path, args: &[&str], log_level: &str) -> Server {
        Server::spawn(data, args, Some(log_level), None)
    }

    fn spawn(
        data: &Path,
        args: &[&str],
        log_level: Option<&str>,
        open_files: Option<u64>,
    ) -> Server {
        let _ = std::fs::remove_file(data.join("server.json"));
        let log_dir = tempfile::tempdir().expect("a temp dir for the server log");
        let log = log_dir.path().join("serve.log");
        let log_file = std::fs::File::create(&log).expect("the server log file");
        let out = log_dir.path().join("serve.out");
        let out_file = std::fs::File::create(&out).expect("the server output file");
        let mut cmd = streamforge(data);
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(out_file)
            .stderr(log_file);
        if let Some(level) = log_level {
            cmd.env("STREAMFORGE_LOG", level);
        }
        if let Some(limit) = open_files {
            use std::os::unix::process::CommandExt;
            // SAFETY: only setrlimit, async-signal-safe, runs between fork and exec.
            unsafe {
                cmd.pre_exec(move || {
                    let rl = libc::rlimit {
                        rlim_cur: limit as libc::rlim_t,
                        rlim_max: limit as libc::rlim_t,
                    };
                    if libc::setrlimit(libc::RLIMIT_NOFILE, &rl) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        let child = cmd.spawn().expect("streamforge serve starts");
        // Owned by the guard at once: killed on every path from here.
        let mut server = Server {
            child: Reaped(child),
            url: String::new(),
            base: String::new(),
            token: String::new(),
            log,
            out,
            _log_dir: log_dir,
        };
        let (url, base) = crate::wait::wait_for("serve writing server.json", START_LIMIT, || {
            if let Err(e) = server.check_alive() {
                panic!("{e}");
            }
            let text = std::fs::read_to_string(data.join("server.json")).ok()?;
            let v: serde_json::Value = serde_json::from_str(&text).ok()?;
            let url = v["url"].as_str().filter(|s| !s.is_empty())?.to_string();
            let base = v["base_url"]
                .as_str()
                .filter(|s| !s.is_empty())?
                .to_string();
            Some((url, base))
        });
        server.url = url;
        server.base = base;
        server.token = std::fs::read_to_string(data.join("admin.token"))
            .expect("admin.token next to server.json")
            .trim()
            .to_string();
        server
    }

    /// Starts `serve` on `data` with `extra` options.
    pub fn start(data: &Path, extra: &[&str]) -> Server {
        Server::start_with(data, extra, None)
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.pid()
    }

    /// The child process itself (to signal or wait for it).
    pub fn child(&mut self) -> &mut std::process::Child {
        &mut self.child.0
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

    /// Everything the server wrote to stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Everything the server printed on stdout so far.
    pub fn stdout(&self) -> String {
        std::fs::read_to_string(&self.out).unwrap_or_default()
    }

    /// The last lines the server wrote to stderr.
    pub fn log_tail(&self) -> String {
        let text = self.log();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// `GET` an admin API path (`/api/v1/...`) with the token; its JSON.
    pub fn api(&self, path: &str) -> serde_json::Value {
        crate::http::client()
            .get(format!("{}{path}", self.url))
            .bearer_auth(&self.token)
            .send()
            .and_then(|r| r.error_for_status())
            .and_then(|r| r.json())
            .unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// `/api/v1/status`.
    pub fn status(&self) -> serde_json::Value {
        self.api("/api/v1/status")
    }

    /// `/metrics` as text (with the admin token, which it needs).
    pub fn metrics(&self) -> String {
        crate::http::client()
            .get(format!("{}/metrics", self.base))
            .bearer_auth(&self.token)
            .send()
            .and_then(|r| r.text())
            .unwrap_or_else(|e| panic!("/metrics: {e}"))
    }

    /// The value of an unlabelled counter or gauge in `/metrics` (0 when absent).
    pub fn metric(&self, name: &str) -> u64 {
        self.metrics()
            .lines()
            .find_map(|l| {
                l.strip_prefix(name)?
                    .strip_prefix(' ')?
                    .trim()
                    .parse::<f64>()
                    .ok()
            })
            .map_or(0, |v| v as u64)
    }

    /// Waits (bounded) until the relay holds no channel, tuner or account
    /// connection; fails with the last status seen.
    pub fn wait_released(&self) {
        crate::wait::wait_for_ok("the relay giving everything back", RELEASE_LIMIT, || {
            let s = self.status();
            let accounts_idle = s["accounts"]
                .as_array()
                .is_some_and(|a| a.iter().all(|a| a["in_use"] == 0));
            let no_session = s["sessions"].as_array().is_some_and(|s| s.is_empty());
            if no_session && s["tuners_in_use"] == 0 && accounts_idle {
                Ok(())
            } else {
                Err(format!("still held: {s}"))
            }
        });
    }
}

/// The guide numbers of `main`'s lineup in data dir `data`, in lineup order,
/// read from the `lineup.json` of a server started for the purpose (stopped
/// before this returns, so the data dir is free again).
pub fn served_numbers(data: &Path) -> Vec<String> {
    let server = Server::start(data, &[]);
    crate::http::get_json(&format!("{}/lineup.json", server.base))
        .as_array()
        .expect("lineup.json is a list")
        .iter()
        .map(|e| e["GuideNumber"].as_str().unwrap_or_default().to_string())
        .collect()
}
