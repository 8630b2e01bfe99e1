//! Camera listing against a loopback controller: rounds, secrets filled by
//! the host and kept from the plugin, cookies kept by the host, and stream
//! URLs held to the controller's host.

use super::*;
use crate::events::EventLog;
use crate::fetch::FetchConfig;
use crate::plugins::PluginRegistry;
use crate::secrets::Secret;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use std::sync::Mutex;

const USER: &str = "admin";
/// Long enough to be scrubbed wherever it appears; JSON-hostile on purpose.
const PASS: &str = "s3cr\"et\\pass/word{x}";

/// What the controller saw.
#[derive(Default)]
struct Seen {
    login_bodies: Vec<String>,
    list_headers: Vec<HeaderMap>,
}

/// A controller: POST /login wants the JSON credentials and sets a cookie
/// and a CSRF token; GET /cameras wants both. Returns its base URL.
async fn controller(seen: Arc<Mutex<Seen>>) -> String {
    let login_seen = seen.clone();
    let app = Router::new()
        .route(
            "/login",
            post(move |body: String| {
                let seen = login_seen.clone();
                async move {
                    seen.lock().unwrap().login_bodies.push(body.clone());
                    let json: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
                    if json["username"] != USER || json["password"] != PASS {
                        return (StatusCode::UNAUTHORIZED, "bad login").into_response();
                    }
                    (
                        [
                            ("set-cookie", "TOKEN=cookie-value-42; Path=/; HttpOnly"),
                            ("x-csrf-token", "csrf-7"),
                        ],
                        // A controller echoing the password: the plugin gets a placeholder.
                        format!(r#"{{"user":"{USER}","echo":{}}}"#, serde_json::json!(PASS)),
                    )
                        .into_response()
                }
            }),
        )
        .route(
            "/cameras",
            get(move |headers: HeaderMap| {
                let seen = seen.clone();
                async move {
                    let ok = headers
                        .get("cookie")
                        .is_some_and(|c| c == "TOKEN=cookie-value-42")
                        && headers.get("x-csrf-token").is_some_and(|t| t == "csrf-7");
                    seen.lock().unwrap().list_headers.push(headers);
                    if ok {
                        (StatusCode::OK, "[]").into_response()
                    } else {
                        (StatusCode::UNAUTHORIZED, "no session").into_response()
                    }
                }
            }),
        )
        .route("/", get(|| async { "hello" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

fn registry(dir: &std::path::Path) -> PluginRegistry {
    let registry = PluginRegistry::open(
        dir.join("plugins"),
        streamforge_testkit::plugin_cache(),
        Arc::new(EventLog::default()),
    )
    .unwrap();
    let wasm = streamforge_test_plugins::path(streamforge_test_plugins::CAMERA);
    registry.install_file(&wasm, None).unwrap();
    registry
}

fn fetcher() -> Fetcher {
    Fetcher::new(FetchConfig {
        system_proxy: false,
        ..FetchConfig::default()
    })
    .unwrap()
}

async fn run(
    registry: &PluginRegistry,
    server: &str,
    password: &str,
    options: &[(&str, &str)],
) -> Result<Vec<CameraSpec>, ListCamerasError> {
    let password = Secret::new(password.to_string());
    let access = AccountAccess::new(server, USER, &password);
    let options: Vec<(String, String)> = options
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let plugin = registry.get("scripted-camera").unwrap();
    list_cameras(plugin, &fetcher(), &access, &options).await
}

#[tokio::test]
async fn login_then_list_with_secrets_filled_by_the_host_only() {
    let dir = tempfile::tempdir().unwrap();
    let registry = registry(dir.path());
    let seen = Arc::new(Mutex::new(Seen::default()));
    let server = controller(seen.clone()).await;

    let cameras = run(&registry, &server, PASS, &[]).await.unwrap();
    assert_eq!(cameras.len(), 1);
    // The template comes back unfilled, checked against the controller's host.
    assert_eq!(
        cameras[0].streams[0].url_template,
        "rtsp://{host}:7447/alias"
    );

    // The controller got the real credentials, JSON-escaped in the body,
    // and the session cookie and CSRF token on the second round.
    let seen = seen.lock().unwrap();
    let login: serde_json::Value = serde_json::from_str(&seen.login_bodies[0]).unwrap();
    assert_eq!(login["password"], PASS);
    assert_eq!(login["remember"], true);
    assert_eq!(seen.list_headers.len(), 1);

    // What the plugin received: both answers, password and cookie absent.
    let report: serde_json::Value = serde_json::from_str(&cameras[0].name).unwrap();
    let text = report.to_string();
    assert_eq!(report[0]["status"], 200);
    assert_eq!(report[1]["status"], 200, "the cookie and token went along");
    assert!(
        !text.contains("s3cr"),
        "the plugin saw the password: {text}"
    );
    assert!(text.contains("{password}"), "{text}");
    assert!(!text.contains("cookie-value-42") && !text.contains("set-cookie"));
    assert!(text.contains("csrf-7"), "other headers reach the plugin");
}

#[tokio::test]
async fn a_refused_login_surfaces_as_the_plugins_problem() {
    let dir = tempfile::tempdir().unwrap();
    let registry = registry(dir.path());
    let server = controller(Arc::default()).await;
    // The fixture lists whatever it got; the list request then finds no session.
    let cameras = run(&registry, &server, "wrong", &[]).await.unwrap();
    let report: serde_json::Value = serde_json::from_str(&cameras[0].name).unwrap();
    assert_eq!(report[0]["status"], 401);
    assert_eq!(report[1]["status"], 401);

    let err = run(&registry, &server, PASS, &[("mode", "refuse")])
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "camera source `scripted-camera`: the controller said no"
    );
}

#[tokio::test]
async fn a_stream_on_another_host_is_refused_naming_the_template() {
    let dir = tempfile::tempdir().unwrap();
    let registry = registry(dir.path());
    let server = controller(Arc::default()).await;
    let template = "rtsp://{username}:{password}@evil.example:554/live";
    let err = run(
        &registry,
        &server,
        PASS,
        &[("mode", "direct"), ("stream", template)],
    )
    .await
    .unwrap_err();
    assert!(matches!(
        &err,
        ListCamerasError::Stream {
            error: TemplateError::ForeignHost(..),
            ..
        }
    ));
    let text = err.to_string();
    assert!(
        text.contains(template) && text.contains("127.0.0.1"),
        "{text}"
    );
    assert!(!text.contains("s3cr"), "{text}");

    // Another scheme and port on the controller's own host is fine.
    let own = run(
        &registry,
        &server,
        PASS,
        &[("mode", "direct"), ("stream", "rtsps://127.0.0.1:7441/x")],
    )
    .await
    .unwrap();
    assert_eq!(own[0].streams[0].url_template, "rtsps://127.0.0.1:7441/x");
    // And an http URL is no camera stream.
    let err = run(
        &registry,
        &server,
        PASS,
        &[("mode", "direct"), ("stream", "{server}/snapshot.jpg")],
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("rtsp://"), "{err}");
}

#[tokio::test]
async fn requests_away_from_the_controller_and_endless_rounds_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let registry = registry(dir.path());
    let server = controller(Arc::default()).await;
    let err = run(
        &registry,
        &server,
        PASS,
        &[("login", "http://127.0.0.2:9/login?p={password}")],
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            &err,
            ListCamerasError::Fetch {
                round: 0,
                error: FetchError::Template(TemplateError::ForeignOrigin(..)),
                ..
            }
        ),
        "{err}"
    );
    assert!(!err.to_string().contains("s3cr"));

    let err = run(&registry, &server, PASS, &[("mode", "endless")])
        .await
        .unwrap_err();
    assert!(
        matches!(err, ListCamerasError::TooManyRounds { max: 4, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("after 4 rounds"), "{err}");
}

#[tokio::test]
async fn a_provider_plugin_is_no_camera_source() {
    let dir = tempfile::tempdir().unwrap();
    let registry = registry(dir.path());
    let password = Secret::new(String::new());
    let access = AccountAccess::new("http://127.0.0.1:9", "", &password);
    let err = list_cameras(registry.get("m3u").unwrap(), &fetcher(), &access, &[])
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "plugin `m3u` is a provider-adapter plugin, not a camera source; \
         choose a camera-source plugin (see `streamforge plugin list`)"
    );
}

/// The built-in `protect` plugin against the simulated controller.
mod protect {
    use super::*;
    use streamforge_sim::{ControllerConfig, SimCamera, SimController};

    const RTSP_PORT: u16 = 8554;

    async fn start() -> (tempfile::TempDir, PluginRegistry, SimController) {
        let dir = tempfile::tempdir().unwrap();
        let registry = registry(dir.path());
        let mut config = ControllerConfig {
            rtsp_port: RTSP_PORT,
            ..ControllerConfig::default()
        };
        // A controller that repeats the password back: the plugin must not see it.
        let password = config.password.clone();
        config.cameras.push(SimCamera::new("cam-echo", &password));
        (dir, registry, SimController::start(config).await)
    }

    async fn list(
        registry: &PluginRegistry,
        ctl: &SimController,
        password: &str,
    ) -> Result<Vec<CameraSpec>, ListCamerasError> {
        let password = Secret::new(password.to_string());
        let access = AccountAccess::new(ctl.base_url(), "admin", &password);
        let plugin = registry.get("protect").unwrap();
        list_cameras(plugin, &fetcher(), &access, &[]).await
    }

    #[tokio::test]
    async fn lists_cameras_with_rtsp_urls_on_the_controllers_host() {
        let (_dir, registry, ctl) = start().await;
        let password = ControllerConfig::default().password;
        let cameras = list(&registry, &ctl, &password).await.unwrap();
        let summary: Vec<(&str, &str, bool, usize)> = cameras
            .iter()
            .map(|c| (c.key.as_str(), c.name.as_str(), c.online, c.streams.len()))
            .collect();
        assert_eq!(
            summary,
            [
                ("cam-door", "Front Door", true, 2),
                ("cam-garage", "Garage", false, 2),
                ("cam-echo", "{password}", true, 2),
            ],
            "the plugin saw the echoed password only as its placeholder"
        );
        let door = &cameras[0];
        assert_eq!(door.codec.as_deref(), Some("h264"));
        let high = &door.streams[0];
        assert_eq!(
            (high.label.as_str(), high.width, high.height),
            ("High", 1920, 1080)
        );
        assert_eq!(high.url_template, "rtsp://{host}:8554/cam-door-high");
        let secret = Secret::new(password.clone());
        let access = AccountAccess::new(ctl.base_url(), "admin", &secret);
        let url = template::fill_stream(&high.url_template, &access.fill()).unwrap();
        assert_eq!(url.as_str(), "rtsp://127.0.0.1:8554/cam-door-high");

        // The host filled the password into the login body, then sent the
        // session cookie (kept by the host) and the CSRF token (copied by the plugin).
        let seen = ctl.requests();
        assert_eq!(seen.len(), 2, "{seen:?}");
        let login: serde_json::Value = serde_json::from_str(&seen[0].body).unwrap();
        assert_eq!((seen[0].method.as_str(), seen[0].status), ("POST", 200));
        assert_eq!(login["password"], password.as_str());
        assert_eq!(seen[1].path, "/proxy/protect/api/bootstrap");
        assert_eq!(
            seen[1].cookie.as_deref(),
            Some(format!("TOKEN={}", ctl.session_token()).as_str())
        );
        assert_eq!(seen[1].csrf.as_deref(), Some(ctl.csrf_token()));
        assert_eq!(seen[1].status, 200);
    }

    #[tokio::test]
    async fn a_wrong_password_is_the_controllers_refusal_in_one_line() {
        let (_dir, registry, ctl) = start().await;
        let err = list(&registry, &ctl, "not-the-password").await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "camera source `protect`: the controller refused the user name or password \
             (HTTP 401); check the controller's credentials"
        );
        let seen = ctl.requests();
        assert_eq!(seen.len(), 1, "no bootstrap without a session: {seen:?}");
        assert_eq!(seen[0].status, 401);
    }

    #[tokio::test]
    async fn the_bootstrap_without_the_session_cookie_is_refused() {
        let (_dir, _registry, ctl) = start().await;
        let answer = reqwest::Client::new()
            .get(format!("{}/proxy/protect/api/bootstrap", ctl.base_url()))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 401);
    }
}

#[tokio::test]
async fn the_rtsp_plugin_lists_the_one_camera_added_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let registry = registry(dir.path());
    let password = Secret::new("cam-pass".into());
    // A camera added by hand is its own "controller": its URL's host.
    let access = AccountAccess::new("rtsp://192.168.1.20:554", "viewer", &password);
    let url = "rtsp://{username}:{password}@192.168.1.20:554/stream1";
    let options = vec![
        ("url".to_string(), url.to_string()),
        ("name".to_string(), "porch".to_string()),
    ];
    let rtsp = || registry.get("rtsp").unwrap();
    let cameras = list_cameras(rtsp(), &fetcher(), &access, &options)
        .await
        .unwrap();
    assert_eq!(cameras.len(), 1);
    assert_eq!(
        (cameras[0].key.as_str(), cameras[0].online),
        ("porch", true)
    );
    assert_eq!(cameras[0].streams[0].url_template, url);
    let filled = template::fill_stream(url, &access.fill()).unwrap();
    assert_eq!(
        filled.as_str(),
        "rtsp://viewer:cam-pass@192.168.1.20:554/stream1"
    );

    let elsewhere = vec![("url".to_string(), "rtsp://10.0.0.9/x".to_string())];
    let err = list_cameras(rtsp(), &fetcher(), &access, &elsewhere)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("points away from the controller's host (192.168.1.20)"),
        "{err}"
    );
    let err = list_cameras(rtsp(), &fetcher(), &access, &[])
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("camera source `rtsp`: option `url` is missing"),
        "{err}"
    );
}
