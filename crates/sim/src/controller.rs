//! A simulated UniFi-Protect-style camera controller on its own loopback
//! listener, so camera-source plugins (`plugins/protect`) can be run end to
//! end without a real NVR.
//!
//! - `POST /api/auth/login` takes `{"username","password"}` as JSON; right
//!   ones get 200 with `set-cookie: TOKEN=...` and an `x-csrf-token`, wrong
//!   ones 401 `{"error":"Invalid username or password"}`.
//! - `GET /proxy/protect/api/bootstrap` needs the `TOKEN` cookie (401
//!   otherwise) and answers `{"nvr":{"ports":{"rtsp","rtsps"}},"cameras":[...]}`
//!   with every configured camera, its state and its RTSP channels. The
//!   channels' streams live on the controller's host at the configured RTSP
//!   port (point it at a real RTSP server on 127.0.0.1 to play them).
//!
//! Every request is logged ([`SimController::requests`]) so a test can check
//! what the host sent (the filled password, the cookie, the CSRF token).

use super::shutdown::{Shutdown, ShutdownTrigger};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use std::io;
use std::sync::{Arc, Mutex, PoisonError};

/// One RTSP channel of a simulated camera.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimCameraChannel {
    /// Channel name as Protect shows it ("High", "Medium", "Low").
    pub name: String,
    /// Picture width in pixels.
    pub width: u32,
    /// Picture height in pixels.
    pub height: u32,
    /// The RTSP path on the controller's RTSP port (`rtspAlias`).
    pub alias: String,
    /// Whether RTSP is enabled for this channel (`isRtspEnabled`).
    pub rtsp_enabled: bool,
}

/// One simulated camera.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimCamera {
    /// The controller's id for it.
    pub id: String,
    /// Its name.
    pub name: String,
    /// `state: "CONNECTED"` when true, `"DISCONNECTED"` otherwise.
    pub online: bool,
    /// `videoCodec`, when set.
    pub codec: Option<String>,
    /// Its channels.
    pub channels: Vec<SimCameraChannel>,
}

impl SimCamera {
    /// A connected H.264 camera with a High (1920×1080) and a Low (640×360)
    /// channel whose aliases are `{id}-high` and `{id}-low`.
    pub fn new(id: &str, name: &str) -> SimCamera {
        let channel = |label: &str, width, height, suffix: &str| SimCameraChannel {
            name: label.to_string(),
            width,
            height,
            alias: format!("{id}-{suffix}"),
            rtsp_enabled: true,
        };
        SimCamera {
            id: id.to_string(),
            name: name.to_string(),
            online: true,
            codec: Some("h264".into()),
            channels: vec![
                channel("High", 1920, 1080, "high"),
                channel("Low", 640, 360, "low"),
            ],
        }
    }
}

/// What the simulated controller accepts and lists.
#[derive(Clone, Debug)]
pub struct ControllerConfig {
    /// The user name the login accepts.
    pub username: String,
    /// The password the login accepts.
    pub password: String,
    /// `nvr.ports.rtsp`: where the channels' RTSP streams are served.
    pub rtsp_port: u16,
    /// The cameras the bootstrap lists.
    pub cameras: Vec<SimCamera>,
}

impl Default for ControllerConfig {
    /// `admin` / `protect-secret-1`, RTSP on 7447, two cameras (one offline).
    fn default() -> Self {
        let mut garage = SimCamera::new("cam-garage", "Garage");
        garage.online = false;
        ControllerConfig {
            username: "admin".into(),
            password: "protect-secret-1".into(),
            rtsp_port: 7447,
            cameras: vec![SimCamera::new("cam-door", "Front Door"), garage],
        }
    }
}

/// One request the controller received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ControllerRequest {
    /// `POST` or `GET`.
    pub method: String,
    /// The path, e.g. `/api/auth/login`.
    pub path: String,
    /// The request body as text (the login's JSON, with the real password).
    pub body: String,
    /// The `cookie` header, when sent.
    pub cookie: Option<String>,
    /// The `x-csrf-token` header, when sent.
    pub csrf: Option<String>,
    /// The status the controller answered.
    pub status: u16,
}

#[derive(Debug)]
struct Shared {
    config: ControllerConfig,
    /// Session token handed out by a good login (`TOKEN` cookie).
    token: String,
    /// CSRF token handed out with it.
    csrf: String,
    log: Mutex<Vec<ControllerRequest>>,
}

type Ctl = Arc<Shared>;

/// A running simulated controller on `127.0.0.1`. Dropping it stops it.
#[derive(Debug)]
pub struct SimController {
    shared: Ctl,
    base_url: String,
    _stop: ShutdownTrigger,
}

fn random_hex() -> String {
    let mut raw = [0u8; 16];
    getrandom::fill(&mut raw).expect("simulated controller: OS randomness");
    hex::encode(raw)
}

impl SimController {
    /// Starts serving on the current tokio runtime.
    ///
    /// # Panics
    /// When no loopback port can be bound (see [`SimController::try_start`]).
    pub async fn start(config: ControllerConfig) -> SimController {
        Self::try_start(config)
            .await
            .expect("simulated controller: bind 127.0.0.1:0")
    }

    /// Like [`SimController::start`], returning bind errors instead of panicking.
    pub async fn try_start(config: ControllerConfig) -> io::Result<SimController> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let shared = Arc::new(Shared {
            config,
            token: random_hex(),
            csrf: random_hex(),
            log: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route("/api/auth/login", post(login))
            .route("/proxy/protect/api/bootstrap", get(bootstrap))
            .with_state(shared.clone());
        let (stop, shutdown) = Shutdown::new();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown.wait())
                .await;
        });
        Ok(SimController {
            shared,
            base_url,
            _stop: stop,
        })
    }

    /// `http://127.0.0.1:PORT`, the controller's server URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<ControllerRequest> {
        self.shared
            .log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The session token a good login sets as the `TOKEN` cookie.
    pub fn session_token(&self) -> &str {
        &self.shared.token
    }

    /// The `x-csrf-token` a good login answers with.
    pub fn csrf_token(&self) -> &str {
        &self.shared.csrf
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn record(ctl: &Ctl, method: &str, path: &str, headers: &HeaderMap, body: String, status: u16) {
    ctl.log
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(ControllerRequest {
            method: method.into(),
            path: path.into(),
            body,
            cookie: header(headers, "cookie"),
            csrf: header(headers, "x-csrf-token"),
            status,
        });
}

async fn login(State(ctl): State<Ctl>, headers: HeaderMap, body: String) -> Response {
    let sent: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let good = sent["username"] == ctl.config.username.as_str()
        && sent["password"] == ctl.config.password.as_str();
    let status = if sent.is_null() {
        StatusCode::BAD_REQUEST
    } else if good {
        StatusCode::OK
    } else {
        StatusCode::UNAUTHORIZED
    };
    record(
        &ctl,
        "POST",
        "/api/auth/login",
        &headers,
        body,
        status.as_u16(),
    );
    if !good {
        let error = json!({"error": "Invalid username or password"});
        return (status, axum::Json(error)).into_response();
    }
    let cookie = format!(
        "TOKEN={}; path=/; samesite=none; secure; httponly",
        ctl.token
    );
    let user = json!({"id": "user-1", "username": ctl.config.username, "firstName": "Sim"});
    (
        StatusCode::OK,
        [("set-cookie", cookie), ("x-csrf-token", ctl.csrf.clone())],
        axum::Json(user),
    )
        .into_response()
}

fn has_session(ctl: &Ctl, headers: &HeaderMap) -> bool {
    let want = format!("TOKEN={}", ctl.token);
    headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .any(|c| c.trim() == want)
}

async fn bootstrap(State(ctl): State<Ctl>, headers: HeaderMap) -> Response {
    let path = "/proxy/protect/api/bootstrap";
    if !has_session(&ctl, &headers) {
        record(&ctl, "GET", path, &headers, String::new(), 401);
        let error = json!({"error": "Unauthorized"});
        return (StatusCode::UNAUTHORIZED, axum::Json(error)).into_response();
    }
    record(&ctl, "GET", path, &headers, String::new(), 200);
    let cameras: Vec<Value> = ctl
        .config
        .cameras
        .iter()
        .map(|c| {
            let channels: Vec<Value> = c
                .channels
                .iter()
                .enumerate()
                .map(|(i, ch)| {
                    json!({
                        "id": i,
                        "name": ch.name,
                        "enabled": true,
                        "isRtspEnabled": ch.rtsp_enabled,
                        "rtspAlias": if ch.rtsp_enabled { Value::from(ch.alias.clone()) } else { Value::Null },
                        "width": ch.width,
                        "height": ch.height,
                        "fps": 30,
                    })
                })
                .collect();
            json!({
                "id": c.id,
                "name": c.name,
                "type": "UVC G4 Bullet",
                "state": if c.online { "CONNECTED" } else { "DISCONNECTED" },
                "videoCodec": c.codec,
                "channels": channels,
            })
        })
        .collect();
    let body = json!({
        "authUserId": "user-1",
        "nvr": {
            "id": "sim-nvr",
            "name": "Simulated NVR",
            "ports": {"rtsp": ctl.config.rtsp_port, "rtsps": 7441, "http": 7080},
        },
        "cameras": cameras,
    });
    (StatusCode::OK, axum::Json(body)).into_response()
}
