//! The admin HTTP API (`/api/v1/...`, bearer token): every state-changing
//! command reaches a running server through it, calling the same [`App`]
//! methods the CLI calls when no server runs, so the user sees the same
//! result either way.

mod client;
mod routes;
mod server_file;
mod token;

pub use client::ApiClient;
pub use routes::router;
pub use server_file::ServerFile;
pub use token::load_or_create_token;

use serde::{Deserialize, Serialize};

/// Body of `POST /api/v1/guides`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AddGuide {
    pub name: String,
    pub source: String,
}

/// Body of `POST /api/v1/sync`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SyncRequest {
    /// Only this account (guides are skipped then).
    pub account: Option<String>,
}

pub use crate::app::SyncReport;

/// Body of `POST /api/v1/match`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MatchRequest {
    pub dry_run: bool,
}

/// Body of `POST /api/v1/mappings` and `POST /api/v1/mappings/remove`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MapRequest {
    pub guide_id: String,
    pub account: String,
    pub key: String,
    #[serde(default)]
    pub rank: u32,
}

/// An error answer: one line, as the CLI would print it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiError {
    pub error: String,
}
