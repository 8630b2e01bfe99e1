//! The config file: `serve` started with nothing but `--config FILE` takes its
//! listener, name and tuner count from it; SIGHUP applies an edited file
//! (`config show` naming the file and line), names the keys that need a
//! restart, and a file with a mistake keeps the running settings.
//! `config check` reports a bad file line by line.

use crate::common;

use std::path::Path;
use std::time::Duration;

/// How long a reload may take to show (a file read and a pointer swap).
const RELOAD_LIMIT: Duration = Duration::from_secs(20);

fn discover(server: &common::server::Server) -> serde_json::Value {
    common::http::get_json(&format!("{}/discover.json", server.base))
}

fn hangup(server: &common::server::Server) {
    let pid = server.pid() as libc::pid_t;
    // SAFETY: kill(2) with a plain signal on our own child.
    assert_eq!(
        unsafe { libc::kill(pid, libc::SIGHUP) },
        0,
        "SIGHUP to serve"
    );
}

fn events(data: &Path, kind: &str) -> Vec<String> {
    let out = common::process::cli(data, &["events", "--json", "--kind", kind]);
    out.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|e| e["detail"].as_str().map(String::from))
        .collect()
}

fn show(data: &Path, config: &str) -> serde_json::Value {
    let out = common::process::cli(data, &["--config", config, "config", "show", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("config show --json is JSON");
    let settings = v["settings"].as_array().expect("settings").clone();
    serde_json::Value::Array(settings)
}

fn setting<'a>(shown: &'a serde_json::Value, key: &str) -> &'a serde_json::Value {
    shown
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == key)
        .unwrap_or_else(|| panic!("config show lacks {key}: {shown}"))
}

#[test]
fn serve_runs_from_a_config_file_and_sighup_reloads_it() {
    let data = common::data_dir();
    let conf_dir = common::data_dir();
    let conf = conf_dir.path().join("streamforge.toml");
    let conf_s = conf.to_str().unwrap();
    let first = "listen = \"127.0.0.1:0\"\ndiscovery = false\nfriendly_name = \"Config One\"\ntuner_count = 2\n";
    std::fs::write(&conf, first).unwrap();
    let server = common::server::Server::start_exactly(data.path(), &["--config", conf_s, "serve"]);
    assert!(
        server.base.starts_with("http://127.0.0.1:"),
        "{}",
        server.base
    );
    let d = discover(&server);
    assert_eq!(d["FriendlyName"], "Config One");
    assert_eq!(d["TunerCount"], 2);
    assert!(
        server.stdout().contains("discovery: off"),
        "{}",
        server.stdout()
    );

    // An edited file: the name and tuner count change live, the failover
    // cool-down waits for a restart and says so.
    std::fs::write(
        &conf,
        "listen = \"127.0.0.1:0\"\ndiscovery = false\nfriendly_name = \"Config Two\"\ntuner_count = 3\n\n[relay]\nfailover_cooldown = 30\n",
    )
    .unwrap();
    hangup(&server);
    common::wait::wait_for_ok(
        "discover.json showing the reloaded file",
        RELOAD_LIMIT,
        || {
            let d = discover(&server);
            if d["FriendlyName"] == "Config Two" && d["TunerCount"] == 3 {
                Ok(())
            } else {
                Err(d.to_string())
            }
        },
    );
    let restart = events(data.path(), "config-restart-needed");
    assert!(
        restart
            .iter()
            .any(|d| d.contains("relay.failover_cooldown")),
        "{restart:?}"
    );
    let shown = show(data.path(), conf_s);
    let name = setting(&shown, "friendly_name");
    assert_eq!(name["value"], "Config Two");
    assert_eq!(name["origin"]["source"], "file");
    assert_eq!(name["origin"]["line"], 3);
    assert_eq!(name["origin"]["path"], conf_s);
    assert_eq!(
        setting(&shown, "relay.stall_timeout")["origin"]["source"],
        "default"
    );

    // A file with a mistake: refused as a whole, the running name stays.
    std::fs::write(
        &conf,
        "listen = \"127.0.0.1:0\"\ndiscovery = false\nfriendly_name = \"Config Three\"\n[relay]\nstall_timout = 1\n",
    )
    .unwrap();
    hangup(&server);
    let failed = common::wait::wait_for("a config-reload-failed event", RELOAD_LIMIT, || {
        events(data.path(), "config-reload-failed").pop()
    });
    assert!(
        failed.contains(":5: unknown key `stall_timout`; did you mean `stall_timeout`?"),
        "{failed}"
    );
    assert_eq!(discover(&server)["FriendlyName"], "Config Two");
    let err = common::process::cli_fails(data.path(), &["config", "check", conf_s]);
    assert!(
        err.contains(&format!(
            "{conf_s}:5: unknown key `stall_timout`; did you mean `stall_timeout`?"
        )),
        "{err}"
    );
    assert!(err.contains("1 problem in"), "{err}");
}

#[test]
fn flags_and_environment_outrank_the_file_in_config_show() {
    let data = common::data_dir();
    // The data dir's streamforge.toml is read without --config.
    std::fs::write(
        data.path().join("streamforge.toml"),
        "friendly_name = \"Den\"\n[camera]\nmax_streams = 4\ngrace = 2.5\n",
    )
    .unwrap();
    let mut cmd = common::process::streamforge(data.path());
    cmd.args(["config", "show"])
        .env("STREAM_MAX_CONCURRENT", "6")
        .env("STREAMFORGE_FRIENDLY_NAME", "Attic");
    let out = common::process::run_bounded(cmd, "", common::process::CLI_LIMIT).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let line = |key: &str| {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(key))
            .unwrap_or_else(|| panic!("no {key} in:\n{text}"))
            .to_string()
    };
    assert!(line("friendly_name").contains("\"Attic\""), "{text}");
    assert!(
        line("friendly_name").ends_with("env STREAMFORGE_FRIENDLY_NAME"),
        "{text}"
    );
    assert!(
        line("camera.max_streams").ends_with("env STREAM_MAX_CONCURRENT"),
        "{text}"
    );
    assert!(line("camera.grace").contains("2.5"), "{text}");
    assert!(
        line("camera.grace").ends_with("streamforge.toml:4"),
        "{text}"
    );
    assert!(line("listen").ends_with("default"), "{text}");

    // A bad value in the environment stops `serve` with one clear line.
    let mut cmd = common::process::streamforge(data.path());
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--no-discovery"])
        .env("STREAMFORGE_STALL_TIMEOUT", "soon");
    let out = common::process::run_bounded(cmd, "", common::process::CLI_LIMIT).unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.trim(),
        "error: environment STREAMFORGE_STALL_TIMEOUT: `relay.stall_timeout` must be a number of seconds from 0 to 3600, not \"soon\""
    );
}
