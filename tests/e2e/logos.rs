//! The logo cache as a client sees it: the playlist and the guide point at
//! `/logos/{id}` (never at the logo host), the logo comes back with its
//! bytes, type, ETag and Cache-Control, a non-image is refused, and slow or
//! dead logo hosts never delay `/playlist.m3u`.

use crate::common;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use streamforge_sim::SimProvider;

/// A PNG signature and header: what an image host would send.
const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89fixture-logo";

/// An SVG whose script would run on the console's origin if served as a page.
const SVG: &[u8] = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>fetch('/ui/channels/disable',{method:'POST'})</script></svg>"#;
/// A page sent as an image.
const HTML: &[u8] = b"<html><body><script>fetch('/ui/')</script></body></html>";

/// A logo host on loopback: `/logo.png` is an image, `/page` an HTML page,
/// `/slow.png` is never answered. Requests seen are kept.
struct LogoHost {
    base: String,
    seen: Arc<Mutex<Vec<String>>>,
    /// Connections held open without an answer, until the host is dropped.
    _held: Arc<Mutex<Vec<TcpStream>>>,
}

impl LogoHost {
    fn start() -> LogoHost {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let held = Arc::new(Mutex::new(Vec::new()));
        let (seen2, held2) = (seen.clone(), held.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (seen, held) = (seen2.clone(), held2.clone());
                std::thread::spawn(move || serve(stream, &seen, &held));
            }
        });
        LogoHost {
            base,
            seen,
            _held: held,
        }
    }

    fn saw(&self, path: &str) -> bool {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .any(|p| p.starts_with(path))
    }
}

fn serve(mut stream: TcpStream, seen: &Mutex<Vec<String>>, held: &Mutex<Vec<TcpStream>>) {
    let mut line = String::new();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    if reader.read_line(&mut line).is_err() {
        return;
    }
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
            break;
        }
    }
    let path = line.split(' ').nth(1).unwrap_or("").to_string();
    seen.lock().unwrap().push(path.clone());
    if let Some(to) = path.strip_prefix("/redirect?to=") {
        let head = format!(
            "HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        let _ = stream.write_all(head.as_bytes());
        return;
    }
    let (kind, body): (&str, &[u8]) = if path.starts_with("/logo.png") {
        ("image/png", PNG)
    } else if path.starts_with("/page") {
        ("text/html", b"<html>not a logo</html>")
    } else if path.starts_with("/evil.svg") {
        ("image/svg+xml", SVG)
    } else if path.starts_with("/lying.png") {
        ("image/png", HTML)
    } else if path.starts_with("/combo") {
        ("image/png,text/html", HTML)
    } else {
        held.lock().unwrap().push(stream);
        return;
    };
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
}

fn get(url: &str, headers: &[(&str, &str)]) -> reqwest::blocking::Response {
    let mut req = common::http::client().get(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().unwrap_or_else(|e| panic!("{url}: {e}"))
}

#[test]
fn logos_are_cached_served_by_id_and_never_slow_the_playlist() {
    let host = LogoHost::start();
    // A host that accepts connections (into the backlog) and never answers.
    let dead = TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!(
        "http://127.0.0.1:{}/dead.png",
        dead.local_addr().unwrap().port()
    );
    let good = format!("{}/logo.png?token=l0go-s3cret", host.base);
    let page = format!("{}/page", host.base);
    let slow = format!("{}/slow.png", host.base);
    let mut config = common::test_panel();
    for ch in &mut config.channels {
        ch.icon = Some(match ch.epg_channel_id.as_deref() {
            Some("bbc1.uk") => good.clone(),
            Some("itv1.uk") => page.clone(),
            Some("e4.uk") => slow.clone(),
            _ => dead_url.clone(),
        });
    }
    let sim = SimProvider::start_blocking(config);
    let data = common::prepared(&sim, 2);
    let server =
        common::Server::start_with(data.path(), &[], Some("info,streamforge::logos=debug"));
    let base = server.base.clone();

    // At once, while logo downloads hang: the playlist is not held up.
    let started = Instant::now();
    let playlist = get(&format!("{base}/playlist.m3u"), &[]).text().unwrap();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(2), "/playlist.m3u took {took:?}");
    let logos: Vec<&str> = playlist
        .split("tvg-logo=\"")
        .skip(1)
        .map(|r| &r[..r.find('"').unwrap()])
        .collect();
    assert!(logos.len() >= 4, "{playlist}");
    for logo in &logos {
        assert!(logo.starts_with(&format!("{base}/logos/")), "{logo}");
    }
    let good_url = format!("{base}/logos/{}", streamforge::logos::logo_id(&good));
    let page_url = format!("{base}/logos/{}", streamforge::logos::logo_id(&page));
    assert!(logos.contains(&good_url.as_str()), "{playlist}");
    assert!(!playlist.contains(&host.base) && !playlist.contains("l0go-s3cret"));

    let xml = get(&format!("{base}/xmltv.xml"), &[]).text().unwrap();
    assert!(
        xml.contains(&format!("<icon src=\"{good_url}\"/>")),
        "{xml}"
    );
    assert!(!xml.contains(&host.base) && !xml.contains("l0go-s3cret"));

    // The image arrives in the background and is served from the cache.
    let logo = common::wait_for("the logo cached", Duration::from_secs(30), || {
        let r = get(&good_url, &[]);
        (r.status() == 200).then_some(r)
    });
    let h = logo.headers().clone();
    assert_eq!(h["content-type"], "image/png");
    assert!(h["cache-control"].to_str().unwrap().contains("max-age="));
    let etag = h["etag"].to_str().unwrap().to_string();
    assert_eq!(logo.bytes().unwrap().as_ref(), PNG);
    let again = get(&good_url, &[("If-None-Match", &etag)]);
    assert_eq!(again.status(), 304);
    assert_eq!(
        host.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|p| p.starts_with("/logo.png"))
            .count(),
        1
    );

    // The HTML page is refused, and stays a 404.
    let page_id = streamforge::logos::logo_id(&page);
    common::wait_until("the page refused", Duration::from_secs(30), || {
        server.log().contains(&format!(
            "logo {page_id} not cached: not a PNG, JPEG, GIF or WebP"
        ))
    });
    assert!(host.saw("/page"));
    assert_eq!(get(&page_url, &[]).status(), 404);
    assert_eq!(get(&format!("{base}/logos/not-an-id"), &[]).status(), 404);

    // Still fast with the slow host's download in flight; nothing leaked.
    common::wait_until("the slow logo requested", Duration::from_secs(30), || {
        host.saw("/slow.png")
    });
    let started = Instant::now();
    get(&format!("{base}/playlist.m3u"), &[]);
    assert!(started.elapsed() < Duration::from_secs(2));
    let log = server.log();
    assert!(
        !log.contains("l0go-s3cret") && !log.contains(&host.base),
        "{log}"
    );
}

/// Sets every test channel's guide icon: `icons` by guide id, `other` for the rest.
fn with_icons(icons: &[(&str, String)], other: &str) -> streamforge_sim::SimConfig {
    let mut config = common::test_panel();
    for ch in &mut config.channels {
        let id = ch.epg_channel_id.clone().unwrap_or_default();
        ch.icon = Some(
            icons
                .iter()
                .find(|(g, _)| *g == id)
                .map_or_else(|| other.to_string(), |(_, url)| url.clone()),
        );
    }
    config
}

/// A provider's SVG with a script, HTML sent as `image/png`, and a body sent
/// as `image/png,text/html` are never kept nor served; a real PNG is served
/// as an image that cannot run as a page. A redirect to StreamForge's own
/// listener is not followed.
#[test]
fn hostile_logos_are_refused_and_served_images_cannot_run() {
    let host = LogoHost::start();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let to_us = format!("http://127.0.0.1:{port}/discover.json");
    let urls = [
        ("bbc1.uk", format!("{}/logo.png", host.base)),
        ("itv1.uk", format!("{}/evil.svg", host.base)),
        ("e4.uk", format!("{}/lying.png", host.base)),
        ("skynews.uk", format!("{}/combo", host.base)),
        ("bbcnews.uk", format!("{}/redirect?to={to_us}", host.base)),
    ];
    let sim = SimProvider::start_blocking(with_icons(&urls, &format!("{}/page", host.base)));
    let data = common::prepared(&sim, 2);
    let listen = format!("127.0.0.1:{port}");
    let server = common::Server::start_exactly_with(
        data.path(),
        &["serve", "--listen", &listen, "--no-discovery"],
        "info,streamforge::logos=debug",
    );
    let base = server.base.clone();
    let served = |url: &str| format!("{base}/logos/{}", streamforge::logos::logo_id(url));

    let png = common::wait_for("the PNG cached", Duration::from_secs(30), || {
        let r = get(&served(&urls[0].1), &[]);
        (r.status() == 200).then_some(r)
    });
    let h = png.headers().clone();
    assert_eq!(h["content-type"], "image/png");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["content-security-policy"], "default-src 'none'; sandbox");
    assert!(h["cache-control"].to_str().unwrap().contains("max-age="));

    for (path, why) in [
        ("/evil.svg", "not a PNG, JPEG, GIF or WebP"),
        ("/lying.png", "not a PNG, JPEG, GIF or WebP"),
        ("/combo", "not a PNG, JPEG, GIF or WebP"),
        ("/redirect", "StreamForge's own listener"),
    ] {
        let (_, url) = urls.iter().find(|(_, u)| u.contains(path)).unwrap();
        let id = streamforge::logos::logo_id(url);
        common::wait_until_explained(
            Duration::from_secs(30),
            || server.log().contains(&format!("logo {id} not cached")),
            || format!("{path} never refused: {}", server.log_tail()),
        );
        let log = server.log();
        let line = log
            .lines()
            .find(|l| l.contains(&format!("logo {id} not cached")))
            .unwrap();
        assert!(line.contains(why), "{path}: {line}");
        assert!(host.saw(path), "{path} was asked for");
        let answer = get(&served(url), &[]);
        assert_eq!(answer.status(), 404, "{path}");
        assert_eq!(
            answer.headers()["x-content-type-options"],
            "nosniff",
            "{path}"
        );
    }
    // The refusal by address is an event (once per round of downloads).
    let events = server.api("/api/v1/events");
    assert!(
        events
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "logos-refused"),
        "{events}"
    );
}

/// A guide read from a file is not served from this machine: the logos it
/// names on loopback are never fetched (an internet guide may not point the
/// server at its own network).
#[test]
fn logos_named_by_a_guide_from_elsewhere_never_reach_loopback() {
    let host = LogoHost::start();
    let sim = SimProvider::start_blocking(with_icons(&[], &format!("{}/logo.png", host.base)));
    let data = common::data_dir();
    let out = common::add_panel_account(data.path(), &sim, "main", &["--max-connections", "2"]);
    assert!(out.status.success());
    let guide = common::client()
        .get(sim.xmltv_url())
        .send()
        .unwrap()
        .text()
        .unwrap();
    let file = data.path().join("guide-from-elsewhere.xml");
    std::fs::write(&file, guide).unwrap();
    common::cli(
        data.path(),
        &["guide", "add", "panel", file.to_str().unwrap()],
    );
    common::cli(data.path(), &["sync"]);
    common::cli(data.path(), &["match"]);
    let server = common::Server::start(data.path(), &[]);
    let refused = common::wait_for("the logos refused", Duration::from_secs(30), || {
        let events = server.api("/api/v1/events");
        events
            .as_array()?
            .iter()
            .find(|e| e["kind"] == "logos-refused")
            .map(|e| e["detail"].as_str().unwrap_or_default().to_string())
    });
    assert!(refused.contains("loopback"), "{refused}");
    assert!(
        !host.saw("/logo.png"),
        "the loopback logo host was contacted"
    );
    let id = streamforge::logos::logo_id(&format!("{}/logo.png", host.base));
    assert_eq!(
        get(&format!("{}/logos/{id}", server.base), &[]).status(),
        404
    );
}
