//! Console sign-in limits as an attacker meets them: failures count per
//! client address (behind a trusted reverse proxy, the address it names),
//! ten from one address never lock out another nor the admin token, a burst
//! of parallel guesses is checked ten times and no more, and the server's
//! memory stays flat while hundreds of guesses arrive at once.

use crate::common::{self, server::Server};
use std::time::Duration;

/// Bytes of `pid`'s resident memory now.
fn rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .expect("VmRSS in /proc")
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// `POST /ui/login` with `password` as if from `client` (through the proxy).
fn sign_in(
    http: &reqwest::blocking::Client,
    server: &Server,
    from: Option<&str>,
    password: &str,
) -> u16 {
    let mut request = http
        .post(format!("{}/ui/login", server.url))
        .header("origin", &server.url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("password={}", common::http::form_encode(password)));
    if let Some(addr) = from {
        request = request.header("x-forwarded-for", format!("{addr}, 127.0.0.1"));
    }
    request.send().unwrap().status().as_u16()
}

#[test]
fn failures_count_per_client_and_never_lock_out_others_or_the_admin_token() {
    let dir = common::data_dir();
    common::process::cli_with_input(dir.path(), &["console", "password"], "the right password\n");
    // The test's requests come through "a proxy" on 127.0.0.1 that names the client.
    let server = Server::start(dir.path(), &["--trusted-proxies", "127.0.0.1, ::1"]);
    let http = client();
    // The sign-in page: no inline script allowed, never framed, no sniffing,
    // no Referer to other sites.
    let page = http.get(format!("{}/ui/login", server.url)).send().unwrap();
    common::http::assert_strict_page(page.headers(), "same-origin");
    let (attacker, neighbour) = (Some("198.51.100.7"), Some("203.0.113.9"));
    let statuses: Vec<u16> = (0..12)
        .map(|_| sign_in(&http, &server, attacker, "guess"))
        .collect();
    assert_eq!(&statuses[..10], &[401; 10], "{statuses:?}");
    assert_eq!(&statuses[10..], &[429, 429], "{statuses:?}");
    // The attacker's address waits, even with the right password...
    assert_eq!(sign_in(&http, &server, attacker, "the right password"), 429);
    // ...another address does not, and neither does the admin token.
    assert_eq!(
        sign_in(&http, &server, neighbour, "the right password"),
        303
    );
    assert_eq!(sign_in(&http, &server, attacker, &server.token), 303);
    assert!(!server.log().contains("the right password"));
}

#[test]
fn forwarded_headers_from_strangers_are_ignored() {
    let dir = common::data_dir();
    common::process::cli_with_input(dir.path(), &["console", "password"], "the right password\n");
    let server = Server::start(dir.path(), &[]);
    let http = client();
    // Each guess claims another address; with no trusted proxy they all
    // count against the real peer, 127.0.0.1.
    for n in 0..10 {
        let from = format!("192.0.2.{n}");
        assert_eq!(sign_in(&http, &server, Some(&from), "guess"), 401);
    }
    assert_eq!(sign_in(&http, &server, Some("192.0.2.200"), "guess"), 429);
}

#[test]
fn a_burst_of_parallel_guesses_is_checked_ten_times_in_flat_memory() {
    let dir = common::data_dir();
    common::process::cli_with_input(dir.path(), &["console", "password"], "the right password\n");
    let server = Server::start(dir.path(), &["--trusted-proxies", "127.0.0.1"]);
    let http = client();
    // Warm: one sign-in, then the idle size.
    assert_eq!(
        sign_in(&http, &server, Some("192.0.2.1"), "the right password"),
        303
    );
    let idle = rss(server.pid());

    // 100 guesses at once from one address: exactly ten are checked.
    let one = std::thread::scope(|s| {
        let guesses: Vec<_> = (0..100)
            .map(|_| s.spawn(|| sign_in(&http, &server, Some("198.51.100.50"), "guess")))
            .collect();
        guesses
            .into_iter()
            .map(|g| g.join().unwrap())
            .collect::<Vec<u16>>()
    });
    assert_eq!(one.iter().filter(|s| **s == 401).count(), 10, "{one:?}");
    assert_eq!(one.iter().filter(|s| **s == 429).count(), 90, "{one:?}");

    // 300 at once from 300 addresses: hashed two at a time, memory flat.
    let stop = std::sync::atomic::AtomicBool::new(false);
    let (peak, answers) = std::thread::scope(|s| {
        let sampler = s.spawn(|| {
            let mut peak = 0;
            while !stop.load(std::sync::atomic::Ordering::Acquire) {
                peak = peak.max(rss(server.pid()));
                std::thread::sleep(Duration::from_millis(5));
            }
            peak
        });
        let guesses: Vec<_> = (0..300)
            .map(|n| {
                let (http, server) = (&http, &server);
                s.spawn(move || {
                    let from = format!("10.{}.{}.1", n / 250, n % 250);
                    sign_in(http, server, Some(&from), "guess")
                })
            })
            .collect();
        let answers: Vec<u16> = guesses.into_iter().map(|g| g.join().unwrap()).collect();
        stop.store(true, std::sync::atomic::Ordering::Release);
        (sampler.join().unwrap(), answers)
    });
    assert!(
        answers.iter().all(|s| *s == 401 || *s == 429),
        "{answers:?}"
    );
    let grown = peak.saturating_sub(idle);
    assert!(
        grown <= 64 << 20,
        "RSS grew {} MiB under 300 parallel sign-ins (idle {} MiB)",
        grown >> 20,
        idle >> 20
    );
    eprintln!(
        "sign-in burst: idle {} MiB, peak {} MiB, {} answered 401, {} 429",
        idle >> 20,
        peak >> 20,
        answers.iter().filter(|s| **s == 401).count(),
        answers.iter().filter(|s| **s == 429).count()
    );
}
