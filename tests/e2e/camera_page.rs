//! The live camera page as a person sees it: a real RTSP camera, `camera
//! add`, a token, the real server and the page opened with `?token=` in a
//! real headless Chromium. Frames arrive in the DOM at the default quality,
//! the quality selector switches the picture, the picture is not blank, the
//! snapshot link carries the token, the page needs the token, and a phone's
//! width scrolls nothing sideways.

use crate::common::{self, camera::CameraOptions, camera::RtspCamera, server::Server, Browser};
use serde_json::Value;
use std::time::{Duration, Instant};

/// Frames counted, the picture's natural size and the page's state text.
const SHOWN: &str = "[document.getElementById('state').dataset.frames, \
     document.getElementById('live').naturalWidth, \
     document.getElementById('live').naturalHeight, \
     document.getElementById('state').textContent]";

/// `#live` drawn on a 64×36 canvas: how many distinct colours (each channel
/// in steps of 32) and the brightest channel value.
const PIXELS: &str = "const img = document.getElementById('live');
     const c = document.createElement('canvas'); c.width = 64; c.height = 36;
     const g = c.getContext('2d'); g.drawImage(img, 0, 0, 64, 36);
     const d = g.getImageData(0, 0, 64, 36).data;
     const colours = new Set(); let max = 0;
     for (let i = 0; i < d.length; i += 4) {
       colours.add((d[i] >> 5) + ',' + (d[i + 1] >> 5) + ',' + (d[i + 2] >> 5));
       max = Math.max(max, d[i], d[i + 1], d[i + 2]);
     }
     return [colours.size, max];";

#[test]
fn the_live_page_shows_frames_switches_quality_and_fits_a_phone() {
    let started = Instant::now();
    let camera = RtspCamera::start(CameraOptions::default()); // 1280x720
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    common::process::cli(data, &["camera", "add", "front", "--url", &camera.url()]);
    let token = common::process::cli(data, &["token", "issue", "--camera", "front"]);
    let token = token.trim();
    let server = Server::start(data, &[]);
    let page = format!("{}/cameras/front?token={token}", server.url);

    let browser = Browser::start(1280, 800);
    browser.open(&page);
    assert_eq!(
        browser.eval("document.title"),
        "front · StreamForge camera",
        "the live page, not an error"
    );

    // Frames arrive: the count grows past 10, the default level is medium.
    browser.wait_true(
        "more than 10 frames on the page",
        Duration::from_secs(20),
        "Number(document.getElementById('state').dataset.frames) > 10 \
         && document.getElementById('live').naturalWidth > 0",
        SHOWN,
    );
    let first_frames = started.elapsed();
    assert_eq!(
        browser.eval("document.getElementById('quality').value"),
        "medium"
    );
    let shown = browser.eval(SHOWN);
    assert_eq!(
        (&shown[1], &shown[2]),
        (&Value::from(1280), &Value::from(720)),
        "{shown}"
    );
    assert_eq!(shown[3], "live", "{shown}");
    // The whole picture fits the window (no scrolling down to see its bottom).
    let fits = browser.eval(
        "[document.getElementById('live').getBoundingClientRect().bottom, window.innerHeight]",
    );
    assert!(
        fits[0].as_f64().unwrap() <= fits[1].as_f64().unwrap(),
        "{fits}"
    );

    // The picture is not blank: the test pattern has many colours. A sample
    // taken while the page swaps in the next frame can catch the image
    // between two pictures (drawn black): a few samples, within a deadline.
    let mut pixels = Value::Null;
    let sampled = Instant::now();
    let not_blank =
        |p: &Value| p[0].as_u64().is_some_and(|c| c >= 4) && p[1].as_u64().is_some_and(|b| b > 64);
    while sampled.elapsed() < Duration::from_secs(5) {
        pixels = browser.script(PIXELS, &[]);
        if not_blank(&pixels) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(not_blank(&pixels), "a blank picture: {pixels}");
    let colours = pixels[0].as_u64().unwrap_or_default();

    // A screenshot of the page as a person sees it.
    let png = browser.screenshot();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(
        png.len() > 20 * 1024,
        "a {}-byte screenshot is blank",
        png.len()
    );
    std::fs::write(dir.path().join("camera-page.png"), &png).unwrap();

    // The snapshot link carries the token to the snapshot endpoint.
    let href = browser.eval("document.getElementById('snapshot').href");
    let href = href.as_str().unwrap();
    assert!(
        href.contains("/api/v1/cameras/front/stream/snapshot") && href.contains(token),
        "{href}"
    );

    // Quality low through the selector: the picture is 640 wide within 2 s.
    browser.script(
        "const q = document.getElementById('quality'); q.value = 'low'; \
         q.dispatchEvent(new Event('change', {bubbles: true}));",
        &[],
    );
    let switched = Instant::now();
    browser.wait_true(
        "a 640-wide picture within 2 s of choosing low",
        Duration::from_secs(2),
        "document.getElementById('live').naturalWidth === 640",
        SHOWN,
    );
    let switch = switched.elapsed();
    let href = browser.eval("document.getElementById('snapshot').href");
    assert!(href.as_str().unwrap().contains("quality=low"), "{href}");

    // Without the token the page is refused.
    let bare = common::http::client()
        .get(format!("{}/cameras/front", server.url))
        .send()
        .unwrap();
    assert_eq!(bare.status().as_u16(), 401);

    // A phone: 375 px wide, nothing scrolls sideways.
    browser.resize(375, 800);
    browser.wait_true(
        "the window 375 px wide",
        Duration::from_secs(5),
        "window.innerWidth === 375",
        "window.innerWidth",
    );
    let widths = browser.eval(
        "[document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]",
    );
    assert!(
        widths[0].as_u64().unwrap() <= 375,
        "the page scrolls sideways at 375 px: {widths}"
    );
    let phone = browser.screenshot();
    std::fs::write(dir.path().join("camera-page-phone.png"), &phone).unwrap();
    eprintln!(
        "camera page: frames after {first_frames:?}, low in {switch:?}, screenshot {} bytes, \
         {colours} colours",
        png.len()
    );
    drop(browser);
    drop(server);
}
