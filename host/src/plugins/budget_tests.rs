//! The bulk budget on a real plugin (the built-in m3u): an input over the
//! largest budget is refused before the plugin runs, and an answer over its
//! limit is named as such, in plain words, never as wasmtime's "fuel".

use super::budget::{BulkBudget, MB};
use super::{CallError, CallLimits, Limits, PluginRegistry};
use crate::events::EventLog;
use crate::model::HttpResponse;
use std::sync::Arc;
use std::time::Duration;

/// An M3U of `entries` channels, as the fetcher hands it on.
fn playlist(entries: usize) -> Vec<HttpResponse> {
    let mut body = String::from("#EXTM3U\n");
    for i in 0..entries {
        body.push_str(&format!(
            "#EXTINF:-1 tvg-id=\"c{i}.tv\" group-title=\"G{}\",Channel {i} HD\n\
             http://panel.example/live/{{username}}/{{password}}/{i}.ts\n",
            i % 50
        ));
    }
    vec![HttpResponse {
        purpose: "playlist".into(),
        status: 200,
        headers: vec![],
        body: body.into_bytes(),
    }]
}

/// The built-in m3u plugin's registry under `bulk`, and its events.
fn registry(bulk: BulkBudget) -> (tempfile::TempDir, PluginRegistry, Arc<EventLog>) {
    let dir = tempfile::tempdir().unwrap();
    let events = Arc::new(EventLog::default());
    let registry = PluginRegistry::open(
        dir.path().join("plugins"),
        streamforge_testkit::plugin_cache(),
        events.clone(),
    )
    .unwrap()
    .with_limits(Limits {
        bulk,
        ..Limits::default()
    });
    (dir, registry, events)
}

fn no_jargon(text: &str) {
    for word in ["fuel", "hostcall", "wasm", "guest"] {
        assert!(!text.contains(word), "`{word}` in: {text}");
    }
}

#[test]
fn an_input_over_the_largest_budget_is_refused_before_the_call() {
    let budget = BulkBudget {
        max_input: 100_000,
        ..BulkBudget::DEFAULT
    };
    let (_dir, registry, events) = registry(budget);
    let m3u = registry.get("m3u").unwrap();
    let input = playlist(2_000);
    let size = input[0].body.len() + "playlist".len();
    let err = m3u.provider().unwrap().parse_catalog(input).unwrap_err();
    match &err {
        CallError::InputTooLarge {
            call: "parse-catalog",
            size: s,
            limit: 100_000,
            ..
        } => assert_eq!(*s, size),
        other => panic!("{other}"),
    }
    let text = err.to_string();
    assert!(text.contains("(100 kB limit)"), "{text}");
    no_jargon(&text);
    assert!(events
        .snapshot()
        .iter()
        .any(|e| e.kind == "plugin-input-too-large" && e.detail == text));
    // Within the budget, the same plugin reads it.
    let small = m3u.provider().unwrap().parse_catalog(playlist(100));
    assert_eq!(small.unwrap().unwrap().len(), 100);
}

#[test]
fn an_answer_over_its_limit_is_named_as_such() {
    let budget = BulkBudget {
        base: CallLimits {
            answer: 1 << 20,
            ..BulkBudget::DEFAULT.base
        },
        per_mb: CallLimits {
            deadline: Duration::ZERO,
            memory: BulkBudget::DEFAULT.per_mb.memory,
            answer: 0,
        },
        max_input: 10 * MB,
    };
    let (_dir, registry, events) = registry(budget);
    let m3u = registry.get("m3u").unwrap();
    // ~6 000 channels take ~2 MB of host memory once copied out.
    let err = m3u
        .provider()
        .unwrap()
        .parse_catalog(playlist(6_000))
        .unwrap_err();
    assert!(
        matches!(
            err,
            CallError::OutputTooLarge {
                call: "parse-catalog",
                ..
            }
        ),
        "{err}"
    );
    let text = err.to_string();
    assert_eq!(
        text,
        "plugin `m3u` answered `parse-catalog` with too much: an answer larger than its 1 MiB limit"
    );
    assert!(events
        .snapshot()
        .iter()
        .any(|e| e.kind == "plugin-output-too-large" && e.detail == text));
    // A catalogue whose answer fits goes through under the same budget.
    let fits = m3u.provider().unwrap().parse_catalog(playlist(1_000));
    assert_eq!(fits.unwrap().unwrap().len(), 1_000);
}
