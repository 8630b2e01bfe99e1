//! A sync killed at any moment (mid-download, mid-write) leaves the
//! previous catalogue whole and the database usable.

use crate::common;

use std::process::Stdio;
use std::time::Duration;
use streamforge_sim::{Endpoint, Fault, SimConfig, SimProvider};

fn catalogue_size(data: &std::path::Path) -> usize {
    let out = common::streamforge(data)
        .args(["account", "list", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v[0]["channels"].as_u64().unwrap() as usize
}

#[test]
fn killing_a_sync_keeps_the_previous_catalogue() {
    let sim = SimProvider::start_blocking(SimConfig::generated(60_000, 1));
    let data = common::data_dir();
    assert!(common::add_panel_account(data.path(), &sim, "big", &[])
        .status
        .success());
    let out = common::streamforge(data.path())
        .args(["sync"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let before = catalogue_size(data.path());
    assert!(before > 50_000, "{before}");

    // The next catalogue differs, so old and new are told apart.
    let extra = SimConfig::generated(60_001, 1).channels;
    sim.update_config(|c| c.channels = extra);
    // Kill while the body trickles in, then at spread-out moments of a fast sync.
    sim.set_fault(Endpoint::Streams, Fault::Slow(Duration::from_secs(5)));
    let delays = [300u64, 50, 150, 400, 700, 1000, 1500];
    for (i, ms) in delays.iter().enumerate() {
        if i == 1 {
            sim.clear_faults();
        }
        let mut child = common::streamforge(data.path())
            .args(["sync"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(*ms));
        let _ = child.kill(); // SIGKILL: no cleanup runs
        let _ = child.wait();
        let now = catalogue_size(data.path());
        assert!(
            now == before || now == before + 1,
            "after a kill at {ms} ms: {now} channels"
        );
    }
    // And a sync that is left alone completes.
    let out = common::streamforge(data.path())
        .args(["sync"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(catalogue_size(data.path()), before + 1);
}
