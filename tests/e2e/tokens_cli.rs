//! `streamforge token issue | rotate-key` as a user runs them: the real
//! binary on a fresh data dir, the JWT as the only stdout line, a rotation
//! that the library's verifier then enforces, bad input refused in one line.

use crate::common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use std::path::Path;
use std::process::Output;
use streamforge::data_dir::DataDir;
use streamforge::tokens::{TokenError, TokenKeys};

/// `streamforge args...` with debug logging, so a leaked token would show.
fn run(data: &Path, args: &[&str]) -> Output {
    let mut cmd = common::streamforge(data);
    cmd.args(args).env("STREAMFORGE_LOG", "debug");
    common::process::run_bounded(cmd, "", common::process::CLI_LIMIT)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Issues a token; checks stdout is that one line and stderr never shows it.
fn issue(data: &Path, args: &[&str]) -> String {
    let mut all = vec!["token", "issue"];
    all.extend_from_slice(args);
    let out = run(data, &all);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{all:?} failed: {stderr}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "want exactly one line: {stdout:?}");
    assert!(stdout.ends_with('\n'));
    let token = lines[0].to_string();
    let signature = token.rsplit('.').next().unwrap();
    assert!(
        !stderr.contains(signature),
        "stderr shows the token: {stderr}"
    );
    token
}

/// The decoded payload; checks the token is three base64url parts.
fn payload(token: &str) -> serde_json::Value {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "{token}");
    for part in &parts {
        assert!(
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "not base64url: {part}"
        );
    }
    let header: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(header["alg"], "HS256");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap()
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The verifier a server would use on this data dir.
fn keys(data: &Path) -> TokenKeys {
    TokenKeys::open(&DataDir::new(data)).unwrap()
}

#[test]
fn issue_prints_one_jwt_for_the_cameras_asked() {
    let dir = common::data_dir();
    let token = issue(dir.path(), &["--camera", "front", "--ttl", "10m"]);
    let claims = payload(&token);
    assert_eq!(claims["cameras"], serde_json::json!(["front"]));
    assert_eq!(claims["sub"], "cli");
    let exp = claims["exp"].as_u64().unwrap();
    assert!(exp.abs_diff(now() + 600) <= 5, "exp {exp}, now {}", now());
    assert_eq!(exp - claims["iat"].as_u64().unwrap(), 600);

    let verified = keys(dir.path()).verify(&token).unwrap();
    assert!(verified.allows("front") && !verified.allows("yard"));

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(dir.path().join("jwt.key")).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    }

    // No --camera: every camera; no --ttl: an hour. Several --camera: all of them.
    let all = payload(&issue(dir.path(), &[]));
    assert_eq!(all["cameras"], "*");
    assert_eq!(
        all["exp"].as_u64().unwrap() - all["iat"].as_u64().unwrap(),
        3600
    );
    let two = payload(&issue(dir.path(), &["--camera", "a", "--camera", "b"]));
    assert_eq!(two["cameras"], serde_json::json!(["a", "b"]));
}

#[test]
fn rotate_key_stops_every_issued_token() {
    let dir = common::data_dir();
    let old = issue(dir.path(), &["--camera", "front", "--ttl", "10m"]);
    assert!(keys(dir.path()).verify(&old).is_ok());

    let out = run(dir.path(), &["token", "rotate-key"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8(out.stdout).unwrap();
    assert_eq!(said.lines().count(), 1, "{said}");
    assert!(said.contains("stopped working"), "{said}");

    let refused = keys(dir.path()).verify(&old).unwrap_err();
    assert!(matches!(refused, TokenError::Forged), "{refused:?}");
    let new = issue(dir.path(), &["--camera", "front"]);
    assert!(keys(dir.path()).verify(&new).is_ok());
}

#[test]
fn bad_ttl_or_camera_is_one_clear_error() {
    let dir = common::data_dir();
    for (args, says) in [
        (vec!["--ttl", "soon"], "not a duration"),
        (vec!["--ttl", "0s"], "at least 1s"),
        (vec!["--ttl", "400d"], "at most 365d"),
        (vec!["--camera", "a/b"], "not a camera id"),
    ] {
        let mut all = vec!["token", "issue"];
        all.extend_from_slice(&args);
        let out = run(dir.path(), &all);
        assert!(!out.status.success(), "{all:?} should fail");
        assert!(out.stdout.is_empty(), "{all:?} printed a token");
        let err = String::from_utf8(out.stderr).unwrap();
        let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
        assert_eq!(lines.len(), 1, "want one error line: {err}");
        assert!(lines[0].contains(says), "{all:?}: {}", lines[0]);
    }
}
