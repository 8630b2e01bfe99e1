//! The catalogue path end to end through the real code (DESIGN.md section 7):
//! - sync of 50 000 provider streams from the simulated Xtream panel over
//!   loopback HTTP, through the xtream plugin, into the store (target ≤ 5 s);
//! - ingest of a guide with 10 000 channels named as the panel's guide names;
//! - `match` of those 10 000 guide channels against the 50 000 streams,
//!   including storing the mappings and numbers (target ≤ 10 s).
//!
//! Run: `cargo bench -p streamforge --bench catalog`.

use std::collections::HashSet;
use std::io::Write;
use std::time::Instant;
use streamforge::app::App;
use streamforge::catalog::{NewAccount, SilentProgress};
use streamforge::data_dir::DataDir;
use streamforge::guide::{write_channel, write_footer, write_header};
use streamforge_sim::{SimConfig, SimProvider};

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let sim = SimProvider::start(SimConfig::generated(50_000, 42)).await;
        let config = sim.config();
        let data = tempfile::tempdir().unwrap();
        std::env::set_var("STREAMFORGE_KEY", "11".repeat(32));
        let app = App::open(DataDir::new(data.path())).unwrap();
        let panel = sim.config();
        let account = NewAccount::xtream("bench", sim.base_url(), &panel.username, &panel.password);
        app.catalog.add_account(account).await.unwrap();

        let start = Instant::now();
        let synced = app
            .catalog
            .sync_accounts(None, &SilentProgress)
            .await
            .unwrap();
        let sync_time = start.elapsed();
        assert!(synced[0].error.is_none(), "{:?}", synced[0].error);

        // A guide of 10 000 channels: the panel's guide names and ids.
        let guide_path = data.path().join("bench-guide.xml");
        let mut out = std::io::BufWriter::new(std::fs::File::create(&guide_path).unwrap());
        write_header(&mut out).unwrap();
        let mut ids = HashSet::new();
        for (i, ch) in config.channels.iter().enumerate() {
            if ids.len() == 10_000 {
                break;
            }
            let id = ch
                .epg_channel_id
                .clone()
                .unwrap_or_else(|| format!("ch{i}.bench"));
            if ids.insert(id.clone()) {
                write_channel(&mut out, &id, &[ch.guide_name.as_str()], None).unwrap();
            }
        }
        write_footer(&mut out).unwrap();
        out.flush().unwrap();
        drop(out);
        let start = Instant::now();
        app.guides
            .add_guide(
                "bench",
                guide_path.to_str().unwrap(),
                streamforge::guide::GuideShift::ZERO,
            )
            .await
            .unwrap();
        let guide_time = start.elapsed();

        let start = Instant::now();
        let summary = app.matching.run_match(false).await.unwrap();
        let match_time = start.elapsed();

        println!();
        println!("| measurement                                          | time      | target  |");
        println!("|------------------------------------------------------|-----------|---------|");
        println!(
            "| sync 50 000 streams (loopback HTTP, plugin, store)   | {:>7.2} s | ≤ 5 s   |",
            sync_time.as_secs_f64()
        );
        println!(
            "| ingest a 10 000-channel guide                        | {:>7.2} s |         |",
            guide_time.as_secs_f64()
        );
        println!(
            "| match 10 000 guide channels × 50 000 streams, stored | {:>7.2} s | ≤ 10 s  |",
            match_time.as_secs_f64()
        );
        println!();
        println!(
            "match: {} of {} guide channels matched, {} mappings, {} low confidence",
            summary.matched, summary.guide_channels, summary.mappings, summary.low_confidence
        );
    });
}
