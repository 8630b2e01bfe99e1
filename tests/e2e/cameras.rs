//! Cameras as a user meets them: `camera add` with one command, a token for
//! one camera, the real server, a real RTSP camera (GStreamer) on loopback,
//! and real clients: WebSocket frames with a quality switch, MJPEG, snapshots,
//! the live page; one RTSP session whatever the viewers; 401/403/404/503.

use crate::common::{
    self, camera::jpeg_size, camera::CameraOptions, camera::RtspCamera, server::Server,
};
use std::io::Read;
use std::net::TcpStream;
use std::time::{Duration, Instant};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

type Ws = WebSocket<MaybeTlsStream<TcpStream>>;

fn ws_url(server: &Server, path: &str) -> String {
    format!("{}{path}", server.url.replacen("http://", "ws://", 1))
}

fn connect(url: &str) -> Ws {
    let (ws, _) = tungstenite::connect(url).unwrap_or_else(|e| panic!("WebSocket {url}: {e}"));
    if let MaybeTlsStream::Plain(s) = ws.get_ref() {
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    }
    ws
}

/// The next binary frame (text messages are skipped, returned in `texts`).
fn next_frame(ws: &mut Ws, texts: &mut Vec<String>) -> Vec<u8> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        assert!(Instant::now() < deadline, "no frame within 20 s");
        match ws.read().expect("a WebSocket message") {
            Message::Binary(b) => return b.to_vec(),
            Message::Text(t) => texts.push(t.to_string()),
            _ => {}
        }
    }
}

/// The HTTP status of a WebSocket attempt refused before the upgrade.
fn refused_status(url: &str) -> u16 {
    refused_status_as(url, None)
}

/// [`refused_status`], sending `bearer` as `Authorization: Bearer`.
fn refused_status_as(url: &str, bearer: Option<&str>) -> u16 {
    use tungstenite::client::IntoClientRequest;
    let mut request = url.into_client_request().unwrap();
    if let Some(token) = bearer {
        let value = format!("Bearer {token}").parse().unwrap();
        request.headers_mut().insert("authorization", value);
    }
    match tungstenite::connect(request) {
        Err(tungstenite::Error::Http(r)) => r.status().as_u16(),
        Err(e) => panic!("{url}: {e}"),
        Ok(_) => panic!("{url}: upgraded, should be refused"),
    }
}

fn get(url: &str, bearer: Option<&str>) -> reqwest::blocking::Response {
    let mut req = common::http::client().get(url);
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    req.send().unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

#[test]
fn a_camera_added_with_one_command_streams_to_many_viewers_from_one_rtsp_session() {
    let camera = RtspCamera::start(CameraOptions::default()); // 1280x720 @ 15 fps
    let other = RtspCamera::start(CameraOptions {
        width: 640,
        height: 360,
        ..CameraOptions::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let added = common::process::cli(data, &["camera", "add", "front", "--url", &camera.url()]);
    assert!(added.contains("added camera front"), "{added}");
    common::process::cli_with_input(
        data,
        &[
            "camera",
            "add",
            "yard",
            "--url",
            &other.url(),
            "--username",
            "viewer",
            "--password-stdin",
        ],
        "Yard-Secret-77\n",
    );
    let listed = common::process::cli(data, &["camera", "list", "--json"]);
    assert!(
        listed.contains("\"front\"") && !listed.contains("Yard-Secret"),
        "{listed}"
    );
    let token = common::process::cli(
        data,
        &["token", "issue", "--camera", "front", "--ttl", "10m"],
    );
    let token = token.trim();
    let server = Server::start(data, &["--camera-max-streams", "1", "--camera-grace", "1"]);
    let api = format!("{}/api/v1/cameras", server.url);

    // Who may see what.
    assert_eq!(get(&api, None).status().as_u16(), 401, "no token");
    assert_eq!(
        get(&api, Some("not.a.token")).status().as_u16(),
        401,
        "forged"
    );
    let list: serde_json::Value = get(&api, Some(token)).json().unwrap();
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["front"], "a token for front lists only front");
    let info = get(&format!("{api}/yard/stream/info"), Some(token));
    assert_eq!(info.status().as_u16(), 403, "out of scope");
    assert_eq!(
        get(&format!("{api}/nope/stream/info"), Some(&server.token))
            .status()
            .as_u16(),
        404
    );
    let info: serde_json::Value = get(&format!("{api}/front/stream/info"), Some(token))
        .json()
        .unwrap();
    assert_eq!(info["default_quality"], "medium");
    assert_eq!(info["qualities"].as_array().unwrap().len(), 3);

    // Ten viewers on two levels: one RTSP session.
    let mut viewers: Vec<Ws> = (0..10)
        .map(|i| {
            let q = if i % 2 == 0 { "low" } else { "medium" };
            connect(&ws_url(
                &server,
                &format!("/api/v1/cameras/front/stream?quality={q}&token={token}"),
            ))
        })
        .collect();
    let mut texts = vec![];
    assert_eq!(
        jpeg_size(&next_frame(&mut viewers[0], &mut texts)),
        (640, 360)
    );
    assert_eq!(
        jpeg_size(&next_frame(&mut viewers[1], &mut texts)),
        (1280, 720)
    );
    for v in viewers.iter_mut() {
        next_frame(v, &mut texts);
    }
    assert_eq!(
        camera.sessions(),
        1,
        "ten viewers, two levels: one RTSP session"
    );
    let list: serde_json::Value = get(&api, Some(token)).json().unwrap();
    assert_eq!(list[0]["viewers"], 10);
    let status = server.status();
    let front = &status["cameras"][0];
    assert_eq!(
        (&front["id"], &front["streaming"], &front["viewers"]),
        (&"front".into(), &true.into(), &10.into()),
        "{status}"
    );
    let metrics = server.metrics();
    for line in [
        "streamforge_camera_streams_active 1",
        "streamforge_camera_viewers{camera=\"front\",level=\"low\"} 5",
        "streamforge_camera_viewers{camera=\"front\",level=\"medium\"} 5",
    ] {
        assert!(metrics.contains(line), "no {line:?} in /metrics");
    }

    // Ping, and a quality switch that takes effect within a second.
    let v = &mut viewers[0];
    v.send(Message::text(r#"{"type":"ping"}"#)).unwrap();
    v.send(Message::text(r#"{"type":"quality","value":"high"}"#))
        .unwrap();
    let switched = Instant::now();
    loop {
        let f = next_frame(v, &mut texts);
        if jpeg_size(&f) == (1280, 720) {
            break;
        }
        assert!(
            switched.elapsed() < Duration::from_secs(1),
            "quality switch took over 1 s"
        );
    }
    assert!(texts.iter().any(|t| t.contains("\"pong\"")), "{texts:?}");

    // A snapshot of the streaming camera at once; the MJPEG stream; the page.
    let t = Instant::now();
    let snap = get(
        &format!("{api}/front/stream/snapshot?quality=low&token={token}"),
        None,
    );
    let took = t.elapsed();
    assert_eq!(snap.headers()["content-type"], "image/jpeg");
    assert_eq!(jpeg_size(&snap.bytes().unwrap()), (640, 360));
    assert!(took < Duration::from_millis(100), "snapshot took {took:?}");
    let mut mjpeg = get(
        &format!("{api}/front/stream.mjpeg?quality=low"),
        Some(token),
    );
    assert!(mjpeg.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("multipart/x-mixed-replace"));
    let mut head = vec![0; 4096];
    mjpeg.read_exact(&mut head).unwrap();
    assert!(
        head.starts_with(b"--frame\r\nContent-Type: image/jpeg"),
        "{:?}",
        String::from_utf8_lossy(&head[..60])
    );
    drop(mjpeg);
    let page = get(&format!("{}/cameras/front?token={token}", server.url), None);
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().unwrap().contains("/api/v1/cameras/"));
    assert_eq!(
        camera.sessions_total(),
        1,
        "snapshots, MJPEG and switches opened no RTSP session"
    );

    // The limit: a second camera is refused before the upgrade, without contacting it.
    let yard = ws_url(&server, "/api/v1/cameras/yard/stream");
    assert_eq!(refused_status_as(&yard, Some(&server.token)), 503);
    // The admin token never in a URL (history, Referer, logs): refused as such.
    let in_url = ws_url(
        &server,
        &format!("/api/v1/cameras/yard/stream?token={}", server.token),
    );
    assert_eq!(refused_status(&in_url), 401);
    assert_eq!(other.sessions_total(), 0);

    // The camera dies and comes back: the WebSocket stays open, hears it, frames resume.
    let mut camera = camera;
    camera.stop();
    let mut v = viewers.pop().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut texts = vec![];
    while !texts
        .iter()
        .any(|t: &String| t.contains("\"online\":false"))
    {
        assert!(Instant::now() < deadline, "no offline status: {texts:?}");
        match v.read() {
            Ok(Message::Text(t)) => texts.push(t.to_string()),
            Ok(_) => {}
            Err(tungstenite::Error::Io(e)) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("the WebSocket closed: {e}"),
        }
    }
    camera.restart();
    let frame = next_frame(&mut v, &mut texts);
    assert_eq!(jpeg_size(&frame), (1280, 720));

    // Nothing showed a secret.
    let log = server.log();
    assert!(
        !log.contains("Yard-Secret") && !log.contains(token),
        "the log shows a secret"
    );
    drop(viewers);
    drop(v);
}

#[test]
fn websocket_auth_as_first_message_and_expired_tokens() {
    let camera = RtspCamera::start(CameraOptions {
        width: 640,
        height: 360,
        ..CameraOptions::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    common::process::cli(data, &["camera", "add", "door", "--url", &camera.url()]);
    let token = common::process::cli(data, &["token", "issue", "--camera", "door"]);
    let short = common::process::cli(data, &["token", "issue", "--camera", "door", "--ttl", "1s"]);
    let server = Server::start(data, &[]);
    // The seed's third way: the token as the first text message.
    let mut ws = connect(&ws_url(&server, "/api/v1/cameras/door/stream?quality=low"));
    ws.send(Message::text(format!(
        r#"{{"type":"auth","token":"{}"}}"#,
        token.trim()
    )))
    .unwrap();
    let mut texts = vec![];
    assert_eq!(jpeg_size(&next_frame(&mut ws, &mut texts)), (640, 360));
    // A wrong first message is closed with policy violation.
    let mut bad = connect(&ws_url(&server, "/api/v1/cameras/door/stream"));
    bad.send(Message::text(r#"{"type":"auth","token":"forged"}"#))
        .unwrap();
    let closed = loop {
        match bad.read() {
            Ok(Message::Close(c)) => break c,
            Ok(_) => continue,
            Err(e) => panic!("expected a close frame: {e}"),
        }
    };
    assert_eq!(u16::from(closed.expect("a close frame").code), 1008);
    // An expired token: 401.
    let deadline = Instant::now() + Duration::from_secs(10);
    let url = format!("{}/api/v1/cameras/door/stream/snapshot", server.url);
    loop {
        let status = get(&url, Some(short.trim())).status().as_u16();
        if status == 401 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "a 1 s token still works after 10 s ({status})"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    drop(ws);
}
