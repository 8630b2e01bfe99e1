//! Reading `player_api.php` account answers from various panels.

use streamforge_plugin_xtream::account::parse_account;
use streamforge_plugin_xtream::model::{Account, Response};

fn read(status: u16, body: &str) -> Result<Account, String> {
    parse_account(&[Response {
        purpose: "account",
        status,
        body: body.as_bytes(),
    }])
}

#[test]
fn typical_active_account() {
    let body = r#"{"user_info":{"username":"{username}","password":"{password}","message":"Welcome","auth":1,
        "status":"Active","exp_date":"1767225600","is_trial":"0","active_cons":"1","created_at":"1600000000",
        "max_connections":"2","allowed_output_formats":["m3u8","ts","rtmp"]},
        "server_info":{"url":"panel.example","port":"8080","https_port":"8443","server_protocol":"http",
        "rtmp_port":"8880","timezone":"Europe/London","timestamp_now":1700000000,"time_now":"2023-11-14 22:13:20"}}"#;
    let a = read(200, body).unwrap();
    assert_eq!(
        a,
        Account {
            authenticated: true,
            status: "Active".into(),
            expires_at: Some(1_767_225_600),
            max_connections: Some(2),
            active_connections: Some(1),
            formats: vec!["m3u8".into(), "ts".into(), "rtmp".into()],
        }
    );
}

#[test]
fn numbers_strings_bools_and_nulls() {
    let a = read(
        200,
        r#"{"user_info":{"auth":"1","status":"Expired","exp_date":1700000000,"max_connections":1,"active_cons":0,"allowed_output_formats":"ts, M3U8"}}"#,
    )
    .unwrap();
    assert!(a.authenticated);
    assert_eq!(
        (a.status.as_str(), a.expires_at),
        ("Expired", Some(1_700_000_000))
    );
    assert_eq!(
        (a.max_connections, a.active_connections),
        (Some(1), Some(0))
    );
    assert_eq!(a.formats, ["ts", "m3u8"]);

    let b = read(
        200,
        r#"{"user_info":{"auth":true,"exp_date":null,"max_connections":null,"active_cons":"x"}}"#,
    )
    .unwrap();
    assert!(b.authenticated);
    assert_eq!(
        (b.expires_at, b.max_connections, b.active_connections),
        (None, None, None)
    );
    assert_eq!(b.status, "Unknown");
    assert!(b.formats.is_empty());

    let unlimited = read(
        200,
        r#"{"user_info":{"auth":1,"status":"Active","exp_date":"0"}}"#,
    )
    .unwrap();
    assert_eq!(unlimited.expires_at, None);
}

#[test]
fn auth_zero_is_ok_but_not_authenticated() {
    for body in [
        r#"{"user_info":{"auth":0}}"#,
        r#"{"user_info":{"auth":"0","status":"Disabled"}}"#,
        r#"{"user_info":{"auth":false}}"#,
    ] {
        let a = read(200, body).unwrap();
        assert!(!a.authenticated, "{body}");
    }
}

#[test]
fn errors_are_short_lines_without_urls() {
    let cases: &[(u16, &str, &str)] = &[
        (401, "", "the panel refused these credentials (HTTP 401)"),
        (403, "<html><title>Forbidden</title></html>", "the panel refused these credentials (HTTP 403)"),
        (404, "", "HTTP 404"),
        (200, "<!DOCTYPE html><html><head><title>Site Maintenance</title></head><body>See https://status.example/x</body></html>", "not JSON: an HTML page titled \"Site Maintenance\""),
        (200, "Server busy, connect to http://panel.example:8080/player_api.php?username={username}&password={password} later", "not JSON: \"Server busy, connect to <url> later\""),
        (200, r#"{"user_info":{"auth":1,"sta"#, "cut off"),
        (200, r#"{"user_info": {auth: 1}}"#, "malformed JSON"),
        (200, "[]", "no user_info"),
        (200, "", "empty body"),
        (200, r#"{"message":"IP banned"}"#, "IP banned"),
    ];
    for (status, body, needle) in cases {
        let err = read(*status, body).unwrap_err();
        assert!(err.contains(needle), "{status} {body:?}: {err}");
        assert!(!err.contains('\n') && err.chars().count() < 160, "{err}");
        assert!(!err.contains("://"), "no URL: {err}");
    }
    let long = "x".repeat(5000);
    assert!(read(200, &long).unwrap_err().chars().count() < 160);
}

#[test]
fn without_an_answer() {
    assert!(parse_account(&[]).is_err());
}
