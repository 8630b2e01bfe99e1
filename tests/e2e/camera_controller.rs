//! Cameras from a controller as a user meets them: `camera add-controller`
//! against a simulated UniFi-Protect-style controller whose RTSP channel is a
//! real RTSP camera (GStreamer), then the real server lists the controller's
//! camera as `{controller}-{key}` and a WebSocket viewer gets JPEG frames;
//! the controller's password is never shown; a wrong one stores nothing.

use crate::common::{self, camera::CameraOptions, camera::RtspCamera, server::Server};
use std::time::{Duration, Instant};
use streamforge_sim::{ControllerConfig, SimCamera, SimCameraChannel, SimController};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::Message;

const PASSWORD: &str = "Ctl-Secret-4711!";

fn channel(name: &str, width: u32, height: u32, alias: &str) -> SimCameraChannel {
    SimCameraChannel {
        name: name.into(),
        width,
        height,
        alias: alias.into(),
        rtsp_enabled: true,
    }
}

fn cameras(server: &Server) -> serde_json::Value {
    common::http::client()
        .get(format!("{}/api/v1/cameras", server.url))
        .bearer_auth(&server.token)
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.json())
        .expect("GET /api/v1/cameras")
}

#[test]
fn a_controllers_camera_is_listed_and_streams_without_showing_its_password() {
    let camera = RtspCamera::start(CameraOptions::default()); // 1280x720 at /cam
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut door = SimCamera::new("cam-door", "Front Door");
    // The largest channel is the real camera; the small one does not exist.
    door.channels = vec![
        channel("Low", 640, 360, "missing-low"),
        channel("High", 1280, 720, "cam"),
    ];
    let controller = runtime.block_on(SimController::start(ControllerConfig {
        username: "admin".into(),
        password: PASSWORD.into(),
        rtsp_port: camera.port(),
        cameras: vec![door],
    }));
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let add = |name: &str, password: &str| {
        common::process::run(
            data,
            &[
                "camera",
                "add-controller",
                name,
                "--provider",
                "protect",
                "--url",
                controller.base_url(),
                "--username",
                "admin",
                "--password-stdin",
            ],
            &format!("{password}\n"),
        )
    };

    // A wrong password: the controller's refusal in one line, nothing stored.
    let refused = add("nvr", "not-the-password");
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(said.trim().lines().count(), 1, "{said}");
    assert!(
        said.contains("refused the user name or password (HTTP 401)"),
        "{said}"
    );
    let listed = common::process::cli(data, &["camera", "list", "--json"]);
    assert!(!listed.contains("nvr"), "{listed}");

    // The right one: the controller's camera is listed at once.
    let added = add("nvr", PASSWORD);
    let out = String::from_utf8_lossy(&added.stdout);
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    assert!(out.contains("nvr-cam-door"), "{out}");
    let listed = common::process::cli(data, &["camera", "list", "--json"]);
    assert!(listed.contains("\"nvr-cam-door\""), "{listed}");
    assert!(!listed.contains(PASSWORD), "{listed}");

    let server = Server::start(data, &[]);
    let deadline = Instant::now() + Duration::from_secs(20);
    let list = loop {
        let list = cameras(&server);
        if list.to_string().contains("nvr-cam-door") {
            break list;
        }
        assert!(Instant::now() < deadline, "no controller camera: {list}");
        std::thread::sleep(Duration::from_millis(200));
    };
    let door = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "nvr-cam-door")
        .unwrap();
    assert_eq!(door["name"], "Front Door");

    // A viewer gets JPEG frames of the largest channel.
    let url = format!(
        "{}/api/v1/cameras/nvr-cam-door/stream?quality=low",
        server.url.replacen("http://", "ws://", 1),
    );
    let mut request = tungstenite::client::IntoClientRequest::into_client_request(&url).unwrap();
    let bearer = format!("Bearer {}", server.token).parse().unwrap();
    request.headers_mut().insert("authorization", bearer);
    let (mut ws, _) = tungstenite::connect(request).expect("WebSocket");
    if let MaybeTlsStream::Plain(s) = ws.get_ref() {
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut frames = 0;
    while frames < 3 {
        assert!(Instant::now() < deadline, "no frames within 30 s");
        if let Message::Binary(jpeg) = ws.read().expect("a WebSocket message") {
            assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
            assert_eq!(&jpeg[jpeg.len() - 2..], &[0xFF, 0xD9]);
            frames += 1;
        }
    }
    let _ = ws.close(None);

    // Through the running server: listed, never with the password.
    let listed = common::process::cli(data, &["camera", "list", "--json"]);
    assert!(listed.contains("nvr-cam-door") && !listed.contains(PASSWORD));
    let text = common::process::cli(data, &["camera", "list"]);
    assert!(
        text.contains("controller nvr") && !text.contains(PASSWORD),
        "{text}"
    );
    let events = common::process::cli(data, &["events"]);
    assert!(events.contains("camera controller nvr added"), "{events}");
    assert!(!events.contains(PASSWORD), "{events}");

    // Removing the controller removes its camera.
    let removed = common::process::cli(data, &["camera", "remove", "nvr"]);
    assert!(
        removed.contains("removed camera controller nvr"),
        "{removed}"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while cameras(&server).to_string().contains("nvr-cam-door") {
        assert!(Instant::now() < deadline, "the controller's camera stayed");
        std::thread::sleep(Duration::from_millis(100));
    }
    let log = server.log();
    assert!(!log.contains(PASSWORD), "the password in the log");
    drop(server);
    drop(controller);
}
