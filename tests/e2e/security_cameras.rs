//! Camera streams live only as long as their token: a WebSocket closes with
//! 1008 and an MJPEG body ends once the token expires or the key rotates.
//! Before auth, a known and an unknown camera answer alike; camera pages
//! carry a CSP without inline script and cannot be framed.

use crate::common::{self, camera::CameraOptions, camera::RtspCamera, server::Server};
use std::io::Read;
use std::net::TcpStream;
use std::time::{Duration, Instant};
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::stream::MaybeTlsStream;
use tungstenite::Message;

type Ws = tungstenite::WebSocket<MaybeTlsStream<TcpStream>>;

fn ws(server: &Server, path: &str) -> (Ws, u16) {
    let url = format!("{}{path}", server.url.replacen("http://", "ws://", 1));
    let (ws, answer) = tungstenite::connect(&url).unwrap_or_else(|e| panic!("{url}: {e}"));
    if let MaybeTlsStream::Plain(s) = ws.get_ref() {
        s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    }
    (ws, answer.status().as_u16())
}

/// Reads until the server closes; the close code and when it came. Frames
/// before it are counted.
fn until_closed(ws: &mut Ws, limit: Duration) -> (Option<CloseCode>, Instant, usize) {
    let deadline = Instant::now() + limit;
    let mut frames = 0;
    while Instant::now() < deadline {
        match ws.read() {
            Ok(Message::Binary(_)) => frames += 1,
            Ok(Message::Close(frame)) => return (frame.map(|f| f.code), Instant::now(), frames),
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return (None, Instant::now(), frames),
        }
    }
    panic!("still open after {limit:?} ({frames} frames)");
}

#[test]
fn camera_streams_end_with_their_token_and_say_nothing_before_auth() {
    let camera = RtspCamera::start(CameraOptions {
        width: 640,
        height: 360,
        ..CameraOptions::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    common::process::cli(data, &["camera", "add", "front", "--url", &camera.url()]);
    let issue = |ttl: &str| {
        common::process::cli(data, &["token", "issue", "--camera", "front", "--ttl", ttl])
            .trim()
            .to_string()
    };
    let server = Server::start(data, &["--camera-grace", "1"]);

    // A 3 s token: frames, then a policy close soon after it expires.
    let short = issue("3s");
    let issued = Instant::now();
    let (mut socket, status) = ws(
        &server,
        &format!("/api/v1/cameras/front/stream?quality=low&token={short}"),
    );
    assert_eq!(status, 101);
    let (code, at, frames) = until_closed(&mut socket, Duration::from_secs(30));
    assert_eq!(code, Some(CloseCode::Policy), "closed with 1008");
    assert!(frames > 0, "frames came while the token was good");
    let lived = at - issued;
    assert!(
        lived >= Duration::from_millis(2000) && lived < Duration::from_secs(8),
        "closed {lived:?} after a 3 s token was issued"
    );

    // The same for an MJPEG body: it ends.
    let short = issue("3s");
    let issued = Instant::now();
    let mut mjpeg = common::http::client()
        .get(format!(
            "{}/api/v1/cameras/front/stream.mjpeg?quality=low&token={short}",
            server.url
        ))
        .send()
        .unwrap();
    assert_eq!(mjpeg.status(), 200);
    let mut sink = Vec::new();
    let read = mjpeg.read_to_end(&mut sink);
    let lived = issued.elapsed();
    assert!(read.is_ok(), "the body ended cleanly: {read:?}");
    assert!(
        !sink.is_empty() && lived < Duration::from_secs(8),
        "MJPEG ran {lived:?}"
    );

    // A long token, sent as the first message; then the key rotates.
    let long = issue("1h");
    let (mut socket, status) = ws(&server, "/api/v1/cameras/front/stream?quality=low");
    assert_eq!(status, 101);
    socket
        .send(Message::Text(
            format!(r#"{{"type":"auth","token":"{long}"}}"#).into(),
        ))
        .unwrap();
    common::wait::wait_for(
        "a frame after auth",
        Duration::from_secs(20),
        || match socket.read() {
            Ok(Message::Binary(_)) => Some(()),
            _ => None,
        },
    );
    let rotated = Instant::now();
    common::process::cli(data, &["token", "rotate-key"]);
    let (code, at, _) = until_closed(&mut socket, Duration::from_secs(30));
    assert_eq!(code, Some(CloseCode::Policy));
    assert!(
        at - rotated < Duration::from_secs(6),
        "closed {:?} after the rotation",
        at - rotated
    );

    // Before auth, a camera that exists and one that does not look the same.
    let (mut known, a) = ws(&server, "/api/v1/cameras/front/stream");
    let (mut unknown, b) = ws(&server, "/api/v1/cameras/no-such-camera/stream");
    assert_eq!((a, b), (101, 101));
    // And after a wrong token, both are closed the same way.
    for socket in [&mut known, &mut unknown] {
        socket
            .send(Message::Text(r#"{"type":"auth","token":"x.y.z"}"#.into()))
            .unwrap();
        let (code, _, _) = until_closed(socket, Duration::from_secs(10));
        assert_eq!(code, Some(CloseCode::Policy));
    }

    // The camera page: strict headers, no inline script.
    let fresh = issue("1h");
    let page = common::http::client()
        .get(format!("{}/cameras/front", server.url))
        .bearer_auth(&fresh)
        .send()
        .unwrap();
    assert_eq!(page.status(), 200);
    common::http::assert_strict_page(page.headers(), "no-referrer");
    let html = page.text().unwrap();
    assert!(
        !html.contains("<script>") && html.contains("src=\"/cameras/assets/live.js\""),
        "{html}"
    );
    // The admin token is not taken from a URL.
    let in_url = common::http::client()
        .get(format!(
            "{}/cameras/front?token={}",
            server.url, server.token
        ))
        .send()
        .unwrap();
    assert_eq!(in_url.status(), 401);
}
