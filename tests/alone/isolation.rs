//! The byte path never waits on admin work: with 50 000 streams and a guide
//! of 10 000 channels, one viewer plays while the lineup, playlist, guide,
//! mappings, status, events and account list are asked for over and over
//! for 20 s. The viewer's longest pause between reads and the relay thread's
//! lag (its longest stretch of work, from the server's own histogram) stay
//! near a quiet window's (one read batch, and 50 ms).
//!
//! It runs alone (see `main.rs`), and its load generators yield the CPU to
//! everything else, so what competes with the viewer is the server's admin
//! work and nothing else. (Beside other tests, a plugin being compiled among
//! them, one CI run saw the viewer pause 163 ms under load against 104 ms
//! quiet while the relay thread never worked longer than 1 ms at a stretch.)

use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use streamforge_sim::{SimConfig, SimProvider};
use streamforge_testkit::{self as common, media::viewer, Server};

/// The runtime-lag histogram (`le` bound in seconds → cumulative count).
fn lag_buckets(server: &Server) -> Vec<(f64, u64)> {
    server
        .metrics()
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("streamforge_runtime_lag_seconds_bucket{le=\"")?;
            let (le, count) = rest.split_once("\"} ")?;
            Some((
                le.parse().unwrap_or(f64::INFINITY),
                count.trim().parse().ok()?,
            ))
        })
        .collect()
}

/// The longest runtime-lag stretch between two histogram readings, as the
/// bound of the highest bucket that grew, in ms.
fn lag_max_ms(before: &[(f64, u64)], after: &[(f64, u64)]) -> f64 {
    let grew = |i: usize| after[i].1 > before[i].1;
    (0..after.len())
        .filter(|&i| {
            grew(i) && (i == 0 || after[i].1 - before[i].1 > after[i - 1].1 - before[i - 1].1)
        })
        .map(|i| after[i].0 * 1000.0)
        .fold(0.0, f64::max)
}

/// How long the quiet window and the loaded one each last.
const WINDOW: Duration = Duration::from_secs(20);

/// How much longer than the quiet window's longest the loaded window's
/// longest pause may be: one of the relay's read batches (about 100 ms of
/// the stream, `SO_RCVLOWAT` in `relay/plain_http.rs`). The longest gap of either window is one
/// of a few steps of whole batches (200 or 300 ms with these clips, as the
/// pictures wait for their sound), so a window that happened not to meet
/// the longest step is one batch shorter. Admin work holding the bytes, as
/// before the relay had its own thread, paused the viewer 466 ms.
const PAUSE_ALLOWANCE: Duration = Duration::from_millis(100);

#[test]
fn admin_requests_never_stall_a_viewer() {
    let _alone = crate::alone();
    let mut config = SimConfig::generated(50_000, 7);
    config.guide_hours = 2;
    config.max_connections = 4;
    let sim = SimProvider::start_blocking(config);
    let data = common::prepared(&sim, 4);
    let server = Server::start(data.path(), &[]);
    let lineup = common::get_json(&format!("{}/lineup.json", server.base));
    let channels = lineup.as_array().unwrap();
    let guide = server.api("/api/v1/mappings");
    assert!(
        guide.as_array().unwrap().len() >= 10_000,
        "want a guide of 10 000 channels, have {}",
        guide.as_array().unwrap().len()
    );
    let number = channels[0]["GuideNumber"].as_str().unwrap().to_string();
    let viewer = viewer(format!("{}/stream/{number}", server.base));
    common::wait_until("the viewer's first bytes", Duration::from_secs(20), || {
        viewer.received() > 0
    });

    // A quiet window as long as the loaded one: the baseline. The output
    // comes in steps of whole pictures held for their sound (the splicer's
    // edge, `streamforge_ts::Splicer`), so the gap between two reads varies
    // with the stream (100-300 ms with these clips); the longest gap of a
    // window depends on its length, and a shorter quiet window would
    // compare a smaller sample's longest with a larger one's.
    let lag_quiet_from = lag_buckets(&server);
    let quiet_from = Instant::now();
    common::wait_until("a quiet window", Duration::from_secs(25), || {
        quiet_from.elapsed() >= WINDOW
    });
    let quiet_to = Instant::now();
    let (quiet_pause, reads) = viewer.longest_pause(quiet_from, quiet_to);
    assert!(reads > 10, "the viewer read too little: {reads} reads");
    let lag_quiet_to = lag_buckets(&server);
    let quiet_lag = lag_max_ms(&lag_quiet_from, &lag_quiet_to);

    // 20 s of admin and tuner requests, two clients at once.
    let paths = [
        format!("{}/lineup.json", server.base),
        format!("{}/playlist.m3u", server.base),
        format!("{}/xmltv.xml", server.base),
        format!("{}/api/v1/mappings", server.url),
        format!("{}/api/v1/status", server.url),
        format!("{}/api/v1/events", server.url),
        format!("{}/api/v1/accounts", server.url),
    ];
    let requests = Arc::new(AtomicU64::new(0));
    let load_from = Instant::now();
    let until = load_from + WINDOW;
    let clients: Vec<_> = (0..2)
        .map(|worker| {
            let (paths, token, requests) = (paths.clone(), server.token.clone(), requests.clone());
            std::thread::spawn(move || {
                common::process::yield_cpu_to_others();
                let client = common::client();
                let mut sink = Vec::new();
                let mut i = worker;
                while Instant::now() < until {
                    let mut resp = client
                        .get(&paths[i % paths.len()])
                        .bearer_auth(&token)
                        .send()
                        .unwrap();
                    assert!(resp.status().is_success(), "{}", paths[i % paths.len()]);
                    sink.clear();
                    resp.read_to_end(&mut sink).unwrap();
                    requests.fetch_add(1, Ordering::Relaxed);
                    i += 1;
                }
            })
        })
        .collect();
    for c in clients {
        c.join().unwrap();
    }
    let load_to = Instant::now();
    let (load_pause, reads) = viewer.longest_pause(load_from, load_to);
    assert!(
        reads > 10,
        "the viewer read too little under load: {reads} reads"
    );
    let load_lag = lag_max_ms(&lag_quiet_to, &lag_buckets(&server));
    let done = requests.load(Ordering::Relaxed);
    eprintln!(
        "isolation: {done} requests in 20 s; longest pause quiet {quiet_pause:?}, under load {load_pause:?}; \
         longest runtime-lag stretch quiet ≤ {quiet_lag} ms, under load ≤ {load_lag} ms (bucket bounds)"
    );
    assert!(
        done >= 14,
        "every path was asked for at least twice: {done} requests"
    );
    assert!(
        load_pause <= quiet_pause + PAUSE_ALLOWANCE,
        "the viewer paused {load_pause:?} under load against {quiet_pause:?} when quiet"
    );
    assert!(
        load_lag <= quiet_lag + 50.0,
        "the relay thread lagged {load_lag:.1} ms under load against {quiet_lag:.1} ms when quiet"
    );
}
