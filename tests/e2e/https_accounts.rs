//! Panels over HTTPS: an account's own CA (stored with it, the file may go),
//! its User-Agent and headers on API calls and streams, and an untrusted
//! certificate refused with a line that names the account and the fix.

use crate::common::{self, cli, number_of, run};
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use streamforge_sim::SimProvider;
use streamforge_testkit::tls::TlsFront;

const UA: &str = "SFTest-Player/2.5";
const HEADER_VALUE: &str = "hk-5e3c7e7-value";

/// `account add main` for the panel behind `front`, with `extra` flags.
fn add(data: &Path, sim: &SimProvider, front: &TlsFront, extra: &[&str]) -> std::process::Output {
    let config = sim.config();
    let url = front.url();
    let mut args = vec![
        "account",
        "add",
        "main",
        "--url",
        &url,
        "--username",
        &config.username,
        "--password-stdin",
        "--max-connections",
        "2",
    ];
    args.extend_from_slice(extra);
    run(data, &args, &config.password)
}

/// (codec, width, height) of the first video stream ffprobe finds at `url`.
fn probe(url: &str) -> (String, u64, u64) {
    let mut cmd = Command::new("ffprobe");
    cmd.args([
        "-v",
        "error",
        "-select_streams",
        "v:0",
        "-show_entries",
        "stream=codec_name,width,height",
        "-of",
        "json",
        url,
    ]);
    let out = common::process::run_bounded(cmd, "", Duration::from_secs(30))
        .unwrap_or_else(|e| panic!("{e} (install it with `apt-get install ffmpeg`)"));
    assert!(
        out.status.success(),
        "ffprobe {url}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &v["streams"][0];
    (
        s["codec_name"].as_str().unwrap_or_default().to_string(),
        s["width"].as_u64().unwrap_or(0),
        s["height"].as_u64().unwrap_or(0),
    )
}

#[test]
fn an_https_panel_with_its_own_ca_syncs_and_plays_with_the_accounts_headers() {
    let sim = SimProvider::start_blocking(common::test_panel());
    let front = TlsFront::start(sim.port());
    let data = common::paths::data_dir();
    let files = tempfile::tempdir().unwrap();
    let ca = files.path().join("ca.pem");
    std::fs::write(&ca, front.ca_pem()).unwrap();
    let header = format!("X-Panel-Key: {HEADER_VALUE}");
    let out = add(
        data.path(),
        &sim,
        &front,
        &[
            "--ca-file",
            ca.to_str().unwrap(),
            "--user-agent",
            UA,
            "--header",
            &header,
        ],
    );
    assert!(
        out.status.success(),
        "account add over HTTPS with its CA: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The CA is stored with the account: the file may go.
    std::fs::remove_file(&ca).unwrap();
    cli(data.path(), &["guide", "add", "panel", &sim.xmltv_url()]);
    let synced = cli(data.path(), &["sync"]);
    assert!(synced.contains("account main: 20 channels"), "{synced}");
    cli(data.path(), &["match"]);

    let seen = front.seen();
    assert!(
        seen.contains("get /player_api.php"),
        "API calls went through TLS"
    );
    assert!(
        seen.contains(&format!("user-agent: {}", UA.to_ascii_lowercase())),
        "the account's User-Agent reached the panel"
    );
    assert!(
        seen.contains(&format!("x-panel-key: {HEADER_VALUE}")),
        "the account's header reached the panel"
    );
    assert!(
        !seen.contains("user-agent: streamforge/"),
        "the account's User-Agent replaces StreamForge's own"
    );

    // Listing shows the header's name, never its value (it may be a token).
    let list = cli(data.path(), &["account", "list", "--json"]);
    assert!(list.contains("X-Panel-Key"), "{list}");
    assert!(list.contains("\"has_ca\": true"), "{list}");
    assert!(!list.contains(HEADER_VALUE), "{list}");
    assert!(!list.contains(&sim.config().password), "{list}");

    let server = common::Server::start(data.path(), &["--idle-grace", "0"]);
    let erste = number_of(&server.base, "Das Erste");
    let (codec, w, h) = probe(&format!("{}/stream/{erste}", server.base));
    assert_eq!(
        (codec.as_str(), w, h),
        ("h264", 1920, 1080),
        "FHD plays over HTTPS"
    );
    let seen = front.seen();
    let stream_request = seen
        .split("\r\n\r\n")
        .find(|head| head.starts_with("get /live/"))
        .unwrap_or_else(|| panic!("no stream request went through TLS"));
    assert!(
        stream_request.contains(&format!("user-agent: {}", UA.to_ascii_lowercase())),
        "the stream request carries the account's User-Agent"
    );
    assert!(
        stream_request.contains(&format!("x-panel-key: {HEADER_VALUE}")),
        "the stream request carries the account's header"
    );
    let log = server.log();
    assert!(!log.contains(&sim.config().password));
    assert!(
        !log.contains(HEADER_VALUE),
        "header values stay out of the log"
    );
}

#[test]
fn an_untrusted_panel_is_refused_with_the_account_and_the_fix() {
    let sim = SimProvider::start_blocking(common::test_panel());
    let front = TlsFront::start(sim.port());
    let data = common::paths::data_dir();

    // Checked at add: refused, nothing stored.
    let out = add(data.path(), &sim, &front, &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("account `main`")
            && err.contains("not trusted (unknown issuer)")
            && err.contains("streamforge account set main --ca-file"),
        "{err}"
    );
    assert!(!err.contains(&sim.config().password), "{err}");
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "one error line: {err}");
    assert!(errors[0].contains("--ca-file"), "{err}");
    let list = cli(data.path(), &["account", "list", "--json"]);
    assert_eq!(list.trim(), "[]", "nothing stored");

    // Stored without the check, sync says the same; never silently insecure.
    let out = add(data.path(), &sim, &front, &["--no-check"]);
    assert!(out.status.success());
    let out = run(data.path(), &["sync"], "");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(
        text.contains("account `main`") && text.contains("--ca-file"),
        "{text}"
    );
    assert!(
        !front.seen().contains("get /player_api.php"),
        "no request left"
    );

    // A file that is no CA is refused and changes nothing.
    let files = tempfile::tempdir().unwrap();
    let bad = files.path().join("bad.pem");
    std::fs::write(&bad, "not a certificate").unwrap();
    let out = run(
        data.path(),
        &["account", "set", "main", "--ca-file", bad.to_str().unwrap()],
        "",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("PEM"), "{err}");
    let list = cli(data.path(), &["account", "list", "--json"]);
    assert!(list.contains("\"has_ca\": false"), "{list}");

    // `account set --ca-file` fixes it.
    let ca = files.path().join("ca.pem");
    std::fs::write(&ca, front.ca_pem()).unwrap();
    let set = cli(
        data.path(),
        &["account", "set", "main", "--ca-file", ca.to_str().unwrap()],
    );
    assert!(set.contains("CA stored"), "{set}");
    let synced = cli(data.path(), &["sync"]);
    assert!(synced.contains("account main: 20 channels"), "{synced}");
    assert!(front.seen().contains("get /player_api.php"));
}
