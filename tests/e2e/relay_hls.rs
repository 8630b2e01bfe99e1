//! HLS input: an M3U account whose streams are HLS (made with ffmpeg,
//! served live by the simulated origin) plays through `/stream/{n}` as one
//! continuous MPEG-TS: plain, AES-128, a master playlist's variant, a
//! redirect to tokenised segments, across the loop's discontinuity; three
//! viewers share one HLS session; a stale playlist and missing segments
//! fail over like any other source, a single missing segment is skipped;
//! fMP4 is refused with its reason.

use crate::common::{self, cli, decode, finish, number_of, viewer, wait_for_ok};
use crate::relay_failover::survived;
use std::time::Duration;
use streamforge_sim::{HlsFault, SimHls};
use streamforge_testkit::hls;

/// How long anything awaited below may take before the test fails.
const LIMIT: Duration = Duration::from_secs(30);

/// A data dir with the origin's M3U as account `hls` and its guide, synced
/// and matched, and a server on it started with `flags`.
fn serving(flags: &[&str]) -> (SimHls, tempfile::TempDir, common::Server) {
    let origin = hls::origin();
    let data = common::paths::data_dir();
    hls::add_origin(data.path(), &origin, 4);
    let server = common::Server::start(data.path(), flags);
    (origin, data, server)
}

/// The path of the HLS stream the channel's session plays (from the
/// origin's log: the last media playlist asked for).
fn playing_path(origin: &SimHls) -> String {
    origin
        .requests()
        .iter()
        .rev()
        .find(|r| r.contains("/index.m3u8"))
        .map(|r| r.split('/').nth(1).unwrap_or_default().to_string())
        .unwrap_or_default()
}

#[test]
fn hls_streams_play_in_ffmpeg_without_errors() {
    let (origin, data, server) = serving(&[]);
    for name in ["HLS One", "HLS Sealed", "HLS Variants", "HLS Moved"] {
        let n = number_of(&server.base, name);
        let url = format!("{}/stream/{n}", server.base);
        // Eight seconds cross the six-second loop: a discontinuity.
        let seconds = if name == "HLS One" { 8 } else { 3 };
        let (ok, errors) = finish(decode(&url, seconds), LIMIT);
        assert!(
            ok && errors.trim().is_empty(),
            "{name}: ffmpeg said: {errors}"
        );
        // The session ends once ffmpeg has gone (the grace time), freeing the
        // account for the next one.
        wait_for_ok("the session to end", LIMIT, || {
            match server.status()["sessions"].as_array().map_or(0, Vec::len) {
                0 => Ok(()),
                n => Err(format!("{n} session(s)")),
            }
        });
    }
    let requests = origin.requests();
    let asked = |part: &str| requests.iter().any(|r| r.contains(part));
    // The master's best variant (the stream's name says no tier), not the other.
    assert!(
        asked("/hd/index.m3u8") && !asked("/sd/index.m3u8"),
        "{requests:?}"
    );
    // The key once per session, segments through the redirect with its token.
    assert!(asked("/key"), "{requests:?}");
    assert!(
        asked("/tok/seg/")
            && requests
                .iter()
                .filter(|r| r.starts_with("/tok/seg/"))
                .all(|r| r.contains("token=")),
        "{requests:?}"
    );
    let events = cli(data.path(), &["events"]);
    assert!(!events.contains("failover"), "{events}");
}

#[test]
fn three_viewers_share_one_hls_session_and_it_paces_in_real_time() {
    let (origin, _data, server) = serving(&[]);
    let n = number_of(&server.base, "HLS One");
    let url = format!("{}/stream/{n}", server.base);
    let viewers: Vec<_> = (0..3).map(|_| viewer(url.clone())).collect();
    // About 90 KB per second of media (600k video + 96k audio + TS).
    wait_for_ok("three viewers playing", LIMIT, || {
        let got: Vec<usize> = viewers.iter().map(|v| v.received()).collect();
        if got.iter().all(|n| *n > 300_000) {
            Ok(())
        } else {
            Err(format!("{got:?}"))
        }
    });
    let status = server.status();
    let sessions = status["sessions"].as_array().cloned().unwrap_or_default();
    assert_eq!(sessions.len(), 1, "{status}");
    assert_eq!(sessions[0]["viewers"], 3, "{status}");
    // One session: every segment asked for once.
    let segs: Vec<String> = origin
        .requests()
        .into_iter()
        .filter(|r| r.starts_with("/one/seg/"))
        .collect();
    let mut unique = segs.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), segs.len(), "{segs:?}");
    // Paced at the media's rate, not in bursts: over three more seconds a
    // viewer gets about three seconds of media (one segment of lead at most).
    let before = viewers[0].received();
    let start = std::time::Instant::now();
    wait_for_ok("three more seconds", LIMIT, || {
        if start.elapsed() >= Duration::from_secs(3) {
            Ok(())
        } else {
            Err("waiting".into())
        }
    });
    let got = viewers[0].received() - before;
    let second = hls::segments()[0].bytes.len();
    assert!(
        got > second && got < second * 6,
        "{got} bytes in 3 s for {second}-byte seconds"
    );
    for v in viewers {
        survived(v, "a viewer of the HLS session");
    }
}

#[test]
fn a_stale_playlist_fails_over_and_a_lost_segment_is_skipped() {
    let (origin, data, server) = serving(&[]);
    let n = number_of(&server.base, "HLS One");
    let v = viewer(format!("{}/stream/{n}", server.base));
    wait_for_ok("HD playing", LIMIT, || {
        if v.received() > 200_000 && playing_path(&origin) == "one" {
            Ok(())
        } else {
            Err(format!("{} bytes, {}", v.received(), playing_path(&origin)))
        }
    });
    // One segment lost: skipped, the source plays on.
    origin.set_fault("one", HlsFault::MissingOne);
    wait_for_ok("a skipped segment", LIMIT, || {
        let m = server.metrics();
        if m.contains("streamforge_hls_segments_skipped_total 1\n") {
            Ok(())
        } else {
            Err(m
                .lines()
                .filter(|l| l.contains("hls"))
                .collect::<Vec<_>>()
                .join("; "))
        }
    });
    assert_eq!(playing_path(&origin), "one");
    // The playlist stops advancing: after three target durations (1 s each)
    // the session switches to the backup (SD).
    origin.set_fault("one", HlsFault::Stale);
    let events = wait_for_ok("the switch to the backup", LIMIT, || {
        let events = cli(data.path(), &["events", "--kind", "failover"]);
        if events.trim().is_empty() {
            Err(cli(data.path(), &["events"]))
        } else {
            Ok(events)
        }
    });
    assert!(events.contains("did not advance"), "{events}");
    // The event is written when the switch is decided; the backup's first
    // playlist request follows it.
    wait_for_ok(
        "the backup's playlist asked for",
        LIMIT,
        || match playing_path(&origin).as_str() {
            "backup" => Ok(()),
            other => Err(other.to_string()),
        },
    );
    let mark = v.received();
    wait_for_ok("the backup playing", LIMIT, || {
        if v.received() > mark + 200_000 {
            Ok(())
        } else {
            Err(format!("{} bytes", v.received() - mark))
        }
    });
    // The stale source was let go: it is not asked again.
    assert_eq!(playing_path(&origin), "backup");
    // Then the backup loses every segment from now on: nothing is left, the
    // failure is named.
    origin.set_fault("backup", HlsFault::MissingFrom);
    wait_for_ok("the segments failure", LIMIT, || {
        let events = cli(data.path(), &["events"]);
        if events.contains("HLS segments failed (segment") {
            Ok(())
        } else {
            Err(events)
        }
    });
    drop(v);
}

#[test]
fn fragmented_mp4_is_refused_with_its_reason() {
    let (_origin, data, server) = serving(&[]);
    let n = number_of(&server.base, "HLS Fragmented");
    let answer = reqwest::blocking::get(format!("{}/stream/{n}", server.base)).unwrap();
    assert_eq!(answer.status().as_u16(), 503);
    let events = cli(data.path(), &["events"]);
    assert!(events.contains("fMP4"), "{events}");
}

#[test]
fn an_xtream_panel_that_allows_only_hls_is_played_through_its_m3u8_form() {
    let origin = hls::origin();
    let mut config = common::test_panel();
    config.hls_only = Some(format!("{}/one/index.m3u8", origin.base_url()));
    let sim = streamforge_sim::SimProvider::start_blocking(config);
    // The account check reads `allowed_output_formats: ["m3u8"]`.
    let data = common::prepared(&sim, 4);
    let server = common::Server::start(data.path(), &[]);
    let n = number_of(&server.base, "Das Erste");
    let (ok, errors) = finish(decode(&format!("{}/stream/{n}", server.base), 3), LIMIT);
    assert!(ok && errors.trim().is_empty(), "ffmpeg said: {errors}");
    let asked: Vec<String> = sim.request_log().iter().map(|r| r.path.clone()).collect();
    assert!(asked.iter().any(|p| p.ends_with(".m3u8")), "{asked:?}");
    assert!(!asked.iter().any(|p| p.ends_with(".ts")), "{asked:?}");
    assert!(origin.requests().iter().any(|r| r.starts_with("/one/seg/")));
}
