//! Failover as the players people use see it: mpv, VLC and ffmpeg watch Das
//! Erste together while its FHD source stalls, closes, turns to junk or
//! freezes its picture; the HD backup (another encoder's PIDs, a clock 10 h
//! away) takes over; and an HLS channel plays across its loop's
//! `#EXT-X-DISCONTINUITY`. mpv and ffmpeg must print not one warning or
//! error (mpv: no `Invalid … PTS`, no `Reset playback`; ffmpeg `-v error`:
//! nothing), VLC nothing beyond what it prints on any start of a relayed
//! channel (no `TS discontinuity`, no `Timestamp conversion failed`);
//! mpv's position must never go back, its A-V difference must stay within
//! 50 ms from a second after the switch, and its picture may stand still no
//! longer than the detection time plus 300 ms.
//!
//! Two things the players do that no timestamp can change, and how the test
//! treats them:
//! - A player that ran dry waits to refill before it plays again (mpv: a
//!   second of cache). Panels send a few seconds at once when a stream
//!   starts (their buffer; the simulated panel's `stream_burst`), so the
//!   backup refills it at once, as it does with real panels.
//! - VLC's clock follows the time data arrives: after more than its
//!   network cache (1 s) without data (a stall, a frozen picture), it
//!   reports `PCR is called too late` once and rebuffers. That line is
//!   allowed after a silence longer than 1 s, and reported; a clock that
//!   jumped by the silence instead would make mpv reset its audio.
//!
//! The three players watch each round at once (one session, three viewers):
//! the whole test takes about a minute and a half.

use crate::common::{self, cli, number_of, prepared, wait_for_ok};
use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use streamforge_sim::{Endpoint, Fault, SimProvider};
use streamforge_testkit::{hls, Player, Watched, Watching};

/// How long anything awaited below may take before the test fails.
const LIMIT: Duration = Duration::from_secs(30);
/// Pictures mpv must show before a fault (2 s at 25 fps) and after the switch.
const BEFORE: usize = 50;
const AFTER: usize = 75;
/// How long the picture may stand still beyond the detection time.
const FREEZE_MARGIN: f64 = 0.3;
/// Largest A-V difference from a second after the switch on.
const AV_LIMIT: f64 = 0.05;
/// VLC's network cache for HTTP (its default): a longer silence makes its
/// clock call the next PCR late.
const VLC_CACHE_MS: u64 = 1000;
const VLC_LATE: &str = "PCR  is called too late";

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// The three players on `url`, mpv first.
fn watch_all(url: &str) -> Vec<Watching> {
    Player::ALL.iter().map(|p| p.watch(url)).collect()
}

/// Waits (bounded) until mpv (`players[0]`) has shown `count` pictures.
fn wait_pictures(players: &mut [Watching], count: usize, what: &str) {
    wait_for_ok(
        &format!("{what}: mpv showing {count} pictures"),
        LIMIT,
        || {
            for p in players.iter_mut() {
                if p.exited() {
                    return Err(format!("{:?} exited", p.player));
                }
            }
            let shown = players[0].shown().len();
            if shown >= count {
                Ok(())
            } else {
                Err(format!("{shown} shown"))
            }
        },
    );
}

/// A player's line without the addresses that differ from run to run.
fn text_of(line: &str) -> String {
    line.split("] ").skip(1).collect::<Vec<_>>().join("] ")
}

/// Judges one round against the lines VLC printed on a round without a
/// fault (`vlc_start`); returns its line for the table and what went wrong.
fn judge(
    what: &str,
    detection_ms: u64,
    watched: &[Watched],
    vlc_start: &HashSet<String>,
) -> (String, Vec<String>) {
    let mut wrong = Vec::new();
    let mpv = &watched[0];
    let (freeze, freeze_end) = mpv.longest_freeze();
    let av = mpv.worst_av_from(freeze_end + 1.0);
    let allowed = detection_ms as f64 / 1000.0 + FREEZE_MARGIN;
    if freeze > allowed {
        wrong.push(format!(
            "{what}: mpv's picture stood still {freeze:.2} s (detection {detection_ms} ms + 300 ms allowed)"
        ));
    }
    if av > AV_LIMIT {
        wrong.push(format!(
            "{what}: mpv's A-V was {:.0} ms a second after the switch",
            av * 1000.0
        ));
    }
    if mpv.went_back() {
        wrong.push(format!("{what}: mpv's position went back"));
    }
    let mut counts = Vec::new();
    let mut vlc_late = 0;
    for w in watched {
        let mut lines: Vec<&String> = w.complaints.iter().collect();
        if w.player == Player::Vlc {
            lines.retain(|l| !vlc_start.contains(&text_of(l)));
            let before = lines.len();
            if detection_ms > VLC_CACHE_MS {
                lines.retain(|l| !l.contains(VLC_LATE));
            }
            vlc_late = before - lines.len();
        }
        counts.push(format!("{:?} {}", w.player, lines.len()));
        if !lines.is_empty() {
            let shown: Vec<&str> = lines.iter().map(|l| l.as_str()).collect();
            wrong.push(format!(
                "{what}: {:?} printed {} line(s):\n  {}",
                w.player,
                lines.len(),
                shown.join("\n  ")
            ));
        }
    }
    let line = format!(
        "{what:<12} detection {detection_ms:>5} ms  mpv still {:>5.0} ms  A-V {:>4.1} ms  new lines: {}{}",
        freeze * 1000.0,
        av * 1000.0,
        counts.join(", "),
        if vlc_late > 0 {
            " (+ VLC's `PCR is called too late` after > 1 s without data)"
        } else {
            ""
        }
    );
    (line, wrong)
}

/// When the relay detected the last failover, in unix ms.
fn detected_at(data: &Path) -> u64 {
    let events = cli(data, &["events", "--json", "--kind", "failover"]);
    let event: serde_json::Value =
        serde_json::from_str(events.lines().last().expect("a failover event")).unwrap();
    let text = event["detail"].as_str().unwrap_or_default().to_string();
    let gap: u64 = text
        .split("new video ")
        .nth(1)
        .and_then(|t| t.split(" ms").next())
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("no gap in {event}"));
    event["time_ms"].as_u64().unwrap() - gap
}

#[test]
fn players_watch_every_failover_and_a_discontinuity_without_noticing() {
    let mut panel = common::test_panel();
    panel.stream_burst = Duration::from_secs(2);
    let sim = SimProvider::start_blocking(panel);
    let data = prepared(&sim, 4);
    let server = common::Server::start(
        data.path(),
        &[
            "--stall-timeout",
            "1",
            "--idle-grace",
            "0",
            "--failover-cooldown",
            "0",
        ],
    );
    let n = number_of(&server.base, "Das Erste");
    let url = format!("{}/stream/{n}", server.base);
    let mut table = Vec::new();
    let mut wrong = Vec::new();
    let mut vlc_start = HashSet::new();
    let rounds = [
        Fault::None,
        Fault::Stall,
        Fault::Close,
        Fault::Garbage,
        Fault::FrozenVideo,
    ];
    for fault in rounds {
        let what = format!("{fault:?}");
        sim.clear_faults();
        let mut players = watch_all(&url);
        wait_for_ok(&format!("{what}: three players on FHD"), LIMIT, || {
            let s = server.status();
            let session = &s["sessions"][0];
            if session["viewers"] == 3 && session["stream_key"] == "12002" {
                Ok(())
            } else {
                Err(format!("{s}"))
            }
        });
        wait_pictures(&mut players, BEFORE, &what);
        let fault_ms = unix_ms();
        let shown = players[0].shown().len();
        if fault != Fault::None {
            sim.set_fault(Endpoint::LiveStream(12002), fault.clone());
            wait_for_ok(
                &format!("{what}: the switch to HD"),
                LIMIT,
                || match server.status()["sessions"][0]["stream_key"].as_str() {
                    Some("12001") => Ok(()),
                    other => Err(format!("{other:?}: {}", cli(data.path(), &["events"]))),
                },
            );
        }
        wait_pictures(&mut players, shown + AFTER, &what);
        let watched: Vec<Watched> = players.into_iter().map(Watching::finish).collect();
        let detection = if fault == Fault::None {
            // What VLC prints on any start of a relayed channel (a decoder
            // that starts before its output: `get_buffer() failed`, ...).
            vlc_start.extend(watched[1].complaints.iter().map(|l| text_of(l)));
            0
        } else {
            detected_at(data.path()).saturating_sub(fault_ms)
        };
        let (line, problems) = judge(&what, detection, &watched, &vlc_start);
        table.push(line);
        wrong.extend(problems);
        server.wait_released();
    }
    drop(server);

    // HLS: the origin's six-second loop restarts with an
    // #EXT-X-DISCONTINUITY (the clock goes back); 10 s of it crosses one.
    let origin = hls::origin();
    let data = common::paths::data_dir();
    hls::add_origin(data.path(), &origin, 4);
    let server = common::Server::start(data.path(), &[]);
    let hls_one = number_of(&server.base, "HLS One");
    let mut players = watch_all(&format!("{}/stream/{hls_one}", server.base));
    wait_pictures(&mut players, 250, "HLS");
    let watched: Vec<Watched> = players.into_iter().map(Watching::finish).collect();
    let (line, problems) = judge("HLS seam", 0, &watched, &vlc_start);
    table.push(line);
    wrong.extend(problems);

    eprintln!("players across each switch:\n{}", table.join("\n"));
    eprintln!("VLC's lines on every start (not counted): {:?}", vlc_start);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
