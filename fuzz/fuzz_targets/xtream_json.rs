//! Fuzzes the Xtream Codes provider plugin's parsers, natively
//! (`streamforge_plugin_xtream::catalog::parse_catalog` and
//! `account::parse_account`). The input is up to three bodies separated by NUL
//! bytes (which JSON text cannot contain): `get_live_streams`, then
//! `get_live_categories`, then `player_api.php`. Any bodies give a result or a
//! one-line error, never a panic. Channels have unique decimal keys, trimmed
//! non-empty names and fields, and a count bounded by the input; written back
//! out as a `get_live_streams` answer they parse back to the same channels. An
//! account has a status, a positive expiry if any, and lower-case, distinct
//! formats.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{json, Map, Value};
use std::collections::HashSet;
use streamforge_plugin_xtream::account::{parse_account, ACCOUNT};
use streamforge_plugin_xtream::catalog::{parse_catalog, CATEGORIES, STREAMS};
use streamforge_plugin_xtream::model::{Catalog, Response};

fn one_line(message: &str) {
    assert!(
        !message.contains(['\n', '\r']),
        "message spans lines: {message:?}"
    );
    assert!(
        message.chars().count() <= 400,
        "message too long: {message:?}"
    );
}

/// The catalogue as the panel would list it, with group names as category ids.
fn write_streams(catalog: &Catalog) -> Vec<u8> {
    let rows: Vec<Value> = catalog
        .channels
        .iter()
        .map(|ch| {
            let mut row = Map::new();
            let id: u64 = ch.key.parse().expect("keys are decimal stream ids");
            row.insert("stream_id".into(), json!(id));
            row.insert("name".into(), json!(ch.name));
            if let Some(v) = &ch.logo {
                row.insert("stream_icon".into(), json!(v));
            }
            if let Some(v) = &ch.guide_id {
                row.insert("epg_channel_id".into(), json!(v));
            }
            if let Some(v) = &ch.group {
                row.insert("category_id".into(), json!(v));
            }
            if let Some(n) = ch.number {
                row.insert("num".into(), json!(n));
            }
            Value::Object(row)
        })
        .collect();
    serde_json::to_vec(&rows).expect("plain values serialize")
}

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |&b| b == 0);
    let streams = parts.next().unwrap_or_default();
    let categories = parts.next();
    let account = parts.next();

    let mut responses = vec![Response {
        purpose: STREAMS,
        status: 200,
        body: streams,
    }];
    if let Some(body) = categories {
        responses.push(Response {
            purpose: CATEGORIES,
            status: 200,
            body,
        });
    }

    if let Some(body) = account {
        let answer = [Response {
            purpose: ACCOUNT,
            status: 200,
            body,
        }];
        match parse_account(&answer) {
            Err(e) => one_line(&e),
            Ok(a) => {
                assert!(
                    !a.status.is_empty() && a.status == a.status.trim(),
                    "status {:?}",
                    a.status
                );
                assert!(
                    a.expires_at.is_none_or(|t| t > 0),
                    "expiry {:?}",
                    a.expires_at
                );
                let mut seen = HashSet::new();
                for f in &a.formats {
                    assert!(
                        !f.is_empty() && *f == f.to_ascii_lowercase(),
                        "format {f:?}"
                    );
                    assert!(seen.insert(f), "format {f:?} repeated");
                }
            }
        }
    }

    let catalog = match parse_catalog(&responses) {
        Ok(catalog) => catalog,
        Err(e) => {
            one_line(&e);
            return;
        }
    };
    assert!(!catalog.channels.is_empty(), "Ok with no channels");
    // The smallest usable row, `{"name":1,"stream_id":2}`, is 24 bytes.
    assert!(
        catalog.channels.len() * 20 <= streams.len(),
        "{} channels from {} bytes",
        catalog.channels.len(),
        streams.len()
    );
    let mut keys = HashSet::new();
    for ch in &catalog.channels {
        let id: u64 = ch
            .key
            .parse()
            .unwrap_or_else(|_| panic!("key {:?} is not a stream id", ch.key));
        assert_eq!(ch.key, id.to_string(), "key not canonical");
        assert!(keys.insert(id), "stream {id} listed twice");
        assert!(
            !ch.name.is_empty() && ch.name == ch.name.trim(),
            "name {:?}",
            ch.name
        );
        for v in [&ch.group, &ch.logo, &ch.guide_id].into_iter().flatten() {
            assert!(!v.is_empty() && v == v.trim(), "field {v:?}");
        }
    }

    // Written back out, the catalogue reads back the same.
    let body = write_streams(&catalog);
    let again = parse_catalog(&[Response {
        purpose: STREAMS,
        status: 200,
        body: &body,
    }])
    .unwrap_or_else(|e| {
        panic!(
            "re-written list refused: {e}\n{}",
            String::from_utf8_lossy(&body)
        )
    });
    assert_eq!(again.skipped, 0);
    assert_eq!(again.channels, catalog.channels, "re-written list differs");
});
