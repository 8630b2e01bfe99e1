//! An M3U source has no login: the account check only says whether it is a playlist.

use streamforge_plugin_m3u::account::parse_account;
use streamforge_plugin_m3u::candidates::stream_candidates;
use streamforge_plugin_m3u::model::Response;

#[test]
fn no_answers_means_active() {
    let a = parse_account(&[]).unwrap();
    assert!(a.authenticated);
    assert_eq!(a.status, "Active");
}

#[test]
fn an_answer_must_be_a_playlist() {
    let ok = Response {
        purpose: "playlist",
        status: 200,
        body: "\u{feff}\r\n#EXTM3U\r\n".as_bytes(),
    };
    assert!(parse_account(&[ok]).unwrap().authenticated);
    let html = Response {
        purpose: "playlist",
        status: 200,
        body: b"<html><title>Oops</title></html>",
    };
    assert!(parse_account(&[html])
        .unwrap_err()
        .contains("not an M3U playlist"));
    let refused = Response {
        purpose: "playlist",
        status: 403,
        body: b"",
    };
    assert!(parse_account(&[refused]).unwrap_err().contains("HTTP 403"));
}

#[test]
fn candidates_come_from_extra() {
    let extra = vec![(
        "url".to_string(),
        "http://p.example/{username}/{password}/1.ts".to_string(),
    )];
    assert_eq!(
        stream_candidates(&extra),
        ["http://p.example/{username}/{password}/1.ts"]
    );
    assert!(stream_candidates(&[]).is_empty());
    assert!(stream_candidates(&[("other".to_string(), "x".to_string())]).is_empty());
}
