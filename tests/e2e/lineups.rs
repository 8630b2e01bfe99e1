//! Several lineups from one server: each a whole HDHomeRun device (by path
//! and by port) that Plex's sequence works against, with its own DeviceID
//! and channels (404 for a channel outside it), kept across a restart and a
//! backup; tunes through every lineup drawing on one provider account never
//! open more connections than it allows; `lineup split` of a 1 200-channel
//! lineup; the real `hdhomerun_config discover` finds every device.

use crate::common;
use crate::common::{cli, client, get_json, prepared, wait_until};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::time::Duration;
use streamforge_sim::SimProvider;

/// `number → (name, URL)` of the lineup a device at `base` serves.
fn lineup(base: &str) -> BTreeMap<String, (String, String)> {
    get_json(&format!("{base}/lineup.json"))
        .as_array()
        .unwrap_or_else(|| panic!("{base}/lineup.json is a list"))
        .iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
            (s("GuideNumber"), (s("GuideName"), s("URL")))
        })
        .collect()
}

/// The HTTP status of a GET of `url`, reading a little of a 200's body.
fn status_of(url: &str) -> (u16, Vec<u8>) {
    let mut resp = client()
        .get(url)
        .send()
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    let status = resp.status().as_u16();
    let mut buf = vec![0u8; 188 * 10];
    if status == 200 {
        resp.read_exact(&mut buf)
            .unwrap_or_else(|e| panic!("{url}: {e}"));
    } else {
        buf.clear();
    }
    (status, buf)
}

/// A port nothing listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Plex's sequence against the device at `base`: discover, lineup_status,
/// lineup, a tune of its first channel; its DeviceID.
fn plex_sequence(base: &str, server: &common::Server) -> String {
    let d = get_json(&format!("{base}/discover.json"));
    assert_eq!(d["BaseURL"], base, "{d}");
    assert_eq!(d["LineupURL"], format!("{base}/lineup.json"), "{d}");
    let status = get_json(&format!("{base}/lineup_status.json"));
    assert_eq!(status["ScanInProgress"], 0);
    let channels = lineup(base);
    let (number, (_, url)) = channels.iter().next().expect("a channel");
    assert_eq!(
        url,
        &format!("{base}/stream/{number}"),
        "URLs stay inside the device"
    );
    let (code, bytes) = status_of(url);
    assert_eq!(code, 200, "{url} plays");
    assert_eq!(bytes[0], 0x47, "MPEG-TS from {url}");
    server.wait_released();
    d["DeviceID"].as_str().unwrap().to_string()
}

#[test]
fn three_lineups_are_three_devices_kept_across_restart_and_backup() {
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = prepared(&sim, 2);
    let all = common::served_numbers(data.path());
    assert!(all.len() >= 6, "{all:?}");
    let port = free_port();
    cli(
        data.path(),
        &[
            "lineup",
            "create",
            "kids",
            "--channel",
            &all[0],
            "--channel",
            &all[1],
        ],
    );
    cli(
        data.path(),
        &[
            "lineup", "create", "sports", "--from", &all[2], "--to", &all[3],
        ],
    );
    let out = cli(
        data.path(),
        &[
            "lineup",
            "create",
            "den",
            "--channel",
            &all[4],
            "--port",
            &port.to_string(),
            "--friendly-name",
            "Den TV",
        ],
    );
    assert!(
        out.contains("Den TV") && out.contains("/lineups/den"),
        "{out}"
    );
    let err = common::process::cli_fails(data.path(), &["lineup", "create", "Bad/Name"]);
    assert!(err.contains("lowercase letters"), "{err}");

    let server = common::Server::start(data.path(), &["--idle-grace", "0"]);
    let base = server.base.clone();
    let kids = format!("{base}/lineups/kids");
    let sports = format!("{base}/lineups/sports");
    let den = format!("http://127.0.0.1:{port}");
    wait_until(
        "the den lineup's own listener",
        Duration::from_secs(20),
        || client().get(format!("{den}/discover.json")).send().is_ok(),
    );
    let mut ids = BTreeSet::new();
    for device in [&base, &kids, &sports, &den] {
        ids.insert(plex_sequence(device, &server));
    }
    assert_eq!(ids.len(), 4, "every device has its own DeviceID: {ids:?}");
    let names: BTreeSet<String> = lineup(&kids).into_keys().collect();
    assert_eq!(names, BTreeSet::from([all[0].clone(), all[1].clone()]));
    let ranged: BTreeSet<String> = lineup(&sports).into_keys().collect();
    assert_eq!(ranged, BTreeSet::from([all[2].clone(), all[3].clone()]));
    assert_eq!(
        get_json(&format!("{den}/discover.json"))["FriendlyName"],
        "Den TV"
    );
    // The den's path form is the same device, with its path BaseURL.
    let by_path = get_json(&format!("{base}/lineups/den/discover.json"));
    assert_eq!(
        by_path["DeviceID"],
        get_json(&format!("{den}/discover.json"))["DeviceID"]
    );

    // A channel outside a lineup is not there, whichever way it is asked for.
    assert_eq!(status_of(&format!("{kids}/stream/{}", all[2])).0, 404);
    assert_eq!(status_of(&format!("{kids}/auto/v{}", all[2])).0, 404);
    assert_eq!(status_of(&format!("{den}/stream/{}", all[0])).0, 404);
    assert_eq!(
        status_of(&format!("{base}/lineups/nope/discover.json")).0,
        404
    );
    assert_eq!(
        status_of(&format!("{base}/lineups/nope/stream/{}", all[0])).0,
        404
    );
    // The playlist and the guide of a lineup hold its channels, URLs inside it.
    let m3u = client()
        .get(format!("{kids}/playlist.m3u"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(m3u.matches("#EXTINF").count(), 2, "{m3u}");
    assert!(m3u.contains(&format!("{kids}/stream/{}", all[0])), "{m3u}");
    assert!(
        m3u.contains(&format!("url-tvg=\"{kids}/xmltv.xml\"")),
        "{m3u}"
    );
    let guide = client()
        .get(format!("{kids}/xmltv.xml"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(guide.matches("<channel id=").count() <= 2, "{guide}");
    let urls = cli(data.path(), &["urls"]);
    for l in ["kids", "sports", "den"] {
        assert!(urls.contains(&format!("/lineups/{l}")), "{urls}");
    }
    assert!(urls.contains(&format!("127.0.0.1:{port}")), "{urls}");
    let listed = cli(data.path(), &["lineup", "list", "--json"]);

    // A restart keeps DeviceIDs and numbers.
    let before: Vec<_> = [&kids, &sports]
        .iter()
        .map(|d| get_json(&format!("{d}/discover.json"))["DeviceID"].clone())
        .collect();
    let lineups_before = lineup(&kids);
    drop(server);
    let server = common::Server::start(data.path(), &["--idle-grace", "0"]);
    let (kids, sports) = (
        format!("{}/lineups/kids", server.base),
        format!("{}/lineups/sports", server.base),
    );
    let after: Vec<_> = [&kids, &sports]
        .iter()
        .map(|d| get_json(&format!("{d}/discover.json"))["DeviceID"].clone())
        .collect();
    assert_eq!(before, after);
    let numbers = |l: &BTreeMap<String, (String, String)>| {
        l.iter()
            .map(|(n, (name, _))| (n.clone(), name.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(numbers(&lineups_before), numbers(&lineup(&kids)));

    // A backup restored elsewhere has the same lineups.
    let archive = data.path().join("lineups.tar");
    cli(data.path(), &["backup", archive.to_str().unwrap()]);
    drop(server);
    let restored = common::data_dir();
    cli(restored.path(), &["restore", archive.to_str().unwrap()]);
    assert_eq!(cli(restored.path(), &["lineup", "list", "--json"]), listed);

    // Removed, it is gone.
    cli(data.path(), &["lineup", "remove", "sports"]);
    let server = common::Server::start(data.path(), &[]);
    assert_eq!(
        status_of(&format!("{}/lineups/sports/lineup.json", server.base)).0,
        404
    );
}

#[test]
fn tunes_through_every_lineup_never_open_more_than_the_account_allows() {
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = prepared(&sim, 2);
    let all = common::served_numbers(data.path());
    cli(
        data.path(),
        &[
            "lineup", "create", "kids", "--from", &all[0], "--to", &all[3],
        ],
    );
    cli(
        data.path(),
        &[
            "lineup", "create", "den", "--from", &all[2], "--to", &all[5],
        ],
    );
    let server = common::Server::start(data.path(), &["--idle-grace", "0"]);
    let base = server.base.clone();
    let devices = [
        base.clone(),
        format!("{base}/lineups/kids"),
        format!("{base}/lineups/den"),
    ];

    // Two lineups tuning different channels fill the account; a third tune gets 805.
    let a = common::playing(&format!("{}/stream/{}", devices[0], all[0]));
    let b = common::playing(&format!("{}/stream/{}", devices[1], all[1]));
    let third = client()
        .get(format!("{}/stream/{}", devices[2], all[2]))
        .send()
        .unwrap();
    assert_eq!(third.status(), 503);
    assert_eq!(
        third.headers()["x-hdhomerun-error"],
        "805 All Tuners In Use"
    );
    // A viewer of a playing channel shares its connection, whatever its lineup.
    let c = common::playing(&format!("{}/stream/{}", devices[1], all[0]));
    let status = server.status();
    let lineups: BTreeMap<String, u64> = status["lineups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["name"].as_str().unwrap().to_string(),
                l["in_use"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(lineups["main"] + lineups["kids"], 2, "{status}");
    assert_eq!(
        server.metric("streamforge_lineup_tuners_in_use{lineup=\"kids\"}"),
        lineups["kids"]
    );
    drop((a, b, c, third));
    server.wait_released();

    // With a higher priority and `preempt`, a tune through den ends the
    // oldest session of a lower-priority lineup instead of getting 805.
    cli(
        data.path(),
        &[
            "lineup",
            "set",
            "den",
            "--priority",
            "10",
            "--preempt",
            "true",
        ],
    );
    let a = common::playing(&format!("{}/stream/{}", devices[0], all[0]));
    let b = common::playing(&format!("{}/stream/{}", devices[1], all[1]));
    let d = common::playing(&format!("{}/stream/{}", devices[2], all[2]));
    let events = cli(data.path(), &["events"]);
    assert!(
        events.contains("tuner-preempted")
            && events.contains(&format!("channel {} ", all[0]))
            && events.contains("lineup den"),
        "{events}"
    );
    assert!(sim.open_streams() <= 2);
    drop((a, b, d));
    server.wait_released();
    cli(
        data.path(),
        &[
            "lineup",
            "set",
            "den",
            "--priority",
            "0",
            "--preempt",
            "false",
        ],
    );

    // 200 random tunes from four clients across the lineups: the panel never
    // sees more than two connections.
    let peak = std::sync::atomic::AtomicUsize::new(0);
    let done = std::sync::atomic::AtomicBool::new(false);
    let relaxed = std::sync::atomic::Ordering::Relaxed;
    let codes = std::thread::scope(|scope| {
        scope.spawn(|| {
            while !done.load(relaxed) {
                peak.fetch_max(sim.open_streams(), relaxed);
                std::thread::sleep(Duration::from_millis(2));
            }
        });
        let clients: Vec<_> = (0..4u64)
            .map(|seed| {
                let (devices, all) = (&devices, &all);
                scope.spawn(move || {
                    let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ (seed + 1);
                    let mut codes = BTreeMap::new();
                    for _ in 0..50 {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        let device = &devices[(x % 3) as usize];
                        let number = &all[((x >> 8) % 6) as usize];
                        let (code, _) = status_of(&format!("{device}/stream/{number}"));
                        *codes.entry(code).or_insert(0u32) += 1;
                    }
                    codes
                })
            })
            .collect();
        let mut codes: BTreeMap<u16, u32> = BTreeMap::new();
        for c in clients {
            for (code, n) in c.join().unwrap() {
                *codes.entry(code).or_default() += n;
            }
        }
        done.store(true, relaxed);
        codes
    });
    eprintln!("random tunes: {codes:?}, peak {}", peak.load(relaxed));
    assert!(
        codes.keys().all(|c| [200, 404, 503].contains(c)),
        "{codes:?}"
    );
    assert!(codes.get(&200).copied().unwrap_or(0) > 20, "{codes:?}");
    assert!(
        peak.load(relaxed) <= 2,
        "the panel saw {} connections at once ({codes:?})",
        peak.load(relaxed)
    );
}

#[test]
fn a_lineup_of_1200_channels_splits_into_devices_plex_shows_whole() {
    let mut config = streamforge_sim::SimConfig::from_rows(&[(1, "All")], &[]);
    config.username = "tester".into();
    config.password = "t3st-Pa55w0rd!".into();
    config.max_connections = 2;
    config.guide_hours = 1;
    config.channels = (0..1200u32)
        .map(|i| streamforge_sim::SimChannel {
            stream_id: 20_000 + i,
            num: i + 1,
            name: format!("Channel {i} HD"),
            guide_name: format!("Channel {i}"),
            icon: None,
            epg_channel_id: Some(format!("ch{i}.test")),
            category_id: 1,
            added: 1_700_000_000,
            archive_days: 0,
        })
        .collect();
    let sim = SimProvider::start_blocking(config);
    let data = prepared(&sim, 2);
    let out = cli(data.path(), &["lineup", "split", "main", "--max", "480"]);
    assert!(out.contains("into 3 lineups"), "{out}");
    let server = common::Server::start(data.path(), &[]);
    let main: Vec<String> = lineup(&server.base).into_keys().collect();
    assert_eq!(main.len(), 1200);
    let mut seen = Vec::new();
    for part in ["main-1", "main-2", "main-3"] {
        let channels = lineup(&format!("{}/lineups/{part}", server.base));
        assert!(
            !channels.is_empty() && channels.len() <= 480,
            "{part}: {}",
            channels.len()
        );
        seen.extend(channels.into_keys());
    }
    seen.sort();
    let mut expected = main.clone();
    expected.sort();
    assert_eq!(seen, expected, "every channel exactly once");
    let urls = cli(data.path(), &["urls"]);
    assert!(urls.contains("/lineups/main-3"), "{urls}");
    assert!(
        urls.contains("Plex shows at most 480"),
        "main itself is still too big: {urls}"
    );
}

/// The real `hdhomerun_config discover`, broadcasting in one network
/// namespace, finds `main` and both lineups of a server in the other, each
/// by its own DeviceID (nothing leaves the two namespaces).
#[test]
fn hdhomerun_config_discovers_every_lineup() {
    use crate::common::netns;
    use std::process::Command;
    netns::require(&[
        ("ip", "apt-get install -y iproute2"),
        ("hdhomerun_config", "apt-get install -y hdhomerun-config"),
    ]);
    let data = common::data_dir();
    cli(data.path(), &["lineup", "create", "kids"]);
    cli(data.path(), &["lineup", "create", "den", "--port", "5005"]);
    let listed: serde_json::Value =
        serde_json::from_str(&cli(data.path(), &["lineup", "list", "--json"])).unwrap();
    let mut ids: Vec<String> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["name"] != "main")
        .map(|l| l["device_id"].as_str().unwrap().to_string())
        .collect();
    ids.push("10439EFD".into());
    let pair = netns::Pair::create("lnp", "10.254.78");
    let server_ip = pair.addr_a;
    let base_url = format!("http://{server_ip}:5004");
    let server = netns::serve_in(
        &pair.a,
        data.path(),
        &[
            "--listen",
            "0.0.0.0:5004",
            "--device-id",
            "10439EFD",
            "--base-url",
            &base_url,
        ],
    );
    common::wait_for_ok(
        "hdhomerun_config finding three devices",
        Duration::from_secs(45),
        || {
            let mut discover = Command::new("ip");
            discover.args(["netns", "exec", &pair.b, "hdhomerun_config", "discover"]);
            let output = netns::run_bounded(discover, Duration::from_secs(15));
            let missing: Vec<&String> = ids
                .iter()
                .filter(|id| {
                    !output.contains(&format!("hdhomerun device {id} found at {server_ip}"))
                })
                .collect();
            if missing.is_empty() {
                Ok(())
            } else {
                Err(format!("{missing:?} missing from {output:?}"))
            }
        },
    );
    drop(server);
    drop(pair);
}
