//! The face Plex, Jellyfin, Emby and Channels DVR see: an emulated
//! HDHomeRun network tuner (HTTP API, M3U and XMLTV output, UDP and SSDP
//! discovery).

pub mod base_url;
pub mod device_id;
pub mod discovery;
pub mod http;
pub mod identity;
pub mod lineup;
mod playlist;
pub mod settings;
pub mod ssdp;
mod xmltv;

pub use identity::{current, DeviceInfo, SharedDevice};

use crate::app::App;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lineup::LineupCache;
use std::sync::Arc;

/// What the tuner's handlers share.
#[derive(Clone)]
pub struct TunerState {
    pub app: Arc<App>,
    pub device: SharedDevice,
    pub lineup: Arc<LineupCache>,
    /// `--tuner-count`, when given; else the count follows the accounts.
    pub configured_tuners: Option<u32>,
}

impl TunerState {
    /// The device info, with the tuner count brought up to date with the
    /// accounts (so UDP and SSDP answers follow too).
    fn refreshed_device(&self) -> DeviceInfo {
        if let Ok(count) = settings::tuner_count(&self.app, self.configured_tuners) {
            let mut device = self.device.write().unwrap_or_else(|e| e.into_inner());
            device.tuner_count = count;
        }
        current(&self.device)
    }
}

/// A failure while preparing an answer: logged, answered 500 with a short body.
fn internal(err: impl std::fmt::Display) -> Response {
    tracing::error!("tuner: {err}");
    (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response()
}
