//! Ranking by what streams are and do: a panel whose names lie (an "FHD"
//! that is 720p, an "HD" that is 1080p), an HEVC stream and an interlaced SD
//! one are measured by a play or by `streams probe`, and the channel's
//! streams are then tried in the order of what they measured; a stream that
//! froze ranks below an equal one that did not; and a channel that failed
//! over returns to its better stream once (and only once) that one is
//! healthy again, with ffmpeg reading across the return without an error.

use crate::common::{self, cli, number_of, prepared, wait_until, wait_until_explained};
use std::path::Path;
use std::time::Duration;
use streamforge_sim::{Clip, ClipKind, Endpoint, Fault, SimProvider};
use streamforge_testkit::clips;

/// How long anything awaited below may take before the test fails.
const LIMIT: Duration = Duration::from_secs(30);

/// The stream keys of guide channel `guide_id`, in the order they are tried.
fn stream_keys(data: &Path, guide_id: &str) -> Vec<String> {
    let out = cli(data, &["mappings", "--channel", guide_id, "--json"]);
    let list: serde_json::Value = serde_json::from_str(&out).expect("mappings --json");
    list[0]["streams"]
        .as_array()
        .expect("streams")
        .iter()
        .map(|s| {
            format!(
                "{}/{}",
                s["account"].as_str().unwrap(),
                s["key"].as_str().unwrap()
            )
        })
        .collect()
}

fn playing_key(server: &common::Server) -> String {
    server.status()["sessions"][0]["stream_key"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn streams_rank_by_what_they_measure_once_played_or_probed() {
    let mut config = common::test_panel();
    // Das Erste's "FHD" (12002) is 720p and its "HD" (12001) 1080p;
    // ProSieben "FHD HEVC" is HEVC indeed; ZDFneo "SD" is 576i.
    config
        .clip_overrides
        .insert(12002, Clip::builtin(ClipKind::Hd));
    config
        .clip_overrides
        .insert(12001, Clip::builtin(ClipKind::Fhd));
    config.clip_overrides.insert(12010, clips::hevc_fhd());
    config.clip_overrides.insert(12007, clips::interlaced_sd());
    let sim = SimProvider::start_blocking(config);
    let data = prepared(&sim, 2);
    let server = common::Server::start(data.path(), &["--idle-grace", "0"]);
    let erste = number_of(&server.base, "Das Erste");
    assert_eq!(
        stream_keys(data.path(), "daserste.de")[0],
        "main/12002",
        "before anything played, the names decide"
    );

    // One play measures the stream that plays.
    let viewer = common::media::viewer(format!("{}/stream/{erste}", server.base));
    wait_until("12002 measured", LIMIT, || {
        server.status()["sessions"][0]["measured"]["tier"] == "HD"
    });
    drop(viewer);
    server.wait_released();

    // A probe measures the others (12002 is known already).
    let out = cli(data.path(), &["streams", "probe", &erste]);
    assert!(
        out.contains("main/12001 (HD)") && out.contains("measured: 1920x1080p25 H.264 High (FHD)"),
        "{out}"
    );
    assert!(out.contains("main/12003 (SD)"), "{out}");
    assert!(!out.contains("main/12002"), "measured already: {out}");
    server.wait_released();

    // Now the measured tiers decide: the "HD" that is 1080p goes first, the
    // "FHD" that is 720p after it.
    assert_eq!(
        stream_keys(data.path(), "daserste.de"),
        ["main/12001", "main/12002", "main/12003"]
    );
    let stats = cli(
        data.path(),
        &["mappings", "--channel", "daserste.de", "--stats"],
    );
    assert!(stats.contains("main/12001  HD (measures FHD)"), "{stats}");
    assert!(stats.contains("main/12002  FHD (measures HD)"), "{stats}");
    assert!(
        stats.contains("FHD by name, 1280x720p25 H.264 High measured"),
        "{stats}"
    );
    let events = cli(data.path(), &["events", "--kind", "quality-mismatch"]);
    assert!(
        events.contains("main/12002 (FHD) is named FHD but measures")
            && events.contains(
                "main/12001 (HD) is named HD but measures 1920x1080p25 H.264 High (FHD) (probed)"
            ),
        "{events}"
    );
    // And a tune plays the best by measure.
    let viewer = common::media::viewer(format!("{}/stream/{erste}", server.base));
    wait_until("a source playing", LIMIT, || {
        !playing_key(&server).is_empty()
    });
    assert_eq!(playing_key(&server), "12001");
    let status = cli(data.path(), &["status"]);
    assert!(
        status.contains("▶ 1. main/12001 (HD) score 100"),
        "{status}"
    );
    drop(viewer);
    server.wait_released();

    // HEVC and an interlaced picture are read as what they are.
    let prosieben = number_of(&server.base, "ProSieben");
    let out = cli(data.path(), &["streams", "probe", &prosieben]);
    assert!(
        out.contains("measured: 1920x1080p25 HEVC Main (FHD)"),
        "{out}"
    );
    let neo = number_of(&server.base, "ZDFneo");
    let out = cli(data.path(), &["streams", "probe", &neo]);
    assert!(out.contains("measured: 720x576i25 H.264"), "{out}");
    assert!(out.contains("(SD)"), "{out}");
    // Nothing left to measure there.
    let out = cli(data.path(), &["streams", "probe", &neo]);
    assert!(
        out.contains("every stream has been measured already"),
        "{out}"
    );
    server.wait_released();
}

#[test]
fn a_stream_that_froze_ranks_below_an_equal_one_that_did_not() {
    // Two panels with the same channels: accounts `main` and `spare`.
    let sim = SimProvider::start_blocking(common::test_panel());
    let spare_sim = SimProvider::start_blocking(common::test_panel());
    let data = prepared(&sim, 2);
    let out = common::add_panel_account(
        data.path(),
        &spare_sim,
        "spare",
        &["--max-connections", "2"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    cli(data.path(), &["sync"]);
    cli(data.path(), &["match"]);
    let server = common::Server::start(
        data.path(),
        &[
            "--idle-grace",
            "0",
            "--stall-timeout",
            "1",
            "--restore-period",
            "0",
        ],
    );
    // Equal streams: the account's name breaks the tie.
    let order = stream_keys(data.path(), "daserste.de");
    assert_eq!(order[..2], ["main/12002", "spare/12002"], "{order:?}");
    let erste = number_of(&server.base, "Das Erste");
    let viewer = common::media::viewer(format!("{}/stream/{erste}", server.base));
    wait_until("main playing, its picture measured", LIMIT, || {
        let s = server.status();
        s["sessions"][0]["account"] == "main" && s["sessions"][0]["measured"]["tier"] == "FHD"
    });
    sim.set_fault(Endpoint::LiveStream(12002), Fault::FrozenVideo);
    wait_until_explained(
        LIMIT,
        || server.status()["sessions"][0]["account"] == "spare",
        || format!("no failover to spare: {}", cli(data.path(), &["events"])),
    );
    sim.set_fault(Endpoint::LiveStream(12002), Fault::None);
    drop(viewer);
    server.wait_released();
    let order = stream_keys(data.path(), "daserste.de");
    assert_eq!(order[..2], ["spare/12002", "main/12002"], "{order:?}");
    let stats = cli(
        data.path(),
        &["mappings", "--channel", "daserste.de", "--stats"],
    );
    assert!(
        stats.contains(
            "score 80: FHD by name, 1920x1080p25 H.264 High measured; 1 freeze(s) in the last 24 h"
        ),
        "{stats}"
    );
    // A fresh tune follows the same order.
    let viewer = common::media::viewer(format!("{}/stream/{erste}", server.base));
    wait_until("a source playing", LIMIT, || {
        !server.status()["sessions"][0]["account"].is_null()
    });
    assert_eq!(server.status()["sessions"][0]["account"], "spare");
    drop(viewer);
}

#[test]
fn a_channel_returns_to_its_better_stream_only_once_it_is_healthy_again() {
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = prepared(&sim, 4);
    let server = common::Server::start(
        data.path(),
        &[
            "--idle-grace",
            "0",
            "--stall-timeout",
            "1",
            "--failover-cooldown",
            "3",
            "--restore-period",
            "3",
        ],
    );
    let erste = number_of(&server.base, "Das Erste");
    let url = format!("{}/stream/{erste}", server.base);
    // ffmpeg watches the whole time: the failover, the failed returns, the return.
    let ffmpeg = common::media::decode(&url, 45);
    // FHD plays a while (its picture measured: a whole keyframe went out).
    wait_until("FHD playing", LIMIT, || {
        let s = server.status();
        s["sessions"][0]["stream_key"] == "12002" && s["sessions"][0]["measured"]["tier"] == "FHD"
    });
    // FHD dies and stays dead: connections to it are dropped.
    sim.set_fault(Endpoint::LiveStream(12002), Fault::Close);
    wait_until_explained(
        LIMIT,
        || playing_key(&server) == "12001",
        || format!("no failover to HD: {}", cli(data.path(), &["events"])),
    );
    // While it is dead, the cool-down ends and returns are tried, and fail.
    let restored = || cli(data.path(), &["events", "--kind", "source-restored"]);
    let tried_connects = || server.metric("streamforge_upstream_failures_total");
    let before = tried_connects();
    wait_until("a return tried while FHD is dead", LIMIT, || {
        tried_connects() > before
    });
    assert_eq!(playing_key(&server), "12001");
    assert!(!restored().contains("source-restored"), "{}", restored());
    // FHD comes back: the channel returns to it.
    sim.set_fault(Endpoint::LiveStream(12002), Fault::None);
    wait_until_explained(
        Duration::from_secs(40),
        || playing_key(&server) == "12002",
        || format!("no return to FHD: {}", cli(data.path(), &["events"])),
    );
    let events = restored();
    assert!(
        events.contains("back on main/12002 (FHD), ranked above main/12001 (HD) and healthy again"),
        "{events}"
    );
    assert_eq!(server.metric("streamforge_sources_restored_total"), 1);
    // ffmpeg read across the failover and the return without one error line.
    let (ok, errors) = streamforge_testkit::process::finish(ffmpeg, Duration::from_secs(60));
    assert!(ok && errors.trim().is_empty(), "ffmpeg said: {errors}");
}

#[test]
fn a_probe_gives_way_to_a_viewer_who_needs_its_tuner() {
    let sim = SimProvider::start_blocking(common::test_panel());
    // One connection: one tuner, which the probe holds while it measures.
    let data = prepared(&sim, 1);
    let server = common::Server::start(data.path(), &["--idle-grace", "0"]);
    let mut probe = streamforge_testkit::streamforge(data.path())
        .args(["streams", "probe"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("streamforge runs");
    let stdout = probe.stdout.take().expect("its output");
    let reading = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut { stdout }, &mut text);
        text
    });
    wait_until("the probe holding the tuner", LIMIT, || {
        server.status()["tuners_in_use"] == 1
    });
    // A viewer tunes: it plays (no 805), and the probe stops.
    let erste = number_of(&server.base, "Das Erste");
    let viewer = common::media::viewer(format!("{}/stream/{erste}", server.base));
    wait_until("the viewer playing", LIMIT, || {
        viewer.received() > 188 * 100
    });
    let (ok, errors) = streamforge_testkit::process::finish(probe, LIMIT);
    assert!(ok, "streams probe failed: {errors}");
    let out = reading.join().expect("the output");
    assert!(
        out.contains("stopped: a viewer needed the tuner or the connection"),
        "{out}"
    );
    drop(viewer);
    server.wait_released();
}
