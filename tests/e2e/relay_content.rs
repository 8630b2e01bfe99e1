//! Failover on what the stream contains: the simulated provider keeps
//! sending at the full rate but blanks the video PID (a frozen picture while
//! the audio plays on) or the audio PIDs (silence). No byte-level check can
//! see either; the relay reads the PES headers its tracker already sees.

use crate::common;

use crate::common::{cli, number_of, prepared, second_of, viewer, wait_for_ok, Viewer};
use crate::relay_failover::survived;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use streamforge_sim::{Endpoint, Fault, SimProvider};

/// How long anything awaited below may take before the test fails.
const LIMIT: Duration = Duration::from_secs(30);

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

fn stream_key(server: &common::Server) -> String {
    server.status()["sessions"][0]["stream_key"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Das Erste (FHD 12002 first, then HD 12001) playing a second of FHD to
/// one viewer on a server started with `flags`.
fn playing(flags: &[&str]) -> (SimProvider, tempfile::TempDir, common::Server, Viewer) {
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = prepared(&sim, 4);
    let server = common::Server::start(data.path(), flags);
    let n = number_of(&server.base, "Das Erste");
    let v = viewer(format!("{}/stream/{n}", server.base));
    let second = second_of(&sim, 12002) as u64;
    wait_for_ok("FHD playing a second", LIMIT, || {
        let s = server.status();
        let session = &s["sessions"][0];
        if session["stream_key"] == "12002" && session["bytes"].as_u64().unwrap_or(0) >= second {
            Ok(())
        } else {
            Err(format!("status {s}"))
        }
    });
    (sim, data, server, v)
}

#[test]
fn a_frozen_picture_with_audio_flowing_fails_over_within_the_stall_time_and_a_second() {
    let (sim, data, server, v) = playing(&["--stall-timeout", "1"]);
    let fault_at = now_ms();
    sim.set_fault(Endpoint::LiveStream(12002), Fault::FrozenVideo);
    wait_for_ok("the switch to HD", LIMIT, || {
        match stream_key(&server).as_str() {
            "12001" => Ok(()),
            other => Err(format!("plays {other}: {}", cli(data.path(), &["events"]))),
        }
    });
    let events = cli(data.path(), &["events", "--json", "--kind", "failover"]);
    let line = events.lines().last().expect("a failover event");
    let event: serde_json::Value = serde_json::from_str(line).unwrap();
    let detail = event["detail"].as_str().unwrap_or_default().to_string();
    assert!(detail.contains("video frozen"), "{detail}");
    let gap: u64 = detail
        .split("new video ")
        .nth(1)
        .and_then(|s| s.split(" ms").next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no gap in {detail}"));
    let detected_after = event["time_ms"].as_u64().unwrap() - gap - fault_at;
    eprintln!("frozen video detected {detected_after} ms after the fault (stall time 1 s)");
    // Stall time (1 s) + the once-a-second check, and a little for the
    // bytes already on their way when the fault was set.
    assert!(detected_after <= 2300, "detection took {detected_after} ms");
    let metrics = server.metrics();
    assert!(
        metrics.contains("streamforge_source_failures_total{reason=\"video_frozen\"} 1\n"),
        "{metrics}"
    );
    // The viewer gets the HD variant's pictures.
    let mark = v.received();
    let second = second_of(&sim, 12001);
    wait_for_ok("a second of HD", LIMIT, || {
        if v.received() >= mark + second {
            Ok(())
        } else {
            Err(format!("{} bytes", v.received() - mark))
        }
    });
    // The session: its id (as the events name it), health, last byte and
    // failover count, in `status --json` and `status`.
    let s = server.status();
    let session = &s["sessions"][0];
    let id = session["id"].as_str().unwrap_or_default().to_string();
    assert!(
        id.len() == 8 && id.chars().all(|c| c.is_ascii_hexdigit()),
        "{s}"
    );
    assert_eq!(event["session"], id.as_str(), "{line}");
    assert_eq!(session["health"], "ok", "{s}");
    assert_eq!(session["failovers"], 1, "{s}");
    let last = session["last_byte_ms"].as_u64().unwrap_or_default();
    assert!(now_ms().abs_diff(last) < 2_000, "last byte {last}: {s}");
    let text = cli(data.path(), &["status"]);
    assert!(
        text.contains(&format!("session {id} ok  1 failover(s)")),
        "{text}"
    );
    // Each viewer with its address, User-Agent, start and bytes.
    let mut plex = std::net::TcpStream::connect(server.base.trim_start_matches("http://")).unwrap();
    let path = format!("/stream/{}", number_of(&server.base, "Das Erste"));
    std::io::Write::write_all(
        &mut plex,
        format!("GET {path} HTTP/1.1\r\nHost: x\r\nUser-Agent: PlexMediaServer/1.41\r\n\r\n")
            .as_bytes(),
    )
    .unwrap();
    wait_for_ok("the second viewer listed with its agent", LIMIT, || {
        let s = server.status();
        let list = s["sessions"][0]["viewer_list"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let plex = list
            .iter()
            .find(|v| v["user_agent"] == "PlexMediaServer/1.41");
        match plex {
            Some(p)
                if p["address"]
                    .as_str()
                    .unwrap_or_default()
                    .starts_with("127.0.0.1:")
                    && p["bytes"].as_u64().unwrap_or(0) > 0
                    && p["since"].as_u64().unwrap_or(0) > 0
                    && list.len() == 2 =>
            {
                Ok(())
            }
            _ => Err(format!("{s}")),
        }
    });
    drop(plex);
    drop(survived(v, "frozen video"));
}

#[test]
fn silent_audio_is_an_event_by_default_and_a_failover_when_asked() {
    // Default: said once, the source plays on.
    let (sim, data, server, v) = playing(&["--stall-timeout", "1"]);
    sim.set_fault(Endpoint::LiveStream(12002), Fault::SilentAudio);
    wait_for_ok("an audio-missing event", LIMIT, || {
        let events = cli(data.path(), &["events", "--kind", "audio-missing"]);
        if events.contains("no audio for") {
            Ok(())
        } else {
            Err(cli(data.path(), &["events"]))
        }
    });
    // It keeps playing the same source for well past the stall time.
    let mark = v.received();
    let second = second_of(&sim, 12002);
    wait_for_ok("two more seconds of FHD", LIMIT, || {
        if v.received() >= mark + 2 * second {
            Ok(())
        } else {
            Err(format!("{} bytes", v.received() - mark))
        }
    });
    assert_eq!(stream_key(&server), "12002", "still the FHD source");
    let events = cli(data.path(), &["events", "--kind", "audio-missing"]);
    assert_eq!(events.lines().count(), 1, "said once: {events}");
    assert!(server
        .metrics()
        .contains("streamforge_audio_missing_total 1\n"));
    drop(survived(v, "silent audio, event only"));
    drop(server);

    // `--audio-missing failover`: the next source.
    let (sim, data, server, v) = playing(&["--stall-timeout", "1", "--audio-missing", "failover"]);
    sim.set_fault(Endpoint::LiveStream(12002), Fault::SilentAudio);
    wait_for_ok("the switch to HD", LIMIT, || {
        match stream_key(&server).as_str() {
            "12001" => Ok(()),
            other => Err(format!("plays {other}: {}", cli(data.path(), &["events"]))),
        }
    });
    let events = cli(data.path(), &["events", "--kind", "failover"]);
    assert!(events.contains("audio missing"), "{events}");
    drop(survived(v, "silent audio, failover"));
}
