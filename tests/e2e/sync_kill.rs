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

/// `streamforge sync`, started; dropping it kills it with SIGKILL (no
/// cleanup runs) and reaps it.
fn spawn_sync(data: &std::path::Path) -> common::Reaped {
    let child = common::streamforge(data)
        .args(["sync"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    common::Reaped(child)
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
    // Kill while the body trickles in (5 s for the whole catalogue)...
    sim.set_fault(Endpoint::Streams, Fault::Slow(Duration::from_secs(5)));
    sim.clear_request_log();
    let sync = spawn_sync(data.path());
    common::wait_until(
        "the sync asking for the catalogue",
        Duration::from_secs(30),
        || {
            sim.request_log()
                .iter()
                .any(|r| r.query.contains("action=get_live_streams"))
        },
    );
    drop(sync);
    assert_eq!(
        catalogue_size(data.path()),
        before,
        "a kill mid-download keeps the previous catalogue"
    );
    // ...then at spread-out moments of a fast sync.
    sim.clear_faults();
    for ms in [50u64, 150, 400, 700, 1000, 1500] {
        let sync = spawn_sync(data.path());
        // Not a wait for anything: the moment of the kill is what varies.
        std::thread::sleep(Duration::from_millis(ms));
        drop(sync);
        let now = catalogue_size(data.path());
        // Before or after the new catalogue's commit, depending on how far
        // the sync got: either is right, anything else is not.
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
