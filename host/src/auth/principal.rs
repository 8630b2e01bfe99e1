//! Who a request is, once its credential checked out, and the one place a
//! refused credential becomes an HTTP answer (401, 403 or 429).

use crate::tokens::Access;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

/// Who is asking. Handlers ask "who is this and may they?" of this value
/// instead of comparing secrets themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// The admin token: everything.
    Admin,
    /// A browser signed in to the console (its session id).
    Console(String),
    /// A camera token: the cameras it opens.
    Camera(Access),
}

/// Why a request is turned away, as the client will be told (short, fixed
/// reasons: never the credential, never a hint of what is behind it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// No usable credential, or a wrong one: 401.
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// A good credential that does not cover this: 403.
    #[error("{0}")]
    Forbidden(&'static str),
    /// Too many attempts: 429.
    #[error("{0}")]
    Limited(#[from] super::signin::Limited),
}

impl Refusal {
    /// The HTTP status it answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            Refusal::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            Refusal::Forbidden(_) => StatusCode::FORBIDDEN,
            Refusal::Limited(_) => StatusCode::TOO_MANY_REQUESTS,
        }
    }
}

impl IntoResponse for Refusal {
    /// The status with `{"error": reason}`.
    fn into_response(self) -> Response {
        let body = crate::api::ApiError {
            error: self.to_string(),
        };
        (self.status(), Json(body)).into_response()
    }
}
