//! Mid-stream failover through real clients: the simulated provider's source
//! stalls, closes, turns to junk or drips while viewers watch; their
//! connections stay open, the next source plays, `ffmpeg` decodes across
//! the switch with at most a handful of error lines, and the TS checker
//! finds whole packets and one continuous programme: no counter jump at all
//! (the spliced source's counters go on from the old ones), so nothing to
//! mark. (`relay_players` judges the same switches through mpv and VLC.)

use crate::common;

use crate::common::{
    cli, client, decode, finish, number_of, prepared, second_of, viewer, wait_for_ok,
    wait_until_explained, Viewer,
};
use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};
use streamforge_sim::{Endpoint, Fault, SimProvider};

/// How long anything awaited below may take before the test fails.
const LIMIT: Duration = Duration::from_secs(30);

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

/// Waits (bounded) until the channel plays stream `key` to `viewers`
/// viewers, has received `bytes` of it from the provider, and each of
/// `watching` has received as much: the stream has played a while, measured
/// in progress rather than in time.
fn wait_playing(
    server: &common::Server,
    key: &str,
    viewers: u64,
    watching: &[&Viewer],
    bytes: usize,
) {
    wait_for_ok(&format!("{key} playing {bytes} bytes"), LIMIT, || {
        for v in watching {
            assert!(!v.finished(), "a viewer stopped reading before the fault");
        }
        let s = server.status();
        let session = &s["sessions"][0];
        let received: Vec<usize> = watching.iter().map(|v| v.received()).collect();
        let playing = session["stream_key"] == key
            && session["viewers"] == viewers
            && session["bytes"].as_u64().unwrap_or(0) >= bytes as u64
            && received.iter().all(|&n| n >= bytes);
        if playing {
            Ok(())
        } else {
            Err(format!("viewers received {received:?}; status {s}"))
        }
    });
}

/// Waits (bounded) until every viewer has received `more` bytes beyond what
/// it had on the call: video flows to it after a switch.
fn wait_more(watching: &[&Viewer], more: usize, what: &str) {
    let marks: Vec<usize> = watching.iter().map(|v| v.received()).collect();
    wait_for_ok(&format!("{what}: {more} more bytes"), LIMIT, || {
        for v in watching {
            assert!(!v.finished(), "{what}: a viewer's stream ended or broke");
        }
        let received: Vec<usize> = watching.iter().map(|v| v.received()).collect();
        if received.iter().zip(&marks).all(|(n, m)| *n >= m + more) {
            Ok(())
        } else {
            Err(format!("received {received:?}, from {marks:?}"))
        }
    });
}

/// Stops a viewer that must have survived a switch: its body never ended,
/// whole packets only, every counter jump marked. Returns its bytes.
pub(crate) fn survived(v: Viewer, what: &str) -> Vec<u8> {
    let (mut bytes, ended) = v.stop();
    assert!(!ended, "{what}: the viewer's stream ended");
    // Stopping may cut the last read inside a packet (any TCP read can end
    // there): only whole packets are judged.
    bytes.truncate(bytes.len() - bytes.len() % 188);
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
    let viewers: Vec<Viewer> = (0..3).map(|_| viewer(url.clone())).collect();
    let watching: Vec<&Viewer> = viewers.iter().collect();
    // FHD plays to ffmpeg and the three viewers, each of which has a second of it.
    wait_playing(&server, "12002", 4, &watching, second_of(&sim, 12002));
    let fault_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    sim.set_fault(Endpoint::LiveStream(12002), Fault::Stall);
    wait_for_source(
        &server,
        data.path(),
        "12001",
        Duration::from_secs(5),
        "stall",
    );
    // Two seconds of the HD variant reach every viewer after the switch.
    wait_more(&watching, 2 * second_of(&sim, 12001), "stall");

    for v in viewers {
        let bytes = survived(v, "stall");
        let report = streamforge_ts::check(&bytes);
        // One programme across the splice: nothing jumps, nothing is marked.
        assert_eq!(report.discontinuities, 0, "a continuous splice");
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
            // Each round starts from FHD again, though it failed the round
            // before (relay_put_back.rs tests the cool-down).
            "--failover-cooldown",
            "0",
        ],
    );
    let n = number_of(&server.base, "Das Erste");
    let url = format!("{}/stream/{n}", server.base);
    let (fhd, sd) = (second_of(&sim, 12002), second_of(&sim, 12003));
    // Seconds of FHD played before the fault. A drip is judged against the
    // source's own usual rate, which takes 8 s of history (health.rs).
    for (round, (fault, warmup, reason)) in [
        (Fault::Close, 1, "broken"),
        (Fault::Garbage, 1, "not_ts"),
        // A fifth of the rate: slow (below 30 % of usual), yet still five
        // new pictures a second (at 5 % the picture would count as frozen).
        (Fault::Rate(20), 9, "slow"),
    ]
    .into_iter()
    .enumerate()
    {
        sim.clear_faults();
        // The HD variant refuses reconnects (5xx): the failover goes on to SD.
        sim.set_fault(Endpoint::LiveStream(12001), Fault::Status(502));
        let v = viewer(url.clone());
        wait_playing(&server, "12002", 1, &[&v], warmup * fhd);
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
        wait_more(&[&v], 2 * sd, &what);
        survived(v, &what);
        let failures = format!("streamforge_source_failures_total{{reason=\"{reason}\"}}");
        assert_eq!(
            server.metric(&failures),
            1,
            "{fault:?}: {}",
            server.metrics()
        );
        assert_eq!(
            server.metric("streamforge_failovers_total"),
            round as u64 + 1,
            "{fault:?}"
        );
        eprintln!(
            "{fault:?}: switched, new video {} ms after detection",
            last_gap(data.path())
        );
        // The channel closes (the viewer left) before the next round.
        server.wait_released();
    }
}

/// Das Erste (FHD 12002, then HD 12001, then SD 12003) playing its first
/// second of FHD to one viewer, served with `stall_timeout` seconds and the
/// account allowing `max_connections`.
struct Playing {
    sim: SimProvider,
    data: tempfile::TempDir,
    server: common::Server,
    v: Viewer,
}

fn das_erste_playing(max_connections: u32, stall_timeout: &str) -> Playing {
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = prepared(&sim, max_connections);
    let server = common::Server::start(data.path(), &["--stall-timeout", stall_timeout]);
    let n = number_of(&server.base, "Das Erste");
    let v = viewer(format!("{}/stream/{n}", server.base));
    wait_playing(&server, "12002", 1, &[&v], second_of(&sim, 12002));
    Playing {
        sim,
        data,
        server,
        v,
    }
}

#[test]
fn when_no_source_is_left_the_stream_ends_cleanly_and_everything_is_released() {
    let Playing {
        sim,
        data,
        server,
        v,
    } = das_erste_playing(4, "1");
    sim.set_fault(Endpoint::Live, Fault::Stall);
    // Every source stalls: the stall (1 s), then the backup's and the
    // failover's tries, each giving HD and SD their 5 s to first video
    // (about 21 s in all), well within the viewer's 60 s read timeout.
    wait_until_explained(
        Duration::from_secs(60),
        || v.finished(),
        || format!("the stream did not end: {}", cli(data.path(), &["events"])),
    );
    let (bytes, ended) = v.stop();
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
    server.wait_released();
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
    let v = viewer(format!("{}/stream/{n}", server.base));
    wait_playing(&server, "12002", 1, &[&v], second_of(&sim, 12002));
    // Past the token's life (the load balancer refuses the relay's token
    // now; asked with HEAD, told apart from the relay's GETs below), the
    // load balancer's stream stalls.
    let relays_token = sim
        .request_log()
        .iter()
        .find(|r| r.path == "/lb/12002.ts")
        .map(|r| format!("http://127.0.0.1:{}{}?{}", sim.lb_port(), r.path, r.query))
        .expect("the relay came through the load balancer");
    wait_until_explained(
        Duration::from_secs(10),
        || client().head(&relays_token).send().unwrap().status() == 403,
        || "the relay's token never expired".into(),
    );
    sim.set_fault(Endpoint::LiveStream(12002), Fault::Stall);
    wait_for_source(
        &server,
        data.path(),
        "12001",
        Duration::from_secs(5),
        "expired token",
    );
    wait_more(&[&v], 2 * second_of(&sim, 12001), "expired token");
    survived(v, "expired token");
    let relays_requests: Vec<String> = sim
        .request_log()
        .iter()
        .filter(|r| r.method == "GET" && r.path.starts_with("/lb/"))
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(
        relays_requests,
        ["/lb/12002.ts", "/lb/12001.ts"],
        "both sources came through the load balancer, each once"
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
    let v = viewer(format!("{}/stream/{n}", server.base));
    wait_playing(&server, "12002", 1, &[&v], second_of(&sim, 12002));
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
    // The relay's next source takes the connection back (evicting the app).
    wait_for_source(
        &server,
        data.path(),
        "12001",
        Duration::from_secs(10),
        "eviction",
    );
    wait_more(&[&v], 2 * second_of(&sim, 12001), "eviction");
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
    let v = viewer(url);
    let fhd = second_of(&sim, 12002);
    wait_playing(&server, "12002", 1, &[&v], fhd);
    // While data flows, one connection: no backup.
    assert_eq!(sim.open_streams(), 1);
    assert_eq!(sim.stream_connections_total(), 1);
    let opened = "streamforge_standby_connects_total{outcome=\"opened\"}";
    let used = "streamforge_standby_connects_total{outcome=\"used\"}";

    // Silence that ends before the stall: the backup connects, then goes.
    sim.set_fault(Endpoint::LiveStream(12002), Fault::Stall);
    let silent = Instant::now();
    // Connected: its first packets arrived (counted), before the 3 s stall.
    wait_until_explained(
        Duration::from_millis(2900),
        || server.metric(opened) == 1,
        || format!("no backup connected ahead: {}", server.metrics()),
    );
    let ahead_after = silent.elapsed();
    assert_eq!(sim.open_streams(), 2, "the backup's connection is open");
    // Silent past half the stall time: the session shows it.
    let health = server.status()["sessions"][0]["health"].clone();
    assert_eq!(health, "stalled");
    sim.set_fault(Endpoint::LiveStream(12002), Fault::None);
    eprintln!(
        "backup connected {} ms into the silence",
        ahead_after.as_millis()
    );
    assert!(
        ahead_after >= Duration::from_millis(1400),
        "too early: {ahead_after:?}"
    );
    // The backup is let go when data comes back, the same moment the stall
    // deadline moves: once it is gone, this silence can no longer switch.
    wait_until_explained(
        Duration::from_secs(3),
        || sim.open_streams() == 1,
        || "the unused backup stayed connected".into(),
    );
    assert_eq!(source_key(&server), "12002", "no switch");
    assert_eq!(server.status()["sessions"][0]["health"], "ok");
    assert_eq!(server.metric(opened), 1);
    assert_eq!(server.metric(used), 0);
    assert_eq!(server.metric("streamforge_failovers_total"), 0);

    // Silence that becomes a stall: the switch takes the backup already open.
    wait_more(&[&v], fhd / 2, "data back");
    sim.set_fault(Endpoint::LiveStream(12002), Fault::Stall);
    wait_for_source(
        &server,
        data.path(),
        "12001",
        Duration::from_secs(6),
        "stall",
    );
    assert_eq!(server.metric(opened), 2, "the first backup and this one");
    assert_eq!(server.metric(used), 1);
    let events = cli(data.path(), &["events", "--kind", "failover"]);
    assert!(events.contains("(connected ahead)"), "{events}");
    eprintln!(
        "gap with the backup connected ahead: {} ms",
        last_gap(data.path())
    );
    wait_more(&[&v], 2 * second_of(&sim, 12001), "standby");
    let bytes = survived(v, "standby");
    assert_eq!(streamforge_ts::check(&bytes).discontinuities, 0);
}

#[test]
fn a_standby_never_takes_a_connection_the_account_does_not_have() {
    // One connection: a backup on the same account can only follow the failure.
    let Playing {
        sim,
        data,
        server,
        v,
    } = das_erste_playing(1, "2");
    sim.set_fault(Endpoint::LiveStream(12002), Fault::Stall);
    // The switch comes with the stall (2 s), after the point a backup would
    // have been connected (1 s of silence): it marks that the moment passed.
    wait_for_source(
        &server,
        data.path(),
        "12001",
        Duration::from_secs(5),
        "stall",
    );
    // The provider saw the failed source and the one the failover connected,
    // nothing ahead of it, and the relay counts no backup.
    assert_eq!(
        sim.stream_connections_total(),
        2,
        "no standby past the limit"
    );
    let opened = "streamforge_standby_connects_total{outcome=\"opened\"}";
    assert_eq!(server.metric(opened), 0);
    assert_eq!(server.metric("streamforge_failovers_total"), 1);
    let events = cli(data.path(), &["events", "--kind", "failover"]);
    assert!(!events.contains("(connected ahead)"), "{events}");
    wait_more(
        &[&v],
        2 * second_of(&sim, 12001),
        "stall at the account's limit",
    );
    survived(v, "stall at the account's limit");
}

/// While a silent source is detected and replaced, viewers still get a TS
/// null packet at least every 500 ms (a player with a short read timeout
/// stays), and the nulls are part of no PID's continuity.
#[test]
fn viewers_hear_null_packets_while_a_stall_is_detected_and_replaced() {
    let Playing {
        sim,
        data,
        server,
        v,
    } = das_erste_playing(4, "2");
    let fault = Instant::now();
    sim.set_fault(Endpoint::LiveStream(12002), Fault::Stall);
    wait_for_source(&server, data.path(), "12001", LIMIT, "a stall");
    wait_more(&[&v], second_of(&sim, 12001), "after the switch");
    let switched = Instant::now();
    let (pause, reads) = v.longest_pause(fault, switched);
    let bytes = survived(v, "a stall with null packets");
    assert!(reads >= 4, "{reads} reads between the stall and the switch");
    assert!(
        pause < Duration::from_millis(500),
        "the viewer went {pause:?} without a byte during the stall"
    );
    let nulls = bytes
        .chunks_exact(188)
        .filter(|p| p[1] & 0x1F == 0x1F && p[2] == 0xFF)
        .count();
    assert!(nulls >= 3, "{nulls} null packets during a 2 s stall");
}
