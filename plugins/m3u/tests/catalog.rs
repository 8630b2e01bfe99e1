//! Reading real-world playlists: BOM, CRLF, junk, missing attributes, commas
//! inside quotes, `#EXTGRP`, `#EXTVLCOPT`, entries without URLs.

use streamforge_names::Quality;
use streamforge_plugin_m3u::catalog::parse_catalog;
use streamforge_plugin_m3u::key::url_key;
use streamforge_plugin_m3u::model::{Catalog, Channel, Response};

const MESSY: &[u8] = include_bytes!("fixtures/messy.m3u");

fn read(status: u16, body: &[u8]) -> Result<Catalog, String> {
    parse_catalog(&[Response {
        purpose: "playlist",
        status,
        body,
    }])
}

fn by_id<'a>(c: &'a Catalog, id: &str) -> &'a Channel {
    c.channels
        .iter()
        .find(|ch| ch.url.ends_with(&format!("/{id}.ts")))
        .unwrap_or_else(|| panic!("no {id}"))
}

#[test]
fn messy_playlist() {
    let c = read(200, MESSY).unwrap();
    let names: Vec<&str> = c.channels.iter().map(|ch| ch.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "UK: BBC One FHD",
            "CNN, International HD",
            "Sky Sports Main Event",
            "DE: Das Erste HD",
            "UK: 4Music",
            "Kanal \u{FFFD}\u{FFFD} Zwei",
            "Last Entry Without Newline",
        ]
    );
    // entry without URL, orphan URL, repeated URL, entry without any name.
    assert_eq!(c.skipped, 4);
}

#[test]
fn attributes_become_fields() {
    let c = read(200, MESSY).unwrap();
    let bbc = by_id(&c, "1001");
    assert_eq!(
        bbc.key,
        url_key("http://provider.example:8080/live/{username}/{password}/1001.ts")
    );
    assert_eq!(
        bbc.url,
        "http://provider.example:8080/live/{username}/{password}/1001.ts"
    );
    assert_eq!(
        (bbc.base_name.as_str(), bbc.quality, bbc.tags.as_slice()),
        ("BBC One", Quality::Fhd, &["uk".to_string()][..])
    );
    assert_eq!(bbc.group.as_deref(), Some("UK | General"));
    assert_eq!(bbc.logo.as_deref(), Some("http://logos.example/bbc1.png"));
    assert_eq!(bbc.guide_id.as_deref(), Some("BBCOne.uk"));
    assert_eq!(bbc.number, Some(101));

    let cnn = by_id(&c, "1002");
    assert_eq!(cnn.group.as_deref(), Some("News, Weather"));
    assert_eq!((cnn.logo.as_deref(), cnn.guide_id.as_deref()), (None, None));
    assert_eq!(
        (cnn.base_name.as_str(), cnn.quality),
        ("CNN, International", Quality::Hd)
    );

    let sky = by_id(&c, "1003");
    assert_eq!(
        sky.name, "Sky Sports Main Event",
        "empty title falls back to tvg-name"
    );
    assert_eq!(
        sky.group.as_deref(),
        Some("Sports"),
        "#EXTGRP after #EXTINF"
    );
    assert_eq!(
        (sky.number, sky.guide_id.as_deref()),
        (Some(7), Some("SkySportsMainEvent.uk"))
    );

    let erste = by_id(&c, "1004");
    assert_eq!(
        (
            erste.base_name.as_str(),
            erste.group.as_deref(),
            erste.tags.as_slice()
        ),
        ("Das Erste", None, &["de".to_string()][..])
    );

    let music = by_id(&c, "1005");
    assert_eq!(
        music.group.as_deref(),
        Some("Music"),
        "#EXTGRP before #EXTINF"
    );
    assert_eq!(
        (music.base_name.as_str(), music.number),
        ("4Music", Some(12))
    );

    let zwei = by_id(&c, "1007");
    assert_eq!((zwei.base_name.as_str(), zwei.number), ("Kanal Zwei", None));
}

#[test]
fn keys_are_stable_and_unique() {
    let a = read(200, MESSY).unwrap();
    let b = read(200, MESSY).unwrap();
    assert_eq!(a, b);
    let mut keys: Vec<&str> = a.channels.iter().map(|c| c.key.as_str()).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), a.channels.len());
    assert!(keys
        .iter()
        .all(|k| k.len() == 16 && k.bytes().all(|b| b.is_ascii_hexdigit())));
}

#[test]
fn line_endings_and_missing_header() {
    for body in [
        "#EXTM3U\n#EXTINF:-1,A\nhttp://x.example/a\n#EXTINF:-1,B\nhttp://x.example/b\n",
        "#EXTM3U\r#EXTINF:-1,A\rhttp://x.example/a\r#EXTINF:-1,B\rhttp://x.example/b",
        "#EXTM3U\r\n#EXTINF:-1,A\r\nhttp://x.example/a\r\n#EXTINF:-1,B\r\nhttp://x.example/b\r\n",
        "\n\n#EXTINF:-1,A\nhttp://x.example/a\n\n#EXTINF:-1,B\nhttp://x.example/b",
        "#extm3u\n#extinf:-1,A\nhttp://x.example/a\n#EXTINF:-1,B\n  http://x.example/b  \n",
    ] {
        let c = read(200, body.as_bytes()).unwrap_or_else(|e| panic!("{body:?}: {e}"));
        let names: Vec<&str> = c.channels.iter().map(|ch| ch.name.as_str()).collect();
        assert_eq!(names, ["A", "B"], "{body:?}");
        assert_eq!(c.channels[1].url, "http://x.example/b");
    }
}

#[test]
fn not_a_playlist_is_a_clear_error() {
    let cases: &[(u16, &str, &str)] = &[
        (
            200,
            "<!DOCTYPE html><html><head><title>Login</title></head></html>",
            "HTML page titled \"Login\"",
        ),
        (
            200,
            "{\"user_info\":{\"auth\":0}}",
            "JSON, not an M3U playlist",
        ),
        (200, "", "the playlist is empty"),
        (200, "   \n\n", "the playlist is empty"),
        (
            200,
            "Your subscription has expired, see http://provider.example/renew",
            "not an M3U playlist",
        ),
        (200, "#EXTM3U\n", "lists no channels"),
        (
            200,
            "#EXTM3U\n#EXTINF:-1,No URL\n",
            "none of the playlist's 1 entries",
        ),
        (401, "", "HTTP 401"),
        (404, "", "HTTP 404"),
        (503, "", "HTTP 503"),
    ];
    for (status, body, needle) in cases {
        let err = read(*status, body.as_bytes()).unwrap_err();
        assert!(err.contains(needle), "{status} {body:?}: {err}");
        assert!(!err.contains('\n') && !err.contains("://"), "{err}");
    }
}

#[test]
fn fifty_thousand_entries_parse_quickly() {
    let mut body = String::from("#EXTM3U\n");
    for i in 0..50_000 {
        body.push_str(&format!(
            "#EXTINF:-1 tvg-id=\"ch{i}.uk\" tvg-name=\"Channel {i}\" tvg-logo=\"http://l.example/{i}.png\" group-title=\"Group {g}\",UK: Channel {i} HD\nhttp://p.example/live/{{username}}/{{password}}/{i}.ts\n",
            g = i % 20
        ));
    }
    let started = std::time::Instant::now();
    let c = read(200, body.as_bytes()).unwrap();
    assert_eq!(c.channels.len(), 50_000);
    assert!(
        started.elapsed().as_secs() < 10,
        "took {:?}",
        started.elapsed()
    );
}
