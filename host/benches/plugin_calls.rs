//! Plugin-call costs, printed as a table (DESIGN.md section 7):
//! - a stream-start call (`stream-candidates` on the built-in xtream plugin),
//!   target ≤ 100 µs median;
//! - `parse-name` on a decorated name;
//! - the built-in matcher on 10 000 guide channels × 50 000 streams, target
//!   ≤ 10 s (issue 3), "in seconds" (issue 2).
//!
//! Run: `cargo bench -p streamforge --bench plugin_calls` (add `-- --quick`
//! for fewer samples).

use std::sync::Arc;
use std::time::{Duration, Instant};
use streamforge::events::EventLog;
use streamforge::model::{AccountChannel, GuideChannel, ProviderChannel, Quality};
use streamforge::plugins::PluginRegistry;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn time_calls(n: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    for _ in 0..n / 10 {
        f(); // warm up
    }
    let mut samples: Vec<Duration> = (0..n)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    samples.sort();
    (percentile(&samples, 0.5), percentile(&samples, 0.99))
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let calls = if quick { 500 } else { 5_000 };
    let data = tempfile::tempdir().unwrap();
    let registry = PluginRegistry::open(
        data.path().join("plugins"),
        data.path().join("cache"),
        Arc::new(EventLog::default()),
    )
    .unwrap();

    let xtream = registry.get("xtream").unwrap();
    let provider = xtream.provider().unwrap();
    let channel = ProviderChannel {
        key: "184467".into(),
        name: "UK: BBC One FHD".into(),
        base_name: "BBC One".into(),
        quality: Quality::Fhd,
        tags: vec!["uk".into()],
        group: Some("UK Entertainment".into()),
        logo: None,
        guide_id: Some("bbc1.uk".into()),
        number: Some(101),
        extra: vec![],
    };
    assert!(!provider
        .stream_candidates(&channel, &[])
        .unwrap()
        .is_empty());
    let (cand_p50, cand_p99) = time_calls(calls, || {
        provider.stream_candidates(&channel, &[]).unwrap();
    });
    let (name_p50, name_p99) = time_calls(calls, || {
        provider
            .parse_name("|UK| Sky Sports Main Event ᴴᴰ HEVC 50FPS")
            .unwrap();
    });

    let (guide, streams) =
        streamforge_plugin_matcher::synthetic::synthetic_catalog(10_000, 50_000, 7);
    let guide: Vec<GuideChannel> = guide
        .into_iter()
        .map(|g| GuideChannel {
            id: g.id,
            names: g.names,
            number: None,
            icon: None,
        })
        .collect();
    let streams: Vec<AccountChannel> = streams
        .into_iter()
        .map(|s| AccountChannel {
            account: s.account,
            channel: ProviderChannel {
                key: s.key,
                name: s.name,
                base_name: s.base_name,
                quality: Quality::Unknown,
                tags: s.tags,
                group: None,
                logo: None,
                guide_id: s.guide_id,
                number: None,
                extra: vec![],
            },
        })
        .collect();
    let matcher_plugin = registry.get("matcher").unwrap();
    let matcher = matcher_plugin.matcher().unwrap();
    let start = Instant::now();
    let run = matcher.match_channels(guide, streams, &[]).unwrap();
    let (guide, matches) = (run.guide, run.matches);
    let match_time = start.elapsed();
    let matched: std::collections::HashSet<&str> =
        matches.iter().map(|m| m.guide_id.as_str()).collect();

    println!();
    println!(
        "| measurement                                   | median     | p99        | target     |"
    );
    println!(
        "|-----------------------------------------------|------------|------------|------------|"
    );
    println!(
        "| stream-candidates call (xtream), stream start | {:>7.1} µs | {:>7.1} µs | ≤ 100 µs   |",
        cand_p50.as_secs_f64() * 1e6,
        cand_p99.as_secs_f64() * 1e6
    );
    println!(
        "| parse-name call (xtream)                      | {:>7.1} µs | {:>7.1} µs |            |",
        name_p50.as_secs_f64() * 1e6,
        name_p99.as_secs_f64() * 1e6
    );
    println!(
        "| matcher, 10 000 guide × 50 000 streams (wasm) | {:>8.2} s | (one run)  | ≤ 10 s     |",
        match_time.as_secs_f64()
    );
    println!();
    println!(
        "matcher: {} matches, {} of {} guide channels matched; {calls} samples per call row",
        matches.len(),
        matched.len(),
        guide.len()
    );
}
