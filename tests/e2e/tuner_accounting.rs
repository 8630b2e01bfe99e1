//! Tuner accounting that matches the provider: a panel that advertises two
//! connections but closes the oldest as a second opens lowers the account's
//! effective limit (event, `account list`, TunerCount), kept across a
//! restart, raised by `account set --max-connections` and after the quiet
//! time; `account test` shows the provider's count beside StreamForge's; a
//! channel change by the same client on a one-connection account plays the
//! new channel instead of answering 805, and never takes another client's;
//! zapping like a remote control (20 tunes 0.3 s apart, cycling channels, on
//! a 3-connection account) is never refused for tuners held by nobody.

use crate::common::{
    self, cli, client, get_json, number_of, prepared, viewer, wait_until_explained,
};
use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};
use streamforge_sim::{Endpoint, Fault, SimProvider};

/// Long enough for a connect, a sync or a store write to show.
const SHOWS: Duration = Duration::from_secs(20);

fn tuner_count(server: &common::Server) -> serde_json::Value {
    get_json(&format!("{}/discover.json", server.base))["TunerCount"].clone()
}

/// Waits until `/discover.json` advertises `n` tuners.
fn wait_tuners(server: &common::Server, data: &Path, n: u32, what: &str) {
    wait_until_explained(
        SHOWS,
        || tuner_count(server) == n,
        || {
            format!(
                "{what}: TunerCount {} not {n}; events: {}",
                tuner_count(server),
                cli(data, &["events"])
            )
        },
    );
}

/// Tunes two channels of the account: the panel evicts the first one's
/// connection, and StreamForge lowers the limit to 1. The viewer of the
/// second channel, still playing.
fn evict_once(sim: &SimProvider, server: &common::Server, data: &Path) -> common::Viewer {
    let bbc = number_of(&server.base, "BBC One");
    let sky = number_of(&server.base, "Sky News");
    let first = viewer(format!("{}/stream/{bbc}", server.base));
    wait_until_explained(
        SHOWS,
        || first.received() > 0,
        || "BBC One did not play".into(),
    );
    let second = viewer(format!("{}/stream/{sky}", server.base));
    wait_until_explained(
        SHOWS,
        || second.received() > 0,
        || "Sky News did not play".into(),
    );
    wait_until_explained(
        SHOWS,
        || {
            cli(data, &["events", "--kind", "account-limit-lowered"])
                .contains("allows 1 connection(s), not 2")
        },
        || format!("no lowering: {}", cli(data, &["events"])),
    );
    // The evicted channel had nowhere to go (its account is at 1): it ended.
    wait_until_explained(SHOWS, || first.finished(), || "BBC One still plays".into());
    assert_eq!(sim.open_streams(), 1, "one connection, the newest");
    second
}

#[test]
fn a_provider_allowing_fewer_connections_lowers_the_limit_until_quiet_or_reset() {
    let mut config = common::test_panel();
    config.max_connections = 2;
    config.enforced_connections = Some(1);
    let sim = SimProvider::start_blocking(config);
    let data = prepared(&sim, 2);
    let password = sim.config().password.clone();
    let long_quiet = ["--idle-grace", "0", "--limit-quiet-time", "3600"];
    let server = common::Server::start(data.path(), &long_quiet);
    assert_eq!(tuner_count(&server), 2);

    let playing = evict_once(&sim, &server, data.path());
    wait_tuners(&server, data.path(), 1, "after the eviction");
    let list = cli(data.path(), &["account", "list"]);
    assert!(
        list.contains("2 (provider allows 1 — lowered ") && list.contains("after an eviction"),
        "{list}"
    );
    let events = cli(data.path(), &["events"]);
    assert!(!events.contains(&password) && !list.contains(&password));
    // The provider's own count beside StreamForge's.
    wait_until_explained(
        SHOWS,
        || {
            let test = cli(data.path(), &["account", "test", "main"]);
            test.contains("1 active of 2 allowed")
                && test.contains("StreamForge: 1 open of its limit of 1")
        },
        || cli(data.path(), &["account", "test", "main"]),
    );
    drop(playing);
    server.wait_released();
    let test = cli(data.path(), &["account", "test", "main"]);
    assert!(
        test.contains("0 active of 2 allowed")
            && test.contains("StreamForge: 0 open of its limit of 1"),
        "{test}"
    );
    assert!(!test.contains(&password));

    // Kept across a restart.
    drop(server);
    let server = common::Server::start(data.path(), &long_quiet);
    assert_eq!(
        tuner_count(&server),
        1,
        "the lowered limit survives a restart"
    );
    assert!(cli(data.path(), &["account", "list"]).contains("provider allows 1"));

    // The user's word raises it at once...
    let out = cli(
        data.path(),
        &["account", "set", "main", "--max-connections", "2"],
    );
    assert!(out.contains("2 connections"), "{out}");
    wait_tuners(&server, data.path(), 2, "after account set");
    assert!(!cli(data.path(), &["account", "list"]).contains("provider allows"));

    // ...and so does a quiet time without evictions.
    drop(evict_once(&sim, &server, data.path()));
    wait_tuners(&server, data.path(), 1, "after the second eviction");
    server.wait_released();
    drop(server);
    let server = common::Server::start(
        data.path(),
        &["--idle-grace", "0", "--limit-quiet-time", "2"],
    );
    wait_until_explained(
        SHOWS,
        || {
            cli(data.path(), &["events", "--kind", "account-limit-raised"])
                .contains("back to 2 connection(s)")
        },
        || format!("not raised: {}", cli(data.path(), &["events"])),
    );
    wait_tuners(&server, data.path(), 2, "after the quiet time");
    assert!(!cli(data.path(), &["account", "list"]).contains("provider allows"));
}

/// A blocking client whose connections come from `source` (a loopback address).
fn client_from(source: &str) -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .no_proxy()
        .local_address(source.parse::<std::net::IpAddr>().unwrap())
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

#[test]
fn a_channel_change_by_the_same_client_on_a_one_connection_account_gets_the_new_channel() {
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = prepared(&sim, 1);
    // A long idle grace: a channel left behind surely still holds the tuner.
    let server = common::Server::start(data.path(), &["--idle-grace", "60"]);
    assert_eq!(tuner_count(&server), 1);
    let bbc = number_of(&server.base, "BBC One");
    let sky = number_of(&server.base, "Sky News");

    // The client watches BBC One and, still connected, asks for Sky News.
    let old = viewer(format!("{}/stream/{bbc}", server.base));
    wait_until_explained(
        SHOWS,
        || old.received() > 0,
        || "BBC One did not play".into(),
    );
    let mut new = client()
        .get(format!("{}/stream/{sky}", server.base))
        .send()
        .unwrap();
    assert_eq!(new.status(), 200, "a channel change, not 805");
    let mut buf = vec![0u8; 188 * 50];
    new.read_exact(&mut buf).unwrap();
    assert_eq!(buf[0], 0x47);
    wait_until_explained(SHOWS, || old.finished(), || "BBC One still plays".into());
    let (_, ended) = old.stop();
    assert!(ended, "the old channel's body ended cleanly");
    let events = cli(data.path(), &["events", "--kind", "channel-change"]);
    assert!(
        events.contains("BBC One") && events.contains("Sky News"),
        "{events}"
    );
    let s = server.status();
    assert_eq!(s["sessions"].as_array().unwrap().len(), 1, "{s}");
    assert_eq!(s["sessions"][0]["name"], "Sky News", "{s}");
    wait_until_explained(
        SHOWS,
        || sim.open_streams() == 1,
        || format!("{} provider connections", sim.open_streams()),
    );

    // Another client (another loopback address) never takes it.
    let refused = client_from("127.0.0.2")
        .get(format!("{}/stream/{bbc}", server.base))
        .send()
        .unwrap();
    assert_eq!(refused.status(), 503);
    assert_eq!(
        refused.headers()["x-hdhomerun-error"],
        "805 All Tuners In Use"
    );
    new.read_exact(&mut buf).unwrap();
    assert_eq!(buf[0], 0x47, "Sky News plays on");

    // The way Plex changes channel: the old stream closed first, the new one
    // asked for while the old channel waits out its idle grace.
    drop(new);
    wait_until_explained(
        SHOWS,
        || server.status()["sessions"][0]["viewers"] == 0,
        || format!("Sky News still has its viewer: {}", server.status()),
    );
    let mut back = client()
        .get(format!("{}/stream/{bbc}", server.base))
        .send()
        .unwrap();
    assert_eq!(back.status(), 200, "a channel change within the idle grace");
    back.read_exact(&mut buf).unwrap();
    assert_eq!(buf[0], 0x47);
    let s = server.status();
    assert_eq!(s["sessions"].as_array().unwrap().len(), 1, "{s}");
    assert_eq!(s["sessions"][0]["name"], "BBC One", "{s}");
    wait_until_explained(
        SHOWS,
        || sim.open_streams() == 1,
        || format!("{} provider connections", sim.open_streams()),
    );
}

#[test]
fn a_limit_answer_below_the_limit_lowers_it_too() {
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = prepared(&sim, 2);
    let server = common::Server::start(data.path(), &["--idle-grace", "0"]);
    assert_eq!(tuner_count(&server), 2);
    let bbc = number_of(&server.base, "BBC One");
    let sky = number_of(&server.base, "Sky News");
    let playing = viewer(format!("{}/stream/{bbc}", server.base));
    wait_until_explained(
        SHOWS,
        || playing.received() > 0,
        || "BBC One did not play".into(),
    );
    // With one connection open, the panel answers 458 to a second.
    for id in [11021, 11022] {
        sim.set_fault(Endpoint::LiveStream(id), Fault::Status(458));
    }
    let refused = client()
        .get(format!("{}/stream/{sky}", server.base))
        .send()
        .unwrap();
    assert_eq!(refused.status(), 503);
    wait_until_explained(
        SHOWS,
        || {
            cli(data.path(), &["events", "--kind", "account-limit-lowered"]).contains(
                "allows 1 connection(s), not 2 (it answered HTTP 458 with 1 connection(s) open)",
            )
        },
        || format!("no lowering: {}", cli(data.path(), &["events"])),
    );
    wait_tuners(&server, data.path(), 1, "after the refusal");
    let list = cli(data.path(), &["account", "list"]);
    assert!(
        list.contains("provider allows 1") && list.contains("after a refusal (HTTP 458)"),
        "{list}"
    );
    drop(playing);
    server.wait_released();
}

#[test]
fn zapping_like_a_remote_never_meets_a_tuner_held_by_nobody() {
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = prepared(&sim, 3);
    // The default idle grace (3 s): every channel left behind holds its
    // tuner long after the next tune.
    let server = common::Server::start(data.path(), &[]);
    assert_eq!(tuner_count(&server), 3);
    let channels: Vec<String> = ["BBC One", "ITV1", "Sky News", "Das Erste", "ZDF"]
        .iter()
        .map(|name| number_of(&server.base, name))
        .collect();
    let mut refused = Vec::new();
    let mut watching: Option<reqwest::blocking::Response> = None;
    let start = Instant::now();
    for i in 0..20u32 {
        // The remote control's pace: a tune every 0.3 s (a schedule, not a wait).
        let due = start + Duration::from_millis(300 * u64::from(i));
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
        // The old channel closes as the next one is asked for.
        drop(watching.take());
        let n = &channels[i as usize % channels.len()];
        let mut resp = client()
            .get(format!("{}/stream/{n}", server.base))
            .send()
            .unwrap();
        if resp.status() != 200 {
            let why = resp.headers().get("x-hdhomerun-error").cloned();
            refused.push(format!("tune {i} (channel {n}): {} {why:?}", resp.status()));
            continue;
        }
        let mut first = [0u8; 188];
        resp.read_exact(&mut first).unwrap();
        assert_eq!(first[0], 0x47);
        watching = Some(resp);
    }
    let events = cli(data.path(), &["events"]);
    assert!(refused.is_empty(), "{refused:#?}\n{events}");
    assert!(events.contains("idle-session-ended"), "{events}");
    let s = server.status();
    assert!(s["tuners_in_use"].as_u64().unwrap() <= 3, "{s}");
    drop(watching);
    server.wait_released();
}
