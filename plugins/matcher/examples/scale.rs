//! Runs the matcher natively on a synthetic 10 000 × 50 000 catalogue and
//! prints how long it took: `cargo run --release -p streamforge-plugin-matcher
//! --example scale [guide] [streams] [seed]`.

use std::time::Instant;

use streamforge_plugin_matcher::{match_channels, synthetic::synthetic_catalog, Options};

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let guide = args.first().copied().unwrap_or(10_000) as usize;
    let streams = args.get(1).copied().unwrap_or(50_000) as usize;
    let seed = args.get(2).copied().unwrap_or(42);

    let start = Instant::now();
    let (g, s) = synthetic_catalog(guide, streams, seed);
    println!(
        "generated {} guide channels, {} streams in {:?}",
        g.len(),
        s.len(),
        start.elapsed()
    );

    let start = Instant::now();
    let matches = match_channels(&g, &s, &Options::default());
    let elapsed = start.elapsed();

    let mut matched: Vec<&str> = matches.iter().map(|m| m.key.as_str()).collect();
    matched.sort_unstable();
    matched.dedup();
    let fuzzy = matches.iter().filter(|m| m.confidence < 0.95).count();
    println!(
        "matched in {elapsed:?}: {} matches, {} of {} streams matched, {} fuzzy",
        matches.len(),
        matched.len(),
        s.len(),
        fuzzy
    );
}
