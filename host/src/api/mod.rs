//! The admin HTTP API (`/api/v1/...`, bearer token): every state-changing
//! command reaches a running server through it, calling the same [`App`]
//! methods the CLI calls when no server runs, so the user sees the same
//! result either way.

mod client;
pub mod metrics;
mod routes;
mod server_file;
mod token;

pub use client::ApiClient;
pub use routes::{router, NewLineup, NewUser, ProbeRequest, SplitLineup};
pub use server_file::ServerFile;
pub use token::load_or_create_token;

use serde::{Deserialize, Serialize};

/// Body of `POST /api/v1/guides`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AddGuide {
    /// The user's name for the guide; unique, used by `guide remove`.
    pub name: String,
    /// An http(s) URL, or the absolute path of an XMLTV file (`.xml` or
    /// `.xml.gz`) on the server's machine.
    pub source: String,
    /// How far to move programme times (`+2h`, `-1h30m`, `45m`, `0`).
    #[serde(default)]
    pub shift: Option<String>,
}

/// Body of `POST /api/v1/guides/{name}/settings`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GuideSettings {
    /// The new time shift (`+2h`, `-1h30m`, `45m`, `0`).
    pub shift: String,
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
    /// Report what a match would find without storing any mapping.
    pub dry_run: bool,
}

/// Body of `POST /api/v1/mappings` and `POST /api/v1/mappings/remove`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MapRequest {
    /// The guide channel's XMLTV id (as in `streamforge mappings`).
    pub guide_id: String,
    /// The account the stream belongs to.
    pub account: String,
    /// The stream's key in that account's catalogue.
    pub key: String,
    /// Order among the channel's streams, 0 first; ignored by remove.
    #[serde(default)]
    pub rank: u32,
}

/// An error answer: one line, as the CLI would print it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiError {
    /// The message the CLI prints for the user.
    pub error: String,
}
