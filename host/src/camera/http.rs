//! The camera endpoints (DESIGN.md section 10): list, stream info, frames
//! over WebSocket and as MJPEG, snapshots, the live page; and adding or
//! removing a camera with the admin token. Every route checks the caller's
//! token first (401), then that the camera exists (404), then the token's
//! scope (403); the streaming limit answers 503 before any upgrade. A
//! WebSocket without a token is upgraded whether the camera exists or not
//! (nothing is told before auth). A stream lives as long as its token: it
//! is checked again every second, and a WebSocket closes with 1008, an
//! MJPEG body ends, once it has expired or the key was rotated.

use super::book::{CameraBook, NewCamera};
use super::controllers::{CameraControllers, NewController};
use super::registry::{CameraError, Cameras, Viewer};
use crate::api::ApiError;
use crate::tokens::{presented_token, Access, AccessError, CameraAccess};
use axum::body::Body;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{delete, get, post, MethodRouter};
use axum::{Json, Router};
use bytes::Bytes;
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::watch;
use zeroize::Zeroizing;

/// How long a WebSocket client may take to send its auth message.
const AUTH_WAIT: Duration = Duration::from_secs(5);
/// How often the server pings a WebSocket client.
const PING_EVERY: Duration = Duration::from_secs(15);
/// A client that answers no ping for this long is let go.
const PONG_WAIT: Duration = Duration::from_secs(45);
/// How often a streaming viewer's token is checked again.
const RECHECK_EVERY: Duration = Duration::from_secs(1);

/// What the camera routes share.
#[derive(Clone)]
pub struct CameraRoutes {
    /// The registry.
    pub cameras: Arc<Cameras>,
    /// Token checks.
    pub access: Arc<CameraAccess>,
    /// Adding and removing cameras.
    pub book: CameraBook,
    /// Adding and removing camera controllers.
    pub controllers: CameraControllers,
    /// Becomes true when the server stops (WebSockets close with 1001).
    pub stopping: watch::Receiver<bool>,
}

/// The camera routes, with full paths (they sit beside the admin API, not
/// behind its token check: camera tokens watch). Adding and removing
/// cameras and controllers sits behind the admin middleware.
pub fn router(state: CameraRoutes) -> Router {
    let admin = state.access.admin().clone();
    let admin_only = |m: MethodRouter<CameraRoutes>| {
        m.route_layer(axum::middleware::from_fn_with_state(
            admin.clone(),
            crate::auth::admin::require,
        ))
    };
    Router::new()
        .route("/api/v1/cameras", get(list).merge(admin_only(post(add))))
        .route("/api/v1/cameras/{id}", admin_only(delete(remove)))
        .route(
            "/api/v1/camera-controllers",
            admin_only(get(list_controllers).post(add_controller)),
        )
        .route("/api/v1/cameras/{id}/stream/info", get(info))
        .route("/api/v1/cameras/{id}/stream", get(stream_ws))
        .route("/api/v1/cameras/{id}/stream.mjpeg", get(mjpeg))
        .route("/api/v1/cameras/{id}/stream/snapshot", get(snapshot))
        .route("/cameras/{id}", get(page))
        .route("/cameras/assets/live.js", get(live_js))
        .route("/cameras/assets/live.css", get(live_css))
        // CSP without inline script, no framing, no sniffing, no Referer.
        .layer(axum::middleware::from_fn(crate::auth::page_headers::add))
        .with_state(state)
}

/// `?quality=` / `?width=` / `?token=`.
#[derive(Deserialize, Default)]
struct Params {
    quality: Option<String>,
    width: Option<u32>,
}

fn error(status: StatusCode, text: impl Into<String>) -> Response {
    (status, Json(ApiError { error: text.into() })).into_response()
}

impl IntoResponse for CameraError {
    fn into_response(self) -> Response {
        let status = match &self {
            CameraError::Unknown(_) => StatusCode::NOT_FOUND,
            CameraError::Limit(_) | CameraError::Offline(..) => StatusCode::SERVICE_UNAVAILABLE,
            CameraError::BadRequest(_) => StatusCode::BAD_REQUEST,
        };
        error(status, self.to_string())
    }
}

/// Why a request is turned away before it is served.
enum Refusal {
    /// 401 or 403.
    Access(AccessError),
    /// 404.
    Camera(CameraError),
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Access(e) => e.into_response(),
            Refusal::Camera(e) => e.into_response(),
        }
    }
}

/// [`admit`], then the level asked for (`?quality=`; 400 for an unknown one).
fn admit_level(
    s: &CameraRoutes,
    headers: &HeaderMap,
    uri: &Uri,
    id: &str,
    quality: Option<&str>,
) -> Result<usize, Refusal> {
    admit(s, headers, uri, id)?;
    s.cameras
        .levels()
        .pick(quality)
        .map_err(|e| Refusal::Camera(CameraError::BadRequest(e)))
}

/// 401 for a bad token, 404 for an unknown camera, 403 outside the scope.
fn admit(s: &CameraRoutes, headers: &HeaderMap, uri: &Uri, id: &str) -> Result<Access, Refusal> {
    let access = s
        .access
        .check(headers, uri.query())
        .map_err(Refusal::Access)?;
    if !s.cameras.exists(id) {
        return Err(Refusal::Camera(CameraError::Unknown(id.into())));
    }
    access.require(id).map_err(Refusal::Access)?;
    Ok(access)
}

async fn list(State(s): State<CameraRoutes>, headers: HeaderMap, uri: Uri) -> Response {
    let access = match s.access.check(&headers, uri.query()) {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let cameras: Vec<_> = s
        .cameras
        .list()
        .into_iter()
        .filter(|c| access.allows(&c.id))
        .collect();
    Json(cameras).into_response()
}

async fn add(State(s): State<CameraRoutes>, Json(new): Json<NewCamera>) -> Response {
    let book = s.book.clone();
    match crate::blocking::run(move || book.add(new)).await {
        Ok(info) => Json(info).into_response(),
        Err(e) => error(StatusCode::BAD_REQUEST, format!("{e:#}")),
    }
}

async fn remove(State(s): State<CameraRoutes>, Path(id): Path<String>) -> Response {
    let (book, controllers) = (s.book.clone(), s.controllers.clone());
    let removed = crate::blocking::run(move || {
        if controllers.exists(&id)? {
            let gone = controllers.remove(&id)?;
            Ok(serde_json::to_value(gone)?)
        } else {
            Ok(serde_json::to_value(book.remove(&id)?)?)
        }
    });
    match removed.await {
        Ok(info) => Json(info).into_response(),
        Err(e) => error(StatusCode::NOT_FOUND, format!("{e:#}")),
    }
}

async fn add_controller(State(s): State<CameraRoutes>, Json(new): Json<NewController>) -> Response {
    match s.controllers.add(new).await {
        Ok(info) => Json(info).into_response(),
        Err(e) => error(StatusCode::BAD_REQUEST, format!("{e:#}")),
    }
}

async fn list_controllers(State(s): State<CameraRoutes>) -> Response {
    let controllers = s.controllers.clone();
    match crate::blocking::run(move || controllers.controllers()).await {
        Ok(list) => Json(list).into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}")),
    }
}

async fn info(
    State(s): State<CameraRoutes>,
    Path(id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    if let Err(r) = admit(&s, &headers, &uri, &id) {
        return r.into_response();
    }
    let view = s.cameras.list().into_iter().find(|c| c.id == id);
    let levels = &s.cameras.levels();
    Json(serde_json::json!({
        "id": id,
        "name": view.as_ref().map(|v| v.name.clone()),
        "url": format!("/api/v1/cameras/{id}/stream"),
        "type": "websocket",
        "format": "mjpeg",
        "mjpeg_url": format!("/api/v1/cameras/{id}/stream.mjpeg"),
        "snapshot_url": format!("/api/v1/cameras/{id}/stream/snapshot"),
        "online": view.is_some_and(|v| v.online),
        "default_quality": levels.default_level().name,
        "qualities": levels.all(),
    }))
    .into_response()
}

async fn snapshot(
    State(s): State<CameraRoutes>,
    Path(id): Path<String>,
    Query(p): Query<Params>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let level = match admit_level(&s, &headers, &uri, &id, p.quality.as_deref()) {
        Ok(l) => l,
        Err(r) => return r.into_response(),
    };
    match s.cameras.snapshot(&id, level, p.width).await {
        Ok(jpeg) => (
            [
                (header::CONTENT_TYPE, "image/jpeg"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            jpeg,
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

async fn mjpeg(
    State(s): State<CameraRoutes>,
    Path(id): Path<String>,
    Query(p): Query<Params>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let level = match admit_level(&s, &headers, &uri, &id, p.quality.as_deref()) {
        Ok(l) => l,
        Err(r) => return r.into_response(),
    };
    let Some(held) = presented_token(&headers, uri.query()) else {
        return AccessError::from(crate::tokens::TokenError::Missing).into_response();
    };
    let viewer = match s.cameras.watch(&id, level) {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    let first = viewer.latest();
    let frames = viewer.frames();
    let stopping = Box::pin(until_true(s.stopping.clone()));
    let expired = Box::pin(until_invalid(s.access.clone(), held));
    let cameras = s.cameras.clone();
    let parts = futures_util::stream::unfold(
        (viewer, frames, first, stopping, expired, cameras),
        |(viewer, mut frames, first, mut stopping, mut expired, cameras)| async move {
            let jpeg = match first {
                Some(f) => f,
                None => loop {
                    tokio::select! {
                        r = frames.recv() => match r {
                            Ok(f) => break f,
                            Err(RecvError::Lagged(_)) => continue,
                            Err(RecvError::Closed) => return None,
                        },
                        () = &mut stopping => return None,
                        _ = &mut expired => return None,
                    }
                },
            };
            let part = multipart_part(&jpeg);
            cameras
                .counters
                .sent
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Some((
                Ok::<Bytes, std::io::Error>(part),
                (viewer, frames, None, stopping, expired, cameras),
            ))
        },
    );
    (
        [
            (
                header::CONTENT_TYPE,
                "multipart/x-mixed-replace; boundary=frame",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        Body::from_stream(parts),
    )
        .into_response()
}

/// One JPEG as a part of the multipart stream.
fn multipart_part(jpeg: &Bytes) -> Bytes {
    let head = format!(
        "--frame\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\n\r\n",
        jpeg.len()
    );
    let mut part = Vec::with_capacity(head.len() + jpeg.len() + 2);
    part.extend_from_slice(head.as_bytes());
    part.extend_from_slice(jpeg);
    part.extend_from_slice(b"\r\n");
    part.into()
}

async fn stream_ws(
    State(s): State<CameraRoutes>,
    Path(id): Path<String>,
    Query(p): Query<Params>,
    headers: HeaderMap,
    uri: Uri,
    upgrade: WebSocketUpgrade,
) -> Response {
    let level = match s.cameras.levels().pick(p.quality.as_deref()) {
        Ok(l) => l,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    // With a token in the request, everything is decided before the upgrade;
    // without one, the client has 5 s to send it as its first message (and
    // learns nothing before, not even whether the camera exists).
    let admitted = match presented_token(&headers, uri.query()) {
        Some(token) => {
            if let Err(r) = admit(&s, &headers, &uri, &id) {
                return r.into_response();
            }
            match s.cameras.watch(&id, level) {
                Ok(v) => Some((v, token)),
                Err(e) => return e.into_response(),
            }
        }
        None => None,
    };
    upgrade.on_upgrade(move |socket| serve_ws(s, id, level, admitted, socket))
}

/// Resolves once `token` no longer opens what it opened (expired, or the
/// key was rotated), with the reason; checked every [`RECHECK_EVERY`].
async fn until_invalid(access: Arc<CameraAccess>, token: Zeroizing<String>) -> AccessError {
    let mut every = tokio::time::interval(RECHECK_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if let Err(e) = access.check_token(&token) {
            return e;
        }
    }
}

/// Resolves once `flag` is true (never if its sender is gone while false).
async fn until_true(mut flag: watch::Receiver<bool>) {
    loop {
        if *flag.borrow_and_update() {
            return;
        }
        if flag.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Closes `socket` with `code` and a reason.
async fn close(socket: &mut WebSocket, code: u16, reason: &str) {
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        })))
        .await;
}

async fn serve_ws(
    s: CameraRoutes,
    id: String,
    level: usize,
    admitted: Option<(Viewer, Zeroizing<String>)>,
    mut socket: WebSocket,
) {
    let (mut viewer, held) = match admitted {
        Some(v) => v,
        None => match ws_auth(&s, &id, level, &mut socket).await {
            Some(v) => v,
            None => return,
        },
    };
    let stopping = until_true(s.stopping.clone());
    tokio::pin!(stopping);
    let expired = until_invalid(s.access.clone(), held);
    tokio::pin!(expired);
    let mut frames = viewer.frames();
    let mut online = viewer.online();
    if let Some(f) = viewer.latest() {
        if socket.send(Message::Binary(f)).await.is_err() {
            return;
        }
    }
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    let mut last_heard = tokio::time::Instant::now();
    loop {
        tokio::select! {
            frame = frames.recv() => match frame {
                Ok(f) => {
                    s.cameras.counters.sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if socket.send(Message::Binary(f)).await.is_err() { return }
                }
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return,
            },
            changed = online.changed() => {
                if changed.is_err() { return }
                let up: bool = *online.borrow_and_update();
                let text = serde_json::json!({"type": "status", "online": up}).to_string();
                if socket.send(Message::Text(text.into())).await.is_err() { return }
            }
            msg = socket.recv() => {
                last_heard = tokio::time::Instant::now();
                match msg {
                    Some(Ok(Message::Text(t))) => {
                        match client_message(&s, &id, &t) {
                            ClientMessage::Ping => {
                                let pong = serde_json::json!({"type": "pong"}).to_string();
                                if socket.send(Message::Text(pong.into())).await.is_err() { return }
                            }
                            ClientMessage::Quality(l) => match s.cameras.watch(&id, l) {
                                Ok(v) => {
                                    viewer = v;
                                    frames = viewer.frames();
                                    if let Some(f) = viewer.latest() {
                                        if socket.send(Message::Binary(f)).await.is_err() { return }
                                    }
                                }
                                Err(e) => {
                                    let text = serde_json::json!({"type": "error", "error": e.to_string()}).to_string();
                                    if socket.send(Message::Text(text.into())).await.is_err() { return }
                                }
                            },
                            ClientMessage::Bad(e) => {
                                let text = serde_json::json!({"type": "error", "error": e}).to_string();
                                if socket.send(Message::Text(text.into())).await.is_err() { return }
                            }
                        }
                    }
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                    Some(Ok(_)) => {}
                }
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > PONG_WAIT {
                    close(&mut socket, 1001, "no answer to pings").await;
                    return;
                }
                if socket.send(Message::Ping(Bytes::new())).await.is_err() { return }
            }
            () = &mut stopping => {
                close(&mut socket, 1001, "the server is stopping").await;
                return;
            }
            why = &mut expired => {
                close(&mut socket, 1008, why.reason()).await;
                return;
            }
        }
    }
}

/// The first-message auth: `{"type":"auth","token":"..."}` within 5 s.
async fn ws_auth(
    s: &CameraRoutes,
    id: &str,
    level: usize,
    socket: &mut WebSocket,
) -> Option<(Viewer, Zeroizing<String>)> {
    let first = tokio::time::timeout(AUTH_WAIT, socket.recv()).await;
    let mut held = None;
    let decision: Result<Access, AccessError> = match first {
        Ok(Some(Ok(Message::Text(t)))) => crate::tokens::ws_auth_token(&t).and_then(|token| {
            let access = s.access.check_token(&token);
            held = Some(token);
            access
        }),
        _ => {
            close(
                socket,
                1008,
                "authentication required: send {\"type\":\"auth\",\"token\":\"...\"} first",
            )
            .await;
            return None;
        }
    };
    match decision.and_then(|a| a.require(id)) {
        Ok(()) => {}
        Err(e) => {
            close(socket, 1008, e.reason()).await;
            return None;
        }
    }
    if !s.cameras.exists(id) {
        close(socket, 1008, "no such camera").await;
        return None;
    }
    let held = held?;
    match s.cameras.watch(id, level) {
        Ok(v) => Some((v, held)),
        Err(e) => {
            close(socket, 1013, &e.to_string()).await;
            None
        }
    }
}

enum ClientMessage {
    Ping,
    Quality(usize),
    Bad(String),
}

fn client_message(s: &CameraRoutes, _id: &str, text: &str) -> ClientMessage {
    #[derive(Deserialize)]
    struct Msg {
        #[serde(rename = "type")]
        kind: String,
        value: Option<String>,
    }
    match serde_json::from_str::<Msg>(text) {
        Ok(m) if m.kind == "ping" => ClientMessage::Ping,
        Ok(m) if m.kind == "quality" => match s.cameras.levels().pick(m.value.as_deref()) {
            Ok(l) => ClientMessage::Quality(l),
            Err(e) => ClientMessage::Bad(e),
        },
        Ok(m) => ClientMessage::Bad(format!("unknown message type {:?}", m.kind)),
        Err(_) => ClientMessage::Bad("messages are JSON objects with a \"type\"".into()),
    }
}

async fn page(
    State(s): State<CameraRoutes>,
    Path(id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    if let Err(r) = admit(&s, &headers, &uri, &id) {
        return r.into_response();
    }
    let levels = &s.cameras.levels();
    Html(super::page::live_page(&id, levels)).into_response()
}

async fn live_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=300"),
        ],
        super::page::SCRIPT,
    )
        .into_response()
}

async fn live_css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=300"),
        ],
        super::page::STYLE,
    )
        .into_response()
}
