//! The relay through real clients: `ffprobe` sees the best variant, a dead
//! primary makes the next one play, three viewers share one provider
//! connection, limits answer 805/807, 1 000 connects and drops leave nothing
//! held, and no log line at any level carries the password.

use crate::common;

use crate::common::{cli, client, number_of, prepared, wait_until, wait_until_explained};
use std::io::Read;
use std::process::Command;
use std::time::{Duration, Instant};
use streamforge_sim::{Endpoint, Fault, SimProvider};

/// Runs a tool with a deadline; fails loudly when it is not installed.
fn run_tool(tool: &str, args: &[&str], limit: Duration) -> std::process::Output {
    let mut cmd = Command::new(tool);
    cmd.args(args);
    common::process::run_bounded(cmd, "", limit)
        .unwrap_or_else(|e| panic!("{e} (install it with `apt-get install ffmpeg`)"))
}

/// (codec, width, height) of the first video stream `ffprobe` finds at `url`.
fn probe(url: &str) -> (String, u64, u64) {
    let out = run_tool(
        "ffprobe",
        &[
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=codec_name,width,height",
            "-of",
            "json",
            url,
        ],
        Duration::from_secs(30),
    );
    assert!(
        out.status.success(),
        "ffprobe {url}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &v["streams"][0];
    (
        s["codec_name"].as_str().unwrap_or_default().to_string(),
        s["width"].as_u64().unwrap_or(0),
        s["height"].as_u64().unwrap_or(0),
    )
}

/// Reads `n` bytes of a stream (or fails).
fn read_some(resp: &mut reqwest::blocking::Response, n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    resp.read_exact(&mut buf).unwrap();
    buf
}

#[test]
fn the_best_variant_plays_and_a_dead_one_is_skipped() {
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = prepared(&sim, 4);
    let server = common::Server::start(data.path(), &["--idle-grace", "0"]);
    // Das Erste is listed HD (12001), FHD (12002), SD (12003) by the panel.
    let erste = number_of(&server.base, "Das Erste");

    let (codec, w, h) = probe(&format!("{}/stream/{erste}", server.base));
    assert_eq!(
        (codec.as_str(), w, h),
        ("h264", 1920, 1080),
        "FHD is preferred"
    );

    // The FHD variant dies: the HD one plays, through `/auto/v{n}` with a query.
    sim.set_fault(Endpoint::LiveStream(12002), Fault::Status(503));
    server.wait_released();
    let (codec, w, h) = probe(&format!("{}/auto/v{erste}?transcode=mobile", server.base));
    assert_eq!((codec.as_str(), w, h), ("h264", 1280, 720), "HD is next");
    let metrics = server.metrics();
    assert!(
        metrics.contains("streamforge_upstream_failures_total 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("# TYPE streamforge_viewers gauge"),
        "{metrics}"
    );
}

#[test]
fn viewers_of_one_channel_share_one_provider_connection() {
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = prepared(&sim, 1);
    let server = common::Server::start(data.path(), &["--idle-grace", "0.2"]);
    let bbc = number_of(&server.base, "BBC One");
    let url = format!("{}/stream/{bbc}", server.base);

    let c = client();
    let mut first = c.get(&url).send().unwrap();
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["content-type"], "video/mp2t");
    let joined_at = Instant::now();
    let mut second = c.get(&url).send().unwrap();
    let mut third = c.get(&url).send().unwrap();
    for resp in [&mut first, &mut second, &mut third] {
        assert_eq!(resp.status(), 200);
        let bytes = read_some(resp, 188 * 100);
        let report = streamforge_ts::check(&bytes);
        assert_eq!(report.misaligned_at, None, "whole packets only");
        assert_eq!(bytes[0], 0x47);
    }
    eprintln!(
        "three viewers playing {:?} after the second joined",
        joined_at.elapsed()
    );
    assert_eq!(
        sim.open_streams(),
        1,
        "one provider connection for three viewers"
    );
    let s = server.status();
    assert_eq!(s["sessions"][0]["viewers"], 3, "{s}");
    assert_eq!(s["tuners_in_use"], 1);
    let out = cli(data.path(), &["status"]);
    assert!(out.contains("BBC One") && out.contains("3 viewer"), "{out}");

    // The account allows one connection: another channel is refused with 805...
    let sky = number_of(&server.base, "Sky News");
    let refused = c
        .get(format!("{}/stream/{sky}", server.base))
        .send()
        .unwrap();
    assert_eq!(refused.status(), 503);
    assert_eq!(
        refused.headers()["x-hdhomerun-error"],
        "805 All Tuners In Use"
    );
    assert!(refused.bytes().unwrap().is_empty());
    let events = cli(data.path(), &["events", "--kind", "tuner-limit"]);
    assert!(events.contains("Sky News"), "{events}");

    // ...and everything is given back when the viewers leave.
    drop((first, second, third));
    server.wait_released();
    assert_eq!(sim.open_streams(), 0);
}

#[test]
fn every_source_failing_answers_807_and_unknown_channels_404() {
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = prepared(&sim, 2);
    let server = common::Server::start(data.path(), &["--stream-timeout", "1"]);
    let erste = number_of(&server.base, "Das Erste");
    sim.set_fault(Endpoint::LiveStream(12002), Fault::Status(503));
    sim.set_fault(Endpoint::LiveStream(12001), Fault::Garbage);
    sim.set_fault(Endpoint::LiveStream(12003), Fault::Stall);

    let c = client();
    let started = Instant::now();
    let resp = c
        .get(format!("{}/stream/{erste}", server.base))
        .send()
        .unwrap();
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.headers()["x-hdhomerun-error"], "807 No Video Data");
    assert!(resp.bytes().unwrap().is_empty());
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    let events = cli(data.path(), &["events", "--kind", "tune-failed"]);
    for reason in ["HTTP 503", "not MPEG-TS", "no video within 1 s"] {
        assert!(events.contains(reason), "{reason} missing from {events}");
    }
    let password = &sim.config().password;
    assert!(!events.contains(password.as_str()));

    for (path, code) in [
        ("/stream/99999", 404),
        ("/stream/abc", 400),
        ("/stream/1.2.3", 400),
        ("/auto/x5", 400),
    ] {
        let r = c.get(format!("{}{path}", server.base)).send().unwrap();
        assert_eq!(r.status(), code, "{path}");
        let body = r.text().unwrap();
        assert!(!body.contains("127.0.0.1") && !body.contains(password.as_str()));
    }
    server.wait_released();
}

#[test]
fn a_thousand_connects_and_drops_leave_nothing_held() {
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = prepared(&sim, 3);
    let server = common::Server::start(data.path(), &["--idle-grace", "0.05"]);
    let numbers: Vec<String> = ["BBC One", "ITV1", "Sky News"]
        .iter()
        .map(|n| number_of(&server.base, n))
        .collect();
    let addr = server.base.trim_start_matches("http://").to_string();
    std::thread::scope(|scope| {
        for worker in 0..4 {
            let (numbers, addr) = (&numbers, &addr);
            scope.spawn(move || {
                for i in 0..250 {
                    let n = &numbers[(i + worker) % numbers.len()];
                    let mut tcp = std::net::TcpStream::connect(addr).unwrap();
                    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                    let req = format!("GET /stream/{n} HTTP/1.1\r\nHost: {addr}\r\n\r\n");
                    std::io::Write::write_all(&mut tcp, req.as_bytes()).unwrap();
                    match i % 3 {
                        // Gone before the answer.
                        0 => {}
                        // Gone after the headers and some video.
                        1 => {
                            let mut buf = [0u8; 4096];
                            let _ = tcp.read(&mut buf);
                        }
                        // Half-closed, then gone after a while.
                        _ => {
                            let _ = tcp.shutdown(std::net::Shutdown::Write);
                            let mut buf = [0u8; 65536];
                            let _ = tcp.read(&mut buf);
                            let _ = tcp.read(&mut buf);
                        }
                    }
                }
            });
        }
    });
    server.wait_released();
    wait_until_explained(
        Duration::from_secs(10),
        || sim.open_streams() == 0,
        || format!("{} provider connections left open", sim.open_streams()),
    );
}

#[test]
fn no_log_line_at_any_level_carries_the_password() {
    let mut config = common::test_panel();
    config.password = "Zq7-unique-secret-9xK".into();
    let sim = SimProvider::start_blocking(config);
    let data = prepared(&sim, 2);
    let mut server =
        common::Server::start_with(data.path(), &["--stream-timeout", "1"], Some("trace"));
    let erste = number_of(&server.base, "Das Erste");
    let url = format!("{}/stream/{erste}", server.base);
    let c = client();
    // A stream that plays, one that fails over, one that fails entirely;
    // each starts the channel afresh, once the one before has closed (after
    // the idle grace).
    let mut ok = c.get(&url).send().unwrap();
    let _ = read_some(&mut ok, 188 * 50);
    drop(ok);
    sim.set_fault(Endpoint::LiveStream(12002), Fault::Status(403));
    sim.set_fault(Endpoint::LiveStream(12001), Fault::Garbage);
    server.wait_released();
    let mut over = c.get(&url).send().unwrap();
    let _ = read_some(&mut over, 188 * 50);
    let s = server.status();
    assert_eq!(s["sessions"][0]["stream_key"], "12003", "on to SD: {s}");
    drop(over);
    sim.set_fault(Endpoint::Live, Fault::Close);
    sim.set_fault(Endpoint::LiveStream(12003), Fault::Close);
    server.wait_released();
    let failed = c.get(&url).send().unwrap();
    assert_eq!(failed.status(), 503);
    let metrics = server.metrics();
    stop_gracefully(&mut server);
    let printed = server.stdout();
    let logged = server.log();
    assert!(
        logged.lines().count() > 20,
        "trace logging produced too little: {logged}"
    );
    let events = cli(data.path(), &["events", "--json"]);
    for (what, text) in [
        ("log", &logged),
        ("stdout", &printed),
        ("events", &events),
        ("metrics", &metrics),
    ] {
        assert!(
            !text.contains("Zq7-unique-secret-9xK"),
            "the password is in the {what}"
        );
        assert!(
            !text.contains("Zq7-unique"),
            "part of the password is in the {what}"
        );
    }
}

/// Stops the server with SIGTERM (so it flushes) and waits (bounded) for it.
fn stop_gracefully(server: &mut common::Server) {
    // SAFETY: signalling our own child process.
    unsafe { libc::kill(server.pid() as i32, libc::SIGTERM) };
    wait_until("serve stopping on SIGTERM", Duration::from_secs(15), || {
        server.child().try_wait().unwrap().is_some()
    });
}

/// A viewer joining a running channel starts at PAT/PMT copies and a
/// keyframe, and its stream is continuous from its first packet: the copies'
/// counters fit the PAT/PMT that follow, so neither our checker nor ffmpeg's
/// demuxer sees a counter jump in its first seconds.
#[test]
fn a_joiner_starts_clean_with_no_counter_error() {
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = prepared(&sim, 2);
    let server = common::Server::start(data.path(), &[]);
    let url = format!(
        "{}/stream/{}",
        server.base,
        number_of(&server.base, "Das Erste")
    );
    // The clip keeps a keyframe every second: the first viewer reads past a few.
    let first = common::viewer(url.clone());
    let second_of_fhd = common::second_of(&sim, 12002);
    wait_until("the first viewer's 2.5 s", Duration::from_secs(30), || {
        first.received() >= second_of_fhd * 5 / 2
    });
    for round in 0..3 {
        let joiner = common::viewer(url.clone());
        wait_until("the joiner's 1.5 s", Duration::from_secs(30), || {
            joiner.received() >= second_of_fhd * 3 / 2
        });
        let (mut bytes, ended) = joiner.stop();
        assert!(!ended);
        // Stopping may cut the last read inside a packet: whole packets are judged.
        bytes.truncate(bytes.len() / 188 * 188);
        let first_packet = streamforge_ts::Packet::new(&bytes[..188]).unwrap();
        assert_eq!(
            first_packet.pid(),
            0,
            "round {round}: a joiner starts at the PAT"
        );
        let report = streamforge_ts::check(&bytes);
        assert_eq!(report.misaligned_at, None);
        assert!(
            report.cc_errors.is_empty(),
            "round {round}: counter jumps {:?}",
            &report.cc_errors[..report.cc_errors.len().min(5)]
        );
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), &bytes).unwrap();
        let path = file.path().to_str().unwrap();
        let out = run_tool(
            "ffmpeg",
            &[
                "-hide_banner",
                "-nostdin",
                "-loglevel",
                "debug",
                "-i",
                path,
                "-f",
                "null",
                "-",
            ],
            Duration::from_secs(60),
        );
        let log = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "round {round}: {log}");
        assert!(
            !log.contains("Continuity check failed"),
            "round {round}: ffmpeg saw a counter jump: {}",
            log.lines()
                .filter(|l| l.contains("Continuity"))
                .take(5)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    drop(first);
}

/// Sends `GET path` on a raw socket and reads the response head (lower case).
fn ask(sock: &mut std::net::TcpStream, path: &str) -> String {
    use std::io::Write;
    let host = sock.peer_addr().unwrap();
    write!(sock, "GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n").unwrap();
    read_head(sock)
}

/// Reads an HTTP response head (up to the blank line) from a raw socket.
fn read_head(sock: &mut std::net::TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        assert!(head.len() < 16 * 1024, "no end of head");
        sock.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    String::from_utf8(head).unwrap().to_ascii_lowercase()
}

/// A channel asked for on a fresh connection is written by the channel
/// itself (no body framing, `connection: close`); asked for on a connection
/// that served another request first (keep-alive), it plays through the
/// HTTP server as a chunked body. Both are viewers of the one upstream.
#[test]
fn a_channel_plays_on_a_fresh_connection_and_after_another_request_on_one() {
    use std::io::Write;
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = prepared(&sim, 1);
    let server = common::Server::start(data.path(), &["--idle-grace", "0.2"]);
    let bbc = number_of(&server.base, "BBC One");
    let addr = server.base.trim_start_matches("http://").to_string();
    let connect = || {
        let s = std::net::TcpStream::connect(&addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s
    };

    let mut reused = connect();
    let head = ask(&mut reused, "/discover.json");
    assert!(head.starts_with("http/1.1 200"), "{head}");
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .expect("discover.json has a length")
        .trim()
        .parse()
        .unwrap();
    let mut body = vec![0u8; length];
    reused.read_exact(&mut body).unwrap();
    assert!(String::from_utf8_lossy(&body).contains("DeviceID"));
    let head = ask(&mut reused, &format!("/stream/{bbc}"));
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("content-type: video/mp2t"), "{head}");
    assert!(head.contains("transfer-encoding: chunked"), "{head}");
    // The first chunk: its size line, then TS.
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while !line.ends_with(b"\r\n") {
        reused.read_exact(&mut byte).unwrap();
        line.push(byte[0]);
    }
    reused.read_exact(&mut byte).unwrap();
    assert_eq!(byte[0], 0x47, "TS after the chunk size");

    let mut fresh = connect();
    let head = ask(&mut fresh, &format!("/stream/{bbc}?transcode=native"));
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("content-type: video/mp2t"), "{head}");
    assert!(head.contains("connection: close"), "{head}");
    assert!(!head.contains("transfer-encoding"), "{head}");
    let mut bytes = vec![0u8; 188 * 200];
    fresh.read_exact(&mut bytes).unwrap();
    let report = streamforge_ts::check(&bytes);
    assert_eq!(report.misaligned_at, None, "whole packets, no framing");
    assert_eq!(
        streamforge_ts::Packet::new(&bytes[..188]).unwrap().pid(),
        0,
        "PAT first"
    );
    assert_eq!(sim.open_streams(), 1, "one upstream for both");
    let s = server.status();
    assert_eq!(s["sessions"][0]["viewers"], 2, "{s}");

    // A refusal on a fresh connection: the HDHomeRun answer, then closed.
    let mut refused = connect();
    write!(refused, "GET /stream/9999 HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut answer = String::new();
    refused.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 404 Not Found\r\n"), "{answer}");
    assert!(answer.ends_with("\r\n\r\nno such channel\n"), "{answer}");

    drop((reused, fresh));
    server.wait_released();
    assert_eq!(sim.open_streams(), 0);
}

/// The measured picture of the one session playing, as the admin API's
/// status shows it (`measured.video`).
fn measured_video(server: &common::Server) -> Option<String> {
    server.status()["sessions"][0]["measured"]["video"]
        .as_str()
        .map(str::to_string)
}

#[test]
fn status_shows_what_the_stream_playing_measured_to_be_and_follows_a_failover() {
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = prepared(&sim, 4);
    let server = common::Server::start(data.path(), &["--idle-grace", "0"]);
    // Das Erste: FHD (12002) plays first, HD (12001) is the backup.
    let erste = number_of(&server.base, "Das Erste");
    let viewer = common::media::viewer(format!("{}/stream/{erste}", server.base));
    wait_until("the FHD stream measured", Duration::from_secs(20), || {
        let s = server.status();
        let m = &s["sessions"][0]["measured"];
        m["video"].is_string() && m["audio"].is_string()
    });
    let s = server.status();
    let measured = &s["sessions"][0]["measured"];
    assert_eq!(measured["video"], "1920x1080p25 H.264 High", "{s}");
    assert_eq!(measured["tier"], "FHD", "{s}");
    assert_eq!(measured["audio"], "AAC 2ch 48 kHz", "{s}");
    let out = cli(data.path(), &["status"]);
    assert!(
        out.contains("measured: 1920x1080p25 H.264 High, AAC 2ch 48 kHz"),
        "{out}"
    );

    // FHD closes: HD takes over, and what plays is measured anew.
    sim.set_fault(Endpoint::LiveStream(12002), Fault::Close);
    wait_until("the HD backup measured", Duration::from_secs(20), || {
        measured_video(&server).is_some_and(|v| v.starts_with("1280x720"))
    });
    let s = server.status();
    assert_eq!(s["sessions"][0]["measured"]["tier"], "HD", "{s}");
    assert_eq!(s["sessions"][0]["quality"], "HD", "{s}");
    // Each source measured what its name said: nothing to report.
    let events = cli(data.path(), &["events", "--kind", "quality-mismatch"]);
    assert!(!events.contains("quality-mismatch"), "{events}");
    drop(viewer);
}

#[test]
fn a_stream_whose_name_claims_more_than_it_measures_is_reported_once() {
    let mut config = common::test_panel();
    // Das Erste "FHD" (12002) really plays the 720p clip.
    config.clip_overrides.insert(
        12002,
        streamforge_sim::Clip::builtin(streamforge_sim::ClipKind::Hd),
    );
    let sim = SimProvider::start_blocking(config);
    let data = prepared(&sim, 4);
    let server = common::Server::start(data.path(), &["--idle-grace", "0"]);
    let erste = number_of(&server.base, "Das Erste");
    let viewer = common::media::viewer(format!("{}/stream/{erste}", server.base));
    wait_until("the stream measured", Duration::from_secs(20), || {
        measured_video(&server).is_some()
    });
    let s = server.status();
    assert_eq!(s["sessions"][0]["quality"], "FHD", "{s}");
    assert_eq!(s["sessions"][0]["measured"]["tier"], "HD", "{s}");
    let out = cli(data.path(), &["status"]);
    assert!(out.contains("(named FHD, measured HD)"), "{out}");
    // Reported once, however many keyframes pass.
    wait_until("a few more keyframes", Duration::from_secs(10), || {
        viewer.received() > 1_000_000
    });
    let events = cli(data.path(), &["events", "--kind", "quality-mismatch"]);
    assert_eq!(
        events.matches("quality-mismatch").count(),
        1,
        "one event: {events}"
    );
    assert!(
        events.contains("main/12002 (FHD) is named FHD but measures 1280x720p25 H.264 High (HD)"),
        "{events}"
    );
    drop(viewer);
}
