//! HLS input beside the TS path (issue 15): the same media, made once by
//! ffmpeg as 1 s HLS segments (1080p, about 8 Mbit/s), served live by the
//! simulated HLS origin and, concatenated into one clip, as MPEG-TS by the
//! simulated panel. StreamForge relays both; the bench measures
//! - time to first byte on a cold channel (a fresh tune each try), and
//! - CPU seconds (the server process, ns-precise) per GB delivered to one
//!   viewer over a 10 s window of steady state.
//!
//! It prints a table and does not judge, but fails when something is
//! broken (no bytes, misaligned packets).
//!
//! Run: `cargo bench -p streamforge --bench hls` (needs ffmpeg).

#[path = "relay/procs.rs"]
#[allow(dead_code)]
mod procs;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};
use streamforge_sim::{Clip, SimConfig, SimHls, SimProvider};
use streamforge_testkit::{hls, number_of, Server};

/// Cold tunes per path.
const TRIES: usize = 8;
/// Steady-state window for CPU per GB.
const WINDOW: Duration = Duration::from_secs(10);
/// Bytes that count as "the first bytes" of a tune: one packet.
const FIRST: usize = 188;
/// Idle window measured to take the server's own ticking out of CPU per GB.
const IDLE: Duration = Duration::from_secs(5);

fn main() {
    let tmp = tempfile::tempdir().unwrap();
    let segments = hls::make_segments(tmp.path(), "1920x1080", "8M");
    let mut joined = Vec::new();
    for s in &segments {
        joined.extend_from_slice(&s.bytes);
    }
    let clip = Clip::from_ts(joined).unwrap_or_else(|e| panic!("the joined segments: {e}"));
    eprintln!("hls bench: {clip:?}");
    let mut config = SimConfig::generated(8, 1);
    config.max_connections = 64;
    config.default_clip = Some(clip);
    let sim = SimProvider::start_blocking(config);
    let origin = SimHls::start_blocking(segments);
    let data = streamforge_testkit::prepared(&sim, 16);
    hls::add_origin(data.path(), &origin, 16);
    let server = Server::start(data.path(), &["--idle-grace", "1"]);
    let addr: SocketAddr = server.base.trim_start_matches("http://").parse().unwrap();
    let lineup = streamforge_testkit::http::get_json(&format!("{}/lineup.json", server.base));
    let ts_channel = lineup
        .as_array()
        .and_then(|l| {
            l.iter()
                .find(|c| !c["GuideName"].as_str().unwrap_or("HLS").starts_with("HLS"))
        })
        .and_then(|c| c["GuideNumber"].as_str())
        .expect("a TS channel in the lineup")
        .to_string();
    let hls_channel = number_of(&server.base, "HLS One");
    wait_idle(&server);
    let pids = [server.pid()];
    let idle0 = procs::cpu_seconds_precise(&pids);
    std::thread::sleep(IDLE);
    let idle_per_s = (procs::cpu_seconds_precise(&pids) - idle0) / IDLE.as_secs_f64();
    let mut rows = Vec::new();
    for (name, number) in [("TS", &ts_channel), ("HLS", &hls_channel)] {
        let path = format!("/stream/{number}");
        let mut firsts = Vec::new();
        for _ in 0..TRIES {
            wait_idle(&server);
            firsts.push(first_byte(addr, &path));
        }
        wait_idle(&server);
        let (cpu, bytes) = cpu_per_gb(&server, addr, &path, idle_per_s);
        firsts.sort();
        rows.push((name, firsts, cpu, bytes));
    }
    println!();
    println!("HLS input beside the TS path (same media, 1080p ~8 Mbit/s, one viewer)");
    println!(
        "{:<6} {:>16} {:>14} {:>12} {:>16} {:>12}",
        "path", "first byte med", "first byte max", "CPU s/GB", "minus idle s/GB", "MB measured"
    );
    for (name, firsts, (cpu, busy), bytes) in &rows {
        println!(
            "{:<6} {:>13.1} ms {:>11.1} ms {:>12.3} {:>16.3} {:>12.1}",
            name,
            firsts[firsts.len() / 2].as_secs_f64() * 1e3,
            firsts[firsts.len() - 1].as_secs_f64() * 1e3,
            cpu,
            busy,
            *bytes as f64 / 1e6
        );
    }
    println!("idle server: {:.4} CPU s per s", idle_per_s);
    println!(
        "(HLS starts three 1 s segments behind the live edge, the first sent at once; \
         its output is paced at the media's rate, the TS path at the provider's.)"
    );
}

/// Waits (bounded) until no channel plays.
fn wait_idle(server: &Server) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while server.status()["sessions"]
        .as_array()
        .is_some_and(|s| !s.is_empty())
    {
        assert!(Instant::now() < deadline, "sessions did not end");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A request for `path`, answered with a 200 head.
fn open(addr: SocketAddr, path: &str) -> (TcpStream, Vec<u8>) {
    let mut sock = TcpStream::connect(addr).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    write!(sock, "GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n").unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 64 * 1024];
    loop {
        let n = sock.read(&mut buf).expect("the relay answers");
        assert!(n > 0, "the relay closed before its head");
        got.extend_from_slice(&buf[..n]);
        if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            assert!(
                got.starts_with(b"HTTP/1.1 200"),
                "{}",
                String::from_utf8_lossy(&got)
            );
            return (sock, got.split_off(end + 4));
        }
    }
}

/// Time from connect to the first [`FIRST`] body bytes of a cold tune.
fn first_byte(addr: SocketAddr, path: &str) -> Duration {
    let start = Instant::now();
    let (mut sock, mut body) = open(addr, path);
    let mut buf = [0u8; 64 * 1024];
    while body.len() < FIRST {
        let n = sock.read(&mut buf).expect("bytes");
        assert!(n > 0, "the stream ended");
        body.extend_from_slice(&buf[..n]);
    }
    assert_eq!(body[0], 0x47, "the first byte is a packet's");
    start.elapsed()
}

/// CPU seconds per GB (as measured, and without the idle server's own
/// `idle_per_s`) and bytes read by one viewer over [`WINDOW`], after two
/// seconds of warm-up.
fn cpu_per_gb(server: &Server, addr: SocketAddr, path: &str, idle_per_s: f64) -> ((f64, f64), u64) {
    let (mut sock, body) = open(addr, path);
    let mut total = body.len() as u64;
    let mut buf = vec![0u8; 256 * 1024];
    let mut read_for = |d: Duration, total: &mut u64| {
        let until = Instant::now() + d;
        while Instant::now() < until {
            let n = sock.read(&mut buf).expect("bytes");
            assert!(n > 0, "the stream ended");
            *total += n as u64;
        }
    };
    read_for(Duration::from_secs(2), &mut total);
    let pids = [server.pid()];
    let (cpu0, bytes0) = (procs::cpu_seconds_precise(&pids), total);
    read_for(WINDOW, &mut total);
    let cpu = procs::cpu_seconds_precise(&pids) - cpu0;
    let bytes = total - bytes0;
    assert!(bytes > 1_000_000, "only {bytes} bytes in the window");
    let gb = bytes as f64 / 1e9;
    let busy = (cpu - idle_per_s * WINDOW.as_secs_f64()).max(0.0);
    ((cpu / gb, busy / gb), bytes)
}
