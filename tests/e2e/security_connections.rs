//! Connections are bounded in time and number: a flood of slow clients
//! against a server at `ulimit -n 1024` never takes it off the air, heads
//! and idle keep-alive connections and stalled bodies time out, and a
//! channel being watched is never cut for being "idle".

use crate::common::{self, server::Server};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use streamforge_sim::SimProvider;

/// A connection that sent part of a request head and then nothing.
fn slow_client(addr: &str) -> Option<TcpStream> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.write_all(b"GET /lineup.json HTTP/1.1\r\nHost: x\r\n")
        .ok()?;
    Some(s)
}

/// Whether the server closed `s` (EOF or reset) within `limit`.
fn closed_within(s: &mut TcpStream, limit: Duration) -> bool {
    s.set_read_timeout(Some(limit)).unwrap();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue, // an answer to a whole request: read on
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return false
            }
            Err(_) => return true,
        }
    }
}

fn host_port(base: &str) -> String {
    base.trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string()
}

#[test]
fn a_flood_of_slow_connections_never_takes_the_server_off_the_air() {
    let have = common::process::raise_open_files();
    assert!(
        have >= 2400,
        "this test holds 1100+ sockets; the hard limit is {have}"
    );
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = common::prepared(&sim, 2);
    let server = Server::start_with_open_files(data.path(), &[], 1024);
    // The server says what it has to work with.
    let out = server.stdout();
    assert!(
        out.contains("at most 768 open at once (open-file limit 1024)"),
        "{out}"
    );
    let bbc = common::number_of(&server.base, "BBC One");
    let addr = host_port(&server.base);
    let mut slow: Vec<TcpStream> = (0..1100).filter_map(|_| slow_client(&addr)).collect();
    assert!(
        slow.len() >= 1000,
        "only {} slow clients connected",
        slow.len()
    );

    // A normal client still gets its answer...
    let discover = common::wait::wait_for(
        "/discover.json under the flood",
        Duration::from_secs(20),
        || {
            let r = common::http::client()
                .get(format!("{}/discover.json", server.base))
                .timeout(Duration::from_secs(5))
                .send()
                .ok()?;
            (r.status() == 200).then(|| r.text().ok()).flatten()
        },
    );
    assert!(discover.contains("DeviceID"), "{discover}");
    // ...and a channel plays.
    let viewer = common::viewer(format!("{}/stream/{bbc}", server.base));
    common::wait::wait_until(
        "stream bytes under the flood",
        Duration::from_secs(20),
        || viewer.received() > 100_000,
    );
    // The slow clients that were let go were closed, not left hanging:
    // some of the oldest had to make room.
    let closed = server.metric("streamforge_connections_closed_total");
    assert!(closed >= 300, "{closed} closed to make room");
    assert!(server.metric("streamforge_open_connections") <= 768);
    // Nothing of the server's own log says it ran out of descriptors.
    let log = server.log();
    assert!(
        !log.contains("Too many open files"),
        "{}",
        server.log_tail()
    );
    drop(viewer);
    slow.clear();
}

#[test]
fn slow_heads_idle_connections_and_stalled_bodies_time_out_streams_never() {
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = common::prepared(&sim, 2);
    let server = Server::start(
        data.path(),
        &[
            "--head-timeout",
            "1",
            "--idle-timeout",
            "2",
            "--body-timeout",
            "1",
        ],
    );
    let addr = host_port(&server.base);

    // A head that never ends.
    let started = Instant::now();
    let mut head = slow_client(&addr).unwrap();
    assert!(
        closed_within(&mut head, Duration::from_secs(10)),
        "slow head kept open"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "closed before its time"
    );

    // A kept-alive connection after one answer, then silence.
    let mut idle = TcpStream::connect(&addr).unwrap();
    idle.write_all(b"GET /discover.json HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let started = Instant::now();
    assert!(
        closed_within(&mut idle, Duration::from_secs(15)),
        "idle connection kept open"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(1900),
        "closed before its idle time"
    );

    // A body announced and never sent whole.
    let mut body = TcpStream::connect(&addr).unwrap();
    body.write_all(
        b"POST /ui/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\npassword=",
    )
    .unwrap();
    assert!(
        closed_within(&mut body, Duration::from_secs(15)),
        "stalled body kept open"
    );

    // A viewer well past every timeout is still watching.
    let bbc = common::number_of(&server.base, "BBC One");
    let viewer = common::viewer(format!("{}/stream/{bbc}", server.base));
    let second = common::second_of(&sim, 11001);
    common::wait::wait_until("5 s of video", Duration::from_secs(30), || {
        viewer.received() > 5 * second
    });
    let (bytes, ended) = viewer.stop();
    assert!(!ended, "the stream was cut after {} bytes", bytes.len());
}
