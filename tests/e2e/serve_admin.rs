//! While `serve` owns the data dir, the same commands reach it through the
//! admin API and print the same; calls without the token get 401 and change
//! nothing; `events --follow` streams new events.

use crate::common;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};
use streamforge_sim::SimProvider;

fn cli(data: &Path, args: &[&str], stdin: &str) -> (bool, String, String) {
    let out = common::run(data, args, stdin);
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (out.status.success(), text(out.stdout), text(out.stderr))
}

/// Raw HTTP to the admin API, for the token checks.
fn http(url: &str, method: &str, path: &str, token: Option<&str>, body: &str) -> (u16, String) {
    let addr = url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    let status = text.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, text)
}

#[test]
fn commands_reach_the_running_server_and_need_its_token() {
    let sim = SimProvider::start_blocking(common::test_panel());
    let local = common::data_dir();
    let remote = common::data_dir();
    // Same commands, once without a server and once through one.
    let local_add = common::add_panel_account(local.path(), &sim, "main", &[]);
    assert!(local_add.status.success());
    let server = common::Server::start(remote.path(), &[]);
    let remote_add = common::add_panel_account(remote.path(), &sim, "main", &[]);
    assert!(
        remote_add.status.success(),
        "{}",
        String::from_utf8_lossy(&remote_add.stderr)
    );
    assert_eq!(local_add.stdout, remote_add.stdout);
    for args in [
        &["sync", "--account", "main"][..],
        &["account", "list"],
        &["plugin", "list"],
    ] {
        let (_, a, _) = cli(local.path(), args, "");
        let (ok, b, err) = cli(remote.path(), args, "");
        assert!(ok, "{args:?}: {err}");
        assert_eq!(a, b, "{args:?}");
    }
    let (ok, _, err) = cli(remote.path(), &["account", "remove", "nobody"], "");
    assert!(
        !ok && err.contains("there is no account named `nobody`"),
        "{err}"
    );

    // No token, or a wrong one: 401, and nothing changes.
    let new = r#"{"name":"evil","provider":"xtream","url":"http://127.0.0.1:9","username":null,"password":null,"max_connections":null,"priority":0,"check":false}"#;
    assert_eq!(
        http(&server.url, "POST", "/api/v1/accounts", None, new).0,
        401
    );
    assert_eq!(
        http(&server.url, "POST", "/api/v1/accounts", Some("wrong"), new).0,
        401
    );
    assert_eq!(
        http(
            &server.url,
            "DELETE",
            "/api/v1/accounts/main",
            Some(&"0".repeat(64)),
            ""
        )
        .0,
        401
    );
    assert_eq!(
        http(&server.url, "GET", "/api/v1/accounts", None, "").0,
        401
    );
    let token = std::fs::read_to_string(remote.path().join("admin.token")).unwrap();
    let (status, body) = http(
        &server.url,
        "GET",
        "/api/v1/accounts",
        Some(token.trim()),
        "",
    );
    assert_eq!(status, 200);
    assert!(
        body.contains("\"main\"") && !body.contains("evil"),
        "{body}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(remote.path().join("admin.token"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // events --follow shows what happens next.
    let mut follow = common::streamforge(remote.path())
        .args(["events", "--follow"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = follow.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let (ok, _, _) = cli(remote.path(), &["account", "remove", "main"], "");
    assert!(ok);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = false;
    while let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        if line.contains("account-removed") {
            seen = true;
            break;
        }
    }
    let _ = follow.kill();
    let _ = follow.wait();
    assert!(seen, "events --follow saw the removal");
    drop(server);
}
