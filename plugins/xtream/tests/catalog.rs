//! Reading live categories and streams from realistic, messy panel answers.

use streamforge_names::Quality;
use streamforge_plugin_xtream::catalog::parse_catalog;
use streamforge_plugin_xtream::model::{Catalog, Response};

const CATEGORIES: &[u8] = include_bytes!("fixtures/get_live_categories.json");
const STREAMS: &[u8] = include_bytes!("fixtures/get_live_streams.json");

fn answer<'a>(purpose: &'a str, status: u16, body: &'a [u8]) -> Response<'a> {
    Response {
        purpose,
        status,
        body,
    }
}

fn catalog(streams_status: u16, streams: &[u8]) -> Result<Catalog, String> {
    parse_catalog(&[
        answer("categories", 200, CATEGORIES),
        answer("streams", streams_status, streams),
    ])
}

#[test]
fn messy_fixture_reads_every_usable_row() {
    let c = catalog(200, STREAMS).unwrap();
    let keys: Vec<&str> = c.channels.iter().map(|ch| ch.key.as_str()).collect();
    assert_eq!(
        keys,
        ["1001", "1002", "1003", "1004", "1005", "1006", "1012", "1013"]
    );
    // no id, empty name, "abc", negative, duplicate, null, 42, string, array.
    assert_eq!(c.skipped, 9);

    let bbc = &c.channels[0];
    assert_eq!(bbc.name, "UK: BBC One FHD");
    assert_eq!(bbc.base_name, "BBC One");
    assert_eq!(bbc.quality, Quality::Fhd);
    assert_eq!(bbc.tags, ["uk"]);
    assert_eq!(bbc.group.as_deref(), Some("UK | Entertainment"));
    assert_eq!(bbc.logo.as_deref(), Some("http://logos.example/bbc1.png"));
    assert_eq!(bbc.guide_id.as_deref(), Some("BBCOne.uk"));
    assert_eq!(bbc.number, Some(1));
}

#[test]
fn archives_and_the_panel_zone_are_read() {
    let account = br#"{"user_info":{"auth":1},"server_info":{"timezone":"Europe/Berlin"}}"#;
    let c = parse_catalog(&[
        answer("categories", 200, CATEGORIES),
        answer("streams", 200, STREAMS),
        answer("account", 200, account),
    ])
    .unwrap();
    assert_eq!(c.zone.as_deref(), Some("Europe/Berlin"));
    assert_eq!(c.archive_days.len(), c.channels.len());
    let days = |k: &str| c.archive_days[c.channels.iter().position(|ch| ch.key == k).unwrap()];
    assert_eq!(days("1001"), 0, "tv_archive 0");
    assert_eq!(
        days("1002"),
        1,
        "tv_archive \"1\" without its duration: a day"
    );
    // No account answer, or a zone that is not a name: UTC.
    assert_eq!(catalog(200, STREAMS).unwrap().zone, None);
    let odd = br#"{"server_info":{"timezone":"<script>"}}"#;
    let c = parse_catalog(&[answer("streams", 200, STREAMS), answer("account", 200, odd)]).unwrap();
    assert_eq!(c.zone, None);
}

#[test]
fn lenient_fields() {
    let c = catalog(200, STREAMS).unwrap();
    let by_key = |k: &str| c.channels.iter().find(|ch| ch.key == k).unwrap();

    let two = by_key("1002");
    assert_eq!(
        (two.number, two.logo.as_deref(), two.guide_id.as_deref()),
        (Some(2), None, None)
    );
    assert_eq!(
        two.group.as_deref(),
        Some("UK | Entertainment"),
        "numeric category_id 1 finds category \"1\""
    );

    let sky = by_key("1003");
    assert_eq!(sky.base_name, "Sky Sports Main Event");
    assert_eq!(sky.quality, Quality::Hd);
    assert_eq!(sky.number, Some(3));
    assert_eq!(sky.group.as_deref(), Some("UK | Sports"));

    let cnn = by_key("1004");
    assert_eq!(
        cnn.group.as_deref(),
        Some("US | News"),
        "string \"3\" finds numeric category 3"
    );
    assert_eq!(cnn.tags, ["us", "hevc"]);
    assert_eq!(cnn.number, None);

    assert_eq!(
        by_key("1005").group.as_deref(),
        Some("99"),
        "unknown category falls back to its id"
    );
    assert_eq!(
        by_key("1006").group.as_deref(),
        Some("DE | Allgemein"),
        "category_ids used when category_id is null"
    );

    let numeric_name = by_key("1012");
    assert_eq!(numeric_name.name, "12345");
    assert_eq!(numeric_name.logo, None);
    assert_eq!(numeric_name.guide_id.as_deref(), Some("x.id"));
    assert_eq!(
        numeric_name.group.as_deref(),
        Some("4"),
        "a category without a name keeps its id"
    );

    let feed = by_key("1013");
    assert_eq!((feed.base_name.as_str(), feed.number), ("E4 +1", None));
    assert_eq!(feed.tags, ["uk", "+1"]);
}

#[test]
fn missing_categories_fall_back_to_ids() {
    let c = parse_catalog(&[answer("streams", 200, STREAMS)]).unwrap();
    assert_eq!(c.channels[0].group.as_deref(), Some("1"));
}

#[test]
fn streams_keyed_by_id_in_an_object() {
    let body = br#"{"1":{"stream_id":1,"name":"A"},"2":{"stream_id":"2","name":"B"}}"#;
    let c = catalog(200, body).unwrap();
    assert_eq!(c.channels.len(), 2);
}

#[test]
fn empty_list_is_an_error_so_the_previous_catalogue_stays() {
    assert!(catalog(200, b"[]").unwrap_err().contains("no live streams"));
}

#[test]
fn bad_answers_are_one_line_errors() {
    let cases: &[(u16, &[u8], &str)] = &[
        (
            200,
            br#"{"user_info":{"auth":0}}"#,
            "refused these credentials",
        ),
        (
            200,
            br#"{"user_info":{"auth":1,"status":"Active"},"server_info":{}}"#,
            "account details instead",
        ),
        (
            200,
            br#"{"error":"Action not allowed"}"#,
            "Action not allowed",
        ),
        (200, br#"{}"#, "JSON object instead of the stream list"),
        (200, b"\"nope\"", "single JSON value"),
        (200, b"", "empty body"),
        (
            200,
            b"[{\"stream_id\":1,\"name\":\"A\"},{\"stream_id\":2,\"na",
            "cut off",
        ),
        (
            200,
            b"<html><head><title>502 Bad Gateway</title></head></html>",
            "\"502 Bad Gateway\"",
        ),
        (
            200,
            b"Access denied for http://panel.example:8080/player_api.php?username={username}",
            "not JSON",
        ),
        (401, b"Unauthorized", "HTTP 401"),
        (403, b"", "HTTP 403"),
        (404, b"<html>Not Found</html>", "HTTP 404"),
        (500, b"", "HTTP 500"),
        (
            200,
            br#"[{"name":"no id"},{"stream_id":"x","name":"bad id"}]"#,
            "none of the 2 entries",
        ),
    ];
    for (status, body, needle) in cases {
        let err = catalog(*status, body).unwrap_err();
        assert!(
            err.contains(needle),
            "{status} {:?}: {err}",
            String::from_utf8_lossy(body)
        );
        assert!(!err.contains('\n'), "one line: {err}");
        assert!(!err.contains("panel.example"), "no URL: {err}");
        assert!(err.len() < 200, "short: {err}");
    }
}

#[test]
fn categories_failures_are_errors_too() {
    let err = parse_catalog(&[
        answer("categories", 401, b""),
        answer("streams", 200, STREAMS),
    ])
    .unwrap_err();
    assert!(err.starts_with("live categories:"), "{err}");
}

#[test]
fn no_streams_answer_is_an_error() {
    assert!(parse_catalog(&[answer("categories", 200, CATEGORIES)]).is_err());
}

#[test]
fn bom_and_trailing_junk_are_tolerated() {
    let mut body = "\u{feff}  ".as_bytes().to_vec();
    body.extend_from_slice(br#"[{"stream_id":1,"name":"A"}]"#);
    body.extend_from_slice(b"\n<!-- served in 0.2s -->");
    assert_eq!(catalog(200, &body).unwrap().channels.len(), 1);
}

#[test]
fn fifty_thousand_streams_parse_quickly() {
    let mut body = String::from("[");
    for i in 0..50_000 {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&format!(
            r#"{{"num":{i},"name":"UK: Channel {i} FHD","stream_type":"live","stream_id":"{id}","stream_icon":"http://l.example/{i}.png","epg_channel_id":"ch{i}.uk","added":"1650000000","category_id":"{cat}","custom_sid":"","tv_archive":0,"direct_source":"","tv_archive_duration":0}}"#,
            id = 100_000 + i,
            cat = i % 5 + 1,
        ));
    }
    body.push(']');
    let started = std::time::Instant::now();
    let c = catalog(200, body.as_bytes()).unwrap();
    let took = started.elapsed();
    assert_eq!(c.channels.len(), 50_000);
    assert_eq!(c.channels[49_999].base_name, "Channel 49999");
    // Generous even for an unoptimised debug build; release is far faster.
    assert!(took.as_secs() < 10, "took {took:?}");
}
