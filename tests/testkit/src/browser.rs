//! A real headless browser for the pages StreamForge serves: Debian's
//! Chromium driven through `chromedriver` with the W3C WebDriver protocol
//! (plain JSON over loopback HTTP, so no WebDriver crate). A missing browser
//! or driver fails the test, naming the Debian packages; the driver and every
//! browser process it started are killed and reaped on drop.

use crate::process::Reaped;
use serde_json::{json, Value};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

/// What the browser needs (`scripts/setup` installs them), named when it cannot start.
pub const PACKAGES: &str = "chromium chromium-driver";

/// How long `chromedriver` may take to answer its status, and Chromium to start.
const START_LIMIT: Duration = Duration::from_secs(60);

/// The bound on one WebDriver command (a navigation waits for the page's load).
const COMMAND_LIMIT: Duration = Duration::from_secs(60);

/// The key WebDriver names an element's id by (W3C).
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long closing the session may take on drop before everything is killed.
const QUIT_LIMIT: Duration = Duration::from_secs(10);

/// A headless Chromium window with one WebDriver session; on drop the
/// session is closed and `chromedriver`'s whole process group is killed.
pub struct Browser {
    /// `chromedriver`, leader of its own process group (Chromium's processes join it).
    driver: Reaped,
    client: reqwest::blocking::Client,
    /// `http://127.0.0.1:PORT/session/ID`.
    session: String,
    _profile: tempfile::TempDir,
    log: PathBuf,
    _log_dir: tempfile::TempDir,
}

impl Browser {
    /// Starts `chromedriver` on a free loopback port and a headless Chromium
    /// with a `width`×`height` window. Fails, naming the Debian packages, when
    /// either is missing.
    pub fn start(width: u32, height: u32) -> Browser {
        let chromium = find(&["chromium", "chromium-browser"]).unwrap_or_else(|| {
            panic!("no chromium on PATH: install the Debian packages {PACKAGES} (scripts/setup)")
        });
        let chromedriver = find(&["chromedriver"]).unwrap_or_else(|| {
            panic!(
                "no chromedriver on PATH: install the Debian packages {PACKAGES} (scripts/setup)"
            )
        });
        let port = free_port();
        let log_dir = tempfile::tempdir().expect("a temp dir for the chromedriver log");
        let log = log_dir.path().join("chromedriver.log");
        let child = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own group, so drop can kill Chromium with it.
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run {}: {e}; install the Debian packages {PACKAGES}",
                    chromedriver.display()
                )
            });
        let profile = tempfile::Builder::new()
            .prefix("sf-chromium-")
            .tempdir()
            .expect("a temp dir for the browser profile");
        let client = reqwest::blocking::Client::builder()
            .no_proxy()
            .timeout(COMMAND_LIMIT)
            .build()
            .expect("an HTTP client");
        let mut browser = Browser {
            driver: Reaped(child),
            client,
            session: String::new(),
            _profile: profile,
            log,
            _log_dir: log_dir,
        };
        let base = format!("http://127.0.0.1:{port}");
        crate::wait::wait_for_ok("chromedriver answering /status", START_LIMIT, || {
            if let Ok(Some(status)) = browser.driver.0.try_wait() {
                panic!(
                    "chromedriver exited ({status}) before serving; its log:\n{}",
                    browser.log_tail()
                );
            }
            let status: Value = browser
                .client
                .get(format!("{base}/status"))
                .timeout(Duration::from_secs(2))
                .send()
                .and_then(|r| r.json())
                .map_err(|e| e.to_string())?;
            if status["value"]["ready"] == true {
                Ok(())
            } else {
                Err(status.to_string())
            }
        });
        let args = [
            "--headless=new".to_string(),
            "--no-sandbox".to_string(),
            "--disable-gpu".to_string(),
            "--disable-dev-shm-usage".to_string(),
            "--no-first-run".to_string(),
            // Pages may name outside hosts (channel logos): tests stay on loopback.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1".to_string(),
            format!("--window-size={width},{height}"),
            format!("--user-data-dir={}", browser._profile.path().display()),
        ];
        let created = browser.command(
            "POST",
            &format!("{base}/session"),
            json!({"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {"binary": chromium, "args": args},
            }}}),
        );
        let id = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session id from chromedriver: {created}"));
        browser.session = format!("{base}/session/{id}");
        browser
    }

    /// Navigates to `url` and waits (bounded) for its load event.
    pub fn open(&self, url: &str) {
        self.command("POST", &self.at("/url"), json!({ "url": url }));
    }

    /// Runs `script` (a function body: `return ...;`) in the page with
    /// `args` (`arguments[0]`, ...); its JSON result.
    pub fn script(&self, script: &str, args: &[Value]) -> Value {
        self.command(
            "POST",
            &self.at("/execute/sync"),
            json!({ "script": script, "args": args }),
        )
    }

    /// Evaluates the expression `expr` in the page; its JSON value.
    pub fn eval(&self, expr: &str) -> Value {
        self.script(&format!("return ({expr});"), &[])
    }

    /// Polls `expr` until it is `true`, for at most `limit`; when the
    /// deadline passes the test fails with `what` and the value of `shown`.
    pub fn wait_true(&self, what: &str, limit: Duration, expr: &str, shown: &str) {
        crate::wait::wait_for_ok(what, limit, || {
            if self.eval(expr) == true {
                Ok(())
            } else {
                Err(self.eval(shown).to_string())
            }
        });
    }

    /// Chooses the file at `path` in the page's file input `css` (as a
    /// person picking it in the file dialog; the form is not submitted).
    pub fn choose_file(&self, css: &str, path: &std::path::Path) {
        let found = self.command(
            "POST",
            &self.at("/element"),
            json!({ "using": "css selector", "value": css }),
        );
        let id = found[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {found}"));
        self.command(
            "POST",
            &self.at(&format!("/element/{id}/value")),
            json!({ "text": path.display().to_string() }),
        );
    }

    /// The window as a PNG.
    pub fn screenshot(&self) -> Vec<u8> {
        let value = self.command("GET", &self.at("/screenshot"), Value::Null);
        let text = value
            .as_str()
            .unwrap_or_else(|| panic!("a screenshot is base64 text, not {value}"));
        base64_decode(text)
    }

    /// Resizes the window (its outer size) to `width`×`height`.
    pub fn resize(&self, width: u32, height: u32) {
        self.command(
            "POST",
            &self.at("/window/rect"),
            json!({ "width": width, "height": height }),
        );
    }

    /// The last lines of `chromedriver`'s log (for failure messages).
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    fn at(&self, path: &str) -> String {
        format!("{}{path}", self.session)
    }

    /// One WebDriver command; its `value`. An error answer fails the test with
    /// WebDriver's error and message.
    fn command(&self, method: &str, url: &str, body: Value) -> Value {
        let req = match method {
            "GET" => self.client.get(url),
            "DELETE" => self.client.delete(url),
            _ => self.client.post(url).json(&body),
        };
        let answer = req
            .send()
            .unwrap_or_else(|e| panic!("WebDriver {method} {url}: {e}"));
        let status = answer.status();
        let v: Value = answer
            .json()
            .unwrap_or_else(|e| panic!("WebDriver {method} {url}: {status}, not JSON: {e}"));
        if !status.is_success() {
            panic!(
                "WebDriver {method} {url}: {status}: {} {}",
                v["value"]["error"],
                v["value"]["message"].as_str().unwrap_or_default()
            );
        }
        v["value"].clone()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            // Chromium quits cleanly and chromedriver reaps it.
            let _ = self.client.delete(&self.session).timeout(QUIT_LIMIT).send();
        }
        // Whatever is left of the group (a hung Chromium, its helpers).
        let group = self.driver.pid() as libc::pid_t;
        // SAFETY: kill(2) with a negative pid signals that process group only.
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
        // `Reaped` then kills and reaps chromedriver itself.
    }
}

/// The first of `names` found on PATH.
fn find(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// A loopback port free a moment ago (chromedriver takes a port, not a socket).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// Standard base64 (with or without padding) to bytes.
fn base64_decode(text: &str) -> Vec<u8> {
    let sextet = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {:?}", c as char),
        }
    };
    let clean: Vec<u8> = text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
        .collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &c)| n | sextet(c) << (18 - 6 * i));
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    out
}
