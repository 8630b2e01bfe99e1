//! Who may see which camera, decided per request: a camera token (JWT) or
//! the admin token, sent as `Authorization: Bearer`, as `?token=`, or as a
//! WebSocket's first message. The camera routes call [`CameraAccess`] and
//! answer its [`AccessError`] as it is (401 or 403 with `{"error": ...}`).

use std::sync::Arc;

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use zeroize::Zeroizing;

use super::{Scope, TokenError, TokenKeys};
use crate::api::ApiError;
use crate::auth::AdminToken;

/// What a request may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// Every camera (the admin token, or a token for `*`).
    All,
    /// Only these camera ids.
    Cameras(Vec<String>),
}

impl Access {
    /// Whether camera `camera_id` may be seen (lists filter on this).
    pub fn allows(&self, camera_id: &str) -> bool {
        match self {
            Access::All => true,
            Access::Cameras(ids) => ids.iter().any(|id| id == camera_id),
        }
    }

    /// `Ok` when camera `camera_id` may be seen, else the 403 answer.
    pub fn require(&self, camera_id: &str) -> Result<(), AccessError> {
        if self.allows(camera_id) {
            Ok(())
        } else {
            Err(AccessError {
                status: StatusCode::FORBIDDEN,
                reason: "this token does not cover this camera",
            })
        }
    }
}

impl From<Scope> for Access {
    fn from(scope: Scope) -> Self {
        match scope {
            Scope::All => Access::All,
            Scope::Cameras(ids) => Access::Cameras(ids),
        }
    }
}

/// A refused camera request: its status (401, 403, or 500 when the server
/// cannot read its key) and a short fixed reason, never the token. As a
/// response it is the status with `{"error": reason}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct AccessError {
    status: StatusCode,
    reason: &'static str,
}

impl AccessError {
    /// The HTTP status to answer with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The short reason for the `{"error": ...}` body (or a WebSocket close).
    pub fn reason(&self) -> &'static str {
        self.reason
    }

    /// Whether no token was sent at all (a WebSocket may still send one as
    /// its first message).
    pub fn is_missing(&self) -> bool {
        self.reason == TokenError::Missing.reason()
    }
}

impl From<TokenError> for AccessError {
    fn from(e: TokenError) -> Self {
        if let TokenError::Key(key) = &e {
            // The operator's to fix; the client only gets the short reason.
            tracing::error!("a camera request was refused: {key}");
        }
        AccessError {
            status: e.status(),
            reason: e.reason(),
        }
    }
}

impl From<AccessError> for crate::auth::Refusal {
    fn from(e: AccessError) -> Self {
        match e.status {
            StatusCode::FORBIDDEN => crate::auth::Refusal::Forbidden(e.reason),
            _ => crate::auth::Refusal::Unauthenticated(e.reason),
        }
    }
}

impl IntoResponse for AccessError {
    fn into_response(self) -> Response {
        if self.status == StatusCode::INTERNAL_SERVER_ERROR {
            let body = ApiError {
                error: self.reason.to_string(),
            };
            return (self.status, Json(body)).into_response();
        }
        crate::auth::Refusal::from(self).into_response()
    }
}

/// Decides camera requests for one server: its token keys and its admin
/// token (which sees every camera, as on the admin API).
pub struct CameraAccess {
    keys: Arc<TokenKeys>,
    admin: AdminToken,
}

impl std::fmt::Debug for CameraAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CameraAccess")
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

impl CameraAccess {
    /// Accepts tokens signed by `keys`, and `admin_token` for every camera.
    pub fn new(keys: Arc<TokenKeys>, admin_token: String) -> Self {
        CameraAccess {
            keys,
            admin: AdminToken::new(admin_token),
        }
    }

    /// Accepts tokens signed by `keys`, and `admin` for every camera.
    pub fn with_admin(keys: Arc<TokenKeys>, admin: AdminToken) -> Self {
        CameraAccess { keys, admin }
    }

    /// The admin token it accepts (for the camera admin routes' middleware).
    pub fn admin(&self) -> &AdminToken {
        &self.admin
    }

    /// The keys tokens are checked against.
    pub fn keys(&self) -> &Arc<TokenKeys> {
        &self.keys
    }

    /// What a request may see, from its `Authorization: Bearer` header or
    /// else its `?token=` (`query` is the URI's query string). A query
    /// string takes camera tokens only: the admin token there would end up
    /// in browser history, `Referer`s and proxy logs.
    pub fn check(&self, headers: &HeaderMap, query: Option<&str>) -> Result<Access, AccessError> {
        if let Some(token) = bearer_token(headers) {
            return self.check_token(&token);
        }
        match query_token(query) {
            Some(token) if self.is_admin_token(&token) => Err(AccessError {
                status: StatusCode::UNAUTHORIZED,
                reason: "the admin token is not accepted in a URL; send it as Authorization: Bearer, or use a camera token (streamforge token issue)",
            }),
            Some(token) => Ok(self.keys.verify(&token)?.cameras.into()),
            None => Err(TokenError::Missing.into()),
        }
    }

    fn is_admin_token(&self, token: &str) -> bool {
        self.admin.matches(token)
    }

    /// [`Self::check`], then [`Access::require`] for `camera_id`: 401 when
    /// the token is missing or bad, 403 when it does not cover the camera.
    pub fn check_camera(
        &self,
        headers: &HeaderMap,
        query: Option<&str>,
        camera_id: &str,
    ) -> Result<Access, AccessError> {
        let access = self.check(headers, query)?;
        access.require(camera_id)?;
        Ok(access)
    }

    /// What `token` (a camera token or the admin token) may see.
    pub fn check_token(&self, token: &str) -> Result<Access, AccessError> {
        if token.is_empty() {
            return Err(TokenError::Missing.into());
        }
        if self.is_admin_token(token) {
            return Ok(Access::All);
        }
        Ok(self.keys.verify(token)?.cameras.into())
    }

    /// Whether the request bears the admin token itself (adding and removing
    /// cameras needs it; a camera token for `*` only watches).
    pub fn is_admin(&self, headers: &HeaderMap) -> bool {
        self.admin.check(headers).is_ok()
    }

    /// What a WebSocket's first text message (`{"type":"auth","token":"..."}`)
    /// may see. Waiting for it (5 s at most) is the endpoint's job.
    pub fn check_ws_message(&self, text: &str) -> Result<Access, AccessError> {
        self.check_token(&ws_auth_token(text)?)
    }
}

/// The token a request carries: `Authorization: Bearer <t>` first, else
/// the `token` query parameter. `None` when neither is there (a WebSocket
/// then waits for an auth message).
pub fn presented_token(headers: &HeaderMap, query: Option<&str>) -> Option<Zeroizing<String>> {
    bearer_token(headers).or_else(|| query_token(query))
}

/// The token of an `Authorization: Bearer <t>` header.
fn bearer_token(headers: &HeaderMap) -> Option<Zeroizing<String>> {
    crate::auth::admin::bearer(headers).map(|token| Zeroizing::new(token.to_string()))
}

/// The `token` parameter of a query string.
fn query_token(query: Option<&str>) -> Option<Zeroizing<String>> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(name, value)| name == "token" && !value.is_empty())
        .map(|(_, value)| Zeroizing::new(value.into_owned()))
}

/// The token in a WebSocket auth message `{"type":"auth","token":"..."}`;
/// anything else is a 401 (its reason says what to send, never echoes it).
pub fn ws_auth_token(text: &str) -> Result<Zeroizing<String>, AccessError> {
    #[derive(Deserialize)]
    struct AuthMessage {
        #[serde(rename = "type")]
        kind: String,
        token: String,
    }
    // serde's error text could quote the message: it is dropped unread.
    let message: AuthMessage = serde_json::from_str(text).map_err(|_| bad_auth_message())?;
    let token = Zeroizing::new(message.token);
    if message.kind != "auth" || token.is_empty() {
        return Err(bad_auth_message());
    }
    Ok(token)
}

fn bad_auth_message() -> AccessError {
    AccessError {
        status: StatusCode::UNAUTHORIZED,
        reason: r#"send {"type":"auth","token":"..."} first"#,
    }
}
