//! Fuzzes the M3U provider plugin's own parser, natively
//! (`streamforge_plugin_m3u::catalog::parse_catalog`, with `account::parse_account`
//! and the stream candidates): any body gives channels or a one-line error,
//! never a panic. Channels have unique keys that are the URL's hash, a trimmed
//! name and URL, a count bounded by the input, and every entry is accounted
//! for as a channel or a skip. The catalogue written back out as a playlist
//! parses back to the same channels.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::collections::HashSet;
use streamforge_plugin_m3u::account::parse_account;
use streamforge_plugin_m3u::candidates::{stream_candidates, URL};
use streamforge_plugin_m3u::catalog::{parse_catalog, PLAYLIST};
use streamforge_plugin_m3u::key::url_key;
use streamforge_plugin_m3u::model::{Catalog, Response};
use streamforge_plugin_m3u::playlist::read_entries;

fn answer(body: &[u8]) -> [Response<'_>; 1] {
    [Response {
        purpose: PLAYLIST,
        status: 200,
        body,
    }]
}

fn one_line(message: &str) {
    assert!(
        !message.contains(['\n', '\r']),
        "message spans lines: {message:?}"
    );
    assert!(
        message.chars().count() <= 300,
        "message too long: {message:?}"
    );
}

/// `key="value"`, quoted with whichever quote the value lacks; `None` when it
/// holds both (an M3U attribute cannot carry that).
fn attribute(out: &mut String, key: &str, value: &str) -> Option<()> {
    let quote = if !value.contains('"') {
        '"'
    } else if !value.contains('\'') {
        '\''
    } else {
        return None;
    };
    out.push_str(&format!(" {key}={quote}{value}{quote}"));
    Some(())
}

/// The catalogue as a playlist, or `None` when a value cannot be written.
fn write_playlist(catalog: &Catalog) -> Option<String> {
    let mut out = String::from("#EXTM3U\n");
    for ch in &catalog.channels {
        out.push_str("#EXTINF:-1");
        if let Some(v) = &ch.guide_id {
            attribute(&mut out, "tvg-id", v)?;
        }
        if let Some(v) = &ch.logo {
            attribute(&mut out, "tvg-logo", v)?;
        }
        if let Some(v) = &ch.group {
            attribute(&mut out, "group-title", v)?;
        }
        if let Some(n) = ch.number {
            attribute(&mut out, "tvg-chno", &n.to_string())?;
        }
        out.push(',');
        out.push_str(&ch.name);
        out.push('\n');
        out.push_str(&ch.url);
        out.push('\n');
    }
    Some(out)
}

fuzz_target!(|data: &[u8]| {
    let responses = answer(data);
    let account = parse_account(&responses);
    if let Err(e) = &account {
        one_line(e);
    }
    let catalog = match parse_catalog(&responses) {
        Ok(catalog) => catalog,
        Err(e) => {
            one_line(&e);
            return;
        }
    };
    assert!(
        account.is_ok(),
        "a playlist with channels fails the account check"
    );
    assert!(!catalog.channels.is_empty(), "Ok with no channels");
    assert!(
        catalog.channels.len() <= data.len() / 8,
        "{} channels from {} bytes",
        catalog.channels.len(),
        data.len()
    );

    // Every entry is a channel or a skip.
    let text = String::from_utf8_lossy(data);
    let entries = read_entries(&text).expect("parse_catalog read these entries");
    assert_eq!(
        catalog.channels.len() + catalog.skipped,
        entries.entries.len() + entries.skipped,
        "entries lost"
    );

    let mut keys = HashSet::new();
    for ch in &catalog.channels {
        assert!(keys.insert(ch.key.clone()), "key {} repeated", ch.key);
        assert_eq!(ch.key, url_key(&ch.url), "key is not the URL's hash");
        assert!(
            !ch.name.is_empty() && ch.name == ch.name.trim(),
            "name {:?}",
            ch.name
        );
        assert!(
            !ch.url.is_empty() && ch.url == ch.url.trim(),
            "url {:?}",
            ch.url
        );
        assert!(!ch.url.contains(['\r', '\n']) && !ch.url.starts_with('#'));
        assert!(
            ch.url.contains("://") || ch.url.starts_with('{'),
            "url {:?}",
            ch.url
        );
        for v in [&ch.group, &ch.logo, &ch.guide_id].into_iter().flatten() {
            assert!(!v.is_empty() && v == v.trim(), "attribute {v:?}");
        }
        let extra = vec![(URL.to_string(), ch.url.clone())];
        assert_eq!(stream_candidates(&extra), vec![ch.url.clone()]);
    }

    // Written back out, the catalogue reads back the same.
    if let Some(playlist) = write_playlist(&catalog) {
        let again = parse_catalog(&answer(playlist.as_bytes()))
            .unwrap_or_else(|e| panic!("re-written playlist refused: {e}\n{playlist}"));
        assert_eq!(
            again.skipped, 0,
            "re-written playlist skips entries:\n{playlist}"
        );
        assert_eq!(
            again.channels, catalog.channels,
            "re-written playlist differs:\n{playlist}"
        );
    }
});
