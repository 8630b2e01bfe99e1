//! A channel whose best stream is dead does not make every tune wait for it:
//! a source that failed (at connect or mid-stream) within the cool-down is
//! tried after the others, the event says why, and once the cool-down is
//! over the best stream is tried first again.

use crate::common;

use crate::common::{cli, number_of, prepared, viewer, wait_for_ok};
use std::time::{Duration, Instant};
use streamforge_sim::{Endpoint, Fault, SimProvider};

/// How long anything awaited below may take before the test fails.
const LIMIT: Duration = Duration::from_secs(30);

/// Tunes `url`, waits for the first bytes and returns how long they took
/// and the stream that plays; the viewer then leaves and the channel closes.
fn tune(server: &common::Server, url: &str) -> (Duration, String) {
    let started = Instant::now();
    let v = viewer(url.to_string());
    wait_for_ok("first bytes", LIMIT, || {
        if v.received() > 0 {
            Ok(())
        } else {
            Err("nothing yet".into())
        }
    });
    let took = started.elapsed();
    let key = server.status()["sessions"][0]["stream_key"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    drop(v.stop());
    server.wait_released();
    (took, key)
}

#[test]
fn a_dead_best_source_is_tried_after_the_others_within_its_cool_down() {
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = prepared(&sim, 4);
    let server = common::Server::start(
        data.path(),
        &[
            "--stream-timeout",
            "2",
            "--failover-cooldown",
            "6",
            "--idle-grace",
            "0",
        ],
    );
    // Das Erste: FHD 12002 first, then HD 12001. FHD answers, then sends nothing.
    sim.set_fault(Endpoint::LiveStream(12002), Fault::Stall);
    let url = format!(
        "{}/stream/{}",
        server.base,
        number_of(&server.base, "Das Erste")
    );

    let (first, key) = tune(&server, &url);
    assert_eq!(key, "12001");
    assert!(
        first >= Duration::from_secs(2),
        "the first tune waited for FHD: {first:?}"
    );

    let (second, key) = tune(&server, &url);
    assert_eq!(key, "12001");
    eprintln!("first tune {first:?} (waited for the dead FHD), second {second:?}");
    assert!(
        second < Duration::from_millis(1500),
        "the second tune still waited for the dead source: {second:?}"
    );
    let started = cli(data.path(), &["events", "--kind", "stream-started"]);
    let last = started.lines().last().unwrap_or_default();
    assert!(
        last.contains("tried after the others") && last.contains("failed at connect"),
        "{started}"
    );
    // `status` names the source put back and why.
    let put_back = server.status()["put_back"].clone();
    assert_eq!(put_back[0]["source"], "main/12002 (FHD)", "{put_back}");
    let why = put_back[0]["why"].as_str().unwrap_or_default();
    assert!(
        why.starts_with("failed at connect") && why.ends_with("s ago"),
        "{put_back}"
    );
    let text = cli(data.path(), &["status"]);
    assert!(
        text.contains("put back (tried after the others, skipped by failovers): main/12002 (FHD): failed at connect"),
        "{text}"
    );

    // The cool-down over and the source back: the best stream first again.
    sim.set_fault(Endpoint::LiveStream(12002), Fault::None);
    wait_for_ok(
        "FHD first again after the cool-down",
        LIMIT,
        || match tune(&server, &url) {
            (_, key) if key == "12002" => Ok(()),
            (took, key) => Err(format!("{key} in {took:?}")),
        },
    );
}
