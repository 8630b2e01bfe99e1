//! Mid-stream failover through real clients: the simulated provider's source
//! stalls, closes, turns to junk or drips while viewers watch; their
//! connections stay open, the next source plays, `ffmpeg` decodes across
//! the switch with at most a handful of error lines, and the TS checker
//! finds whole packets with every counter jump marked as a discontinuity.

use crate::common;

use crate::common::{
    cli, client, decode, finish, number_of, prepared, viewer, wait_until_explained,
};
use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};
use streamforge_sim::{Endpoint, Fault, SimProvider};

/// The gap the relay reported for its last failover, in ms.
fn last_gap(data: &Path) -> u64 {
    let events = cli(data, &["events", "--kind", "failover"]);
    let line = events
        .lines()
        .last()
        .unwrap_or_else(|| panic!("no failover event"));
    let ms = line
        .split("new video ")
        .nth(1)
        .unwrap()
        .split(" ms")
        .next()
        .unwrap();
    ms.parse().unwrap()
}

fn source_key(server: &common::Server) -> String {
    let s = server.status();
    s["sessions"][0]["stream_key"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Joins a viewer that must have survived a switch: its body never ended,
/// whole packets only, every counter jump marked. Returns its bytes.
fn survived(v: std::thread::JoinHandle<(Vec<u8>, bool)>, what: &str) -> Vec<u8> {
    let (bytes, ended) = v.join().unwrap();
    assert!(!ended, "{what}: the viewer's stream ended");
    let report = streamforge_ts::check(&bytes);
    assert_eq!(report.misaligned_at, None, "{what}: whole packets only");
    assert!(
        report.cc_errors.is_empty(),
        "{what}: unmarked counter jumps: {:?}",
        &report.cc_errors[..report.cc_errors.len().min(5)]
    );
    bytes
}

/// Waits (bounded) until the channel plays stream `key`.
fn wait_for_source(server: &common::Server, data: &Path, key: &str, within: Duration, what: &str) {
    wait_until_explained(
        within,
        || source_key(server) == key,
        || format!("{what}: no switch to {key}: {}", cli(data, &["events"])),
    );
}

#[test]
fn a_stall_switches_sources_under_ffmpeg_and_three_viewers() {
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = prepared(&sim, 4);
    let server = common::Server::start(data.path(), &["--stall-timeout", "1"]);
    // Das Erste: FHD 12002 first, then HD 12001, then SD 12003.
    let n = number_of(&server.base, "Das Erste");
    let url = format!("{}/stream/{n}", server.base);
    let ffmpeg = decode(&url, 9);
    let until = Instant::now() + Duration::from_secs(8);
    let viewers: Vec<_> = (0..3).map(|_| viewer(url.clone(), until)).collect();
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(source_key(&server), "12002");
    let fault_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    sim.set_fault(Endpoint::LiveStream(12002), Fault::Stall);

    for v in viewers {
        let bytes = survived(v, "stall");
        let report = streamforge_ts::check(&bytes);
        assert!(report.discontinuities >= 1, "the splice is marked");
        assert!(bytes.len() > 100_000, "{} bytes", bytes.len());
    }
    assert_eq!(source_key(&server), "12001", "now on the HD variant");
    let gap = last_gap(data.path());
    let events = cli(data.path(), &["events", "--json", "--kind", "failover"]);
    let event: serde_json::Value = serde_json::from_str(events.lines().last().unwrap()).unwrap();
    let detected_after = event["time_ms"].as_u64().unwrap() - gap - fault_ms;
    eprintln!("stall detected {detected_after} ms after the fault (stall timeout 1 s); new video reached viewers {gap} ms after detection");
    assert!(detected_after <= 1500, "detection took {detected_after} ms");
    assert!(gap < 1000, "gap {gap} ms");

    let (ok, errors) = finish(ffmpeg, Duration::from_secs(30));
    eprintln!("ffmpeg across the switch printed:\n{errors}");
    assert!(ok, "ffmpeg failed: {errors}");
    assert!(
        errors.lines().count() <= 5,
        "more than a handful of errors:\n{errors}"
    );
    let metrics = server.metrics();
    assert!(
        metrics.contains("streamforge_source_failures_total{reason=\"stall\"} 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("streamforge_failovers_total 1\n"),
        "{metrics}"
    );
}

#[test]
fn close_junk_a_drip_and_a_5xx_at_reconnect_each_fail_over() {
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = prepared(&sim, 4);
    let server = common::Server::start(
        data.path(),
        &[
            "--stall-timeout",
            "1",
            "--slow-timeout",
            "2",
            "--idle-grace",
            "0",
        ],
    );
    let n = number_of(&server.base, "Das Erste");
    let url = format!("{}/stream/{n}", server.base);
    for (fault, warmup, reason) in [
        (Fault::Close, 2, "broken"),
        (Fault::Garbage, 2, "not_ts"),
        (Fault::Rate(5), 9, "slow"),
    ] {
        sim.clear_faults();
        // The HD variant refuses reconnects (5xx): the failover goes on to SD.
        sim.set_fault(Endpoint::LiveStream(12001), Fault::Status(502));
        let until = Instant::now() + Duration::from_secs(warmup + 12);
        let v = viewer(url.clone(), until);
        std::thread::sleep(Duration::from_secs(warmup));
        sim.set_fault(Endpoint::LiveStream(12002), fault.clone());
        // While the viewer watches, the channel moves to SD (HD refused).
        let what = format!("{fault:?}");
        wait_for_source(
            &server,
            data.path(),
            "12003",
            Duration::from_secs(10),
            &what,
        );
        survived(v, &what);
        let metrics = server.metrics();
        let line = format!("streamforge_source_failures_total{{reason=\"{reason}\"}} ");
        let count = metrics
            .lines()
            .find_map(|l| l.strip_prefix(line.as_str()))
            .unwrap_or("0");
        assert!(count.parse::<u64>().unwrap() >= 1, "{fault:?}: {metrics}");
        eprintln!(
            "{fault:?}: switched, new video {} ms after detection",
            last_gap(data.path())
        );
        // Let the channel close before the next round.
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[test]
fn when_no_source_is_left_the_stream_ends_cleanly_and_everything_is_released() {
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = prepared(&sim, 4);
    let server = common::Server::start(data.path(), &["--stall-timeout", "1"]);
    let n = number_of(&server.base, "Das Erste");
    let v = viewer(
        format!("{}/stream/{n}", server.base),
        Instant::now() + Duration::from_secs(20),
    );
    std::thread::sleep(Duration::from_secs(2));
    sim.set_fault(Endpoint::Live, Fault::Stall);
    let (bytes, ended) = v.join().unwrap();
    assert!(
        ended,
        "the body ends (chunked terminator) when nothing is left"
    );
    assert_eq!(streamforge_ts::check(&bytes).misaligned_at, None);
    let events = cli(data.path(), &["events", "--kind", "failover-failed"]);
    assert!(
        events.contains("no other source works") && events.contains("12003"),
        "{events}"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let s = server.status();
        if s["tuners_in_use"] == 0 && s["sessions"].as_array().unwrap().is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "still held: {s}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_redirect_source_whose_token_expired_fails_over_through_a_fresh_redirect() {
    let mut config = common::test_panel();
    // Streams answer 302 to a load balancer with a token valid for 1 s.
    config.stream_redirect = Some(Duration::from_secs(1));
    let sim = SimProvider::start_blocking(config);
    let data = prepared(&sim, 4);
    let server = common::Server::start(data.path(), &["--stall-timeout", "1"]);
    let n = number_of(&server.base, "Das Erste");
    let until = Instant::now() + Duration::from_secs(9);
    let v = viewer(format!("{}/stream/{n}", server.base), until);
    // Long past the token's life, the load balancer's stream stalls.
    std::thread::sleep(Duration::from_secs(3));
    sim.set_fault(Endpoint::LiveStream(12002), Fault::Stall);
    wait_for_source(
        &server,
        data.path(),
        "12001",
        Duration::from_secs(5),
        "expired token",
    );
    survived(v, "expired token");
    let lb_requests = sim
        .request_log()
        .iter()
        .filter(|r| r.path.starts_with("/lb/"))
        .count();
    assert!(
        lb_requests >= 2,
        "both sources came through the load balancer"
    );
}

#[test]
fn a_provider_evicting_our_connection_makes_the_channel_fail_over() {
    let mut config = common::test_panel();
    // The panel allows one connection and closes the oldest for a new one.
    config.max_connections = 1;
    config.evict_oldest = true;
    let sim = SimProvider::start_blocking(config);
    let data = prepared(&sim, 4);
    let server = common::Server::start(data.path(), &["--stall-timeout", "1"]);
    let n = number_of(&server.base, "Das Erste");
    let until = Instant::now() + Duration::from_secs(8);
    let v = viewer(format!("{}/stream/{n}", server.base), until);
    std::thread::sleep(Duration::from_secs(2));
    // Someone else (a phone app) uses the same account directly.
    let mut other = client()
        .get(format!(
            "{}/live/{}/{}/11001.ts",
            sim.base_url(),
            sim.config().username,
            sim.config().password
        ))
        .send()
        .unwrap();
    let mut buf = [0u8; 1024];
    let _ = other.read(&mut buf);
    survived(v, "eviction");
    let events = cli(data.path(), &["events", "--kind", "failover"]);
    assert!(events.contains("12002 (FHD) failed"), "{events}");
}

#[test]
fn a_silent_source_gets_its_backup_connected_ahead_and_let_go_when_data_returns() {
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = prepared(&sim, 4);
    // Stall after 3 s of silence, so the standby starts after 1.5 s.
    let server = common::Server::start(data.path(), &["--stall-timeout", "3"]);
    let n = number_of(&server.base, "Das Erste");
    let url = format!("{}/stream/{n}", server.base);
    let v = viewer(url, Instant::now() + Duration::from_secs(14));
    wait_until_explained(
        Duration::from_secs(10),
        || source_key(&server) == "12002",
        || "the channel never played".into(),
    );
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(sim.open_streams(), 1);
    let opened = "streamforge_standby_connects_total{outcome=\"opened\"}";
    let used = "streamforge_standby_connects_total{outcome=\"used\"}";

    // Silence that ends before the stall: the backup connects, then goes.
    sim.set_fault(Endpoint::LiveStream(12002), Fault::Stall);
    let silent = Instant::now();
    wait_until_explained(
        Duration::from_millis(2900),
        || sim.open_streams() == 2,
        || "no backup connected ahead".into(),
    );
    let ahead_after = silent.elapsed();
    sim.set_fault(Endpoint::LiveStream(12002), Fault::None);
    eprintln!(
        "backup connected {} ms into the silence",
        ahead_after.as_millis()
    );
    assert!(
        ahead_after >= Duration::from_millis(1400),
        "too early: {ahead_after:?}"
    );
    wait_until_explained(
        Duration::from_secs(3),
        || sim.open_streams() == 1,
        || "the unused backup stayed connected".into(),
    );
    assert_eq!(source_key(&server), "12002", "no switch");
    // 0 when data came back before the backup's first packets did.
    assert!(server.metric(opened) <= 1);
    assert_eq!(server.metric(used), 0);
    assert_eq!(server.metric("streamforge_failovers_total"), 0);

    // Silence that becomes a stall: the switch takes the backup already open.
    std::thread::sleep(Duration::from_millis(500));
    sim.set_fault(Endpoint::LiveStream(12002), Fault::Stall);
    wait_for_source(
        &server,
        data.path(),
        "12001",
        Duration::from_secs(6),
        "stall",
    );
    assert!(server.metric(opened) >= 1);
    assert_eq!(server.metric(used), 1);
    let events = cli(data.path(), &["events", "--kind", "failover"]);
    assert!(events.contains("(connected ahead)"), "{events}");
    eprintln!(
        "gap with the backup connected ahead: {} ms",
        last_gap(data.path())
    );
    let bytes = survived(v, "standby");
    assert!(streamforge_ts::check(&bytes).discontinuities >= 1);
}

#[test]
fn a_standby_never_takes_a_connection_the_account_does_not_have() {
    let sim = SimProvider::start_blocking(common::test_panel());
    // One connection: a backup on the same account can only follow the failure.
    let data = prepared(&sim, 1);
    let server = common::Server::start(data.path(), &["--stall-timeout", "2"]);
    let n = number_of(&server.base, "Das Erste");
    let v = viewer(
        format!("{}/stream/{n}", server.base),
        Instant::now() + Duration::from_secs(8),
    );
    wait_until_explained(
        Duration::from_secs(10),
        || source_key(&server) == "12002",
        || "the channel never played".into(),
    );
    sim.set_fault(Endpoint::LiveStream(12002), Fault::Stall);
    std::thread::sleep(Duration::from_millis(1600));
    assert_eq!(
        sim.stream_connections_total(),
        1,
        "no standby past the limit"
    );
    wait_for_source(
        &server,
        data.path(),
        "12001",
        Duration::from_secs(5),
        "stall",
    );
    let opened = "streamforge_standby_connects_total{outcome=\"opened\"}";
    assert_eq!(server.metric(opened), 0);
    assert_eq!(server.metric("streamforge_failovers_total"), 1);
    let events = cli(data.path(), &["events", "--kind", "failover"]);
    assert!(!events.contains("(connected ahead)"), "{events}");
    survived(v, "stall at the account's limit");
}
