//! The face Plex, Jellyfin, Emby and Channels DVR see: an emulated
//! HDHomeRun network tuner (HTTP API, M3U and XMLTV output, UDP and SSDP
//! discovery).

pub mod base_url;
pub mod discovery;
mod door;
pub mod http;
pub mod identity;
mod logos;
mod playlist;
pub(crate) mod rendered;
pub mod settings;
pub mod ssdp;
pub(crate) mod xmltv;

pub(crate) use door::Door;
pub use door::{lineup_device, path_base, port_base, Devices};
pub use identity::{current, setup_lines, DeviceInfo, SharedDevice};
pub use streamforge_hdhomerun::device_id;

use crate::app::App;
use crate::logos::LogoCache;
use crate::routing::Routing;
use std::sync::Arc;

/// What the tuner's handlers share.
#[derive(Clone)]
pub struct TunerState {
    /// The opened data dir.
    pub app: Arc<App>,
    /// The device as announced (tuner count kept current).
    pub device: SharedDevice,
    /// The lineup and tuner count, prepared (never read from the database here).
    pub routing: Arc<Routing>,
    /// `lineup.json` and `playlist.m3u` of each lineup, for the snapshot in
    /// force (by lineup name and base URL).
    rendered: Arc<dashmap::DashMap<(String, String), Arc<rendered::Rendered>>>,
    /// Channel logos for `/logos/{id}`.
    pub logos: Arc<LogoCache>,
    /// The lineup served at the root paths: `main`, or the lineup whose
    /// own listener this is.
    root: Arc<str>,
    /// That listener's base URL (`None` for the main listener).
    root_base: Option<String>,
}

impl TunerState {
    /// The tuner's shared state over `routing`, announcing `device`.
    pub fn new(
        app: Arc<App>,
        device: SharedDevice,
        routing: Arc<Routing>,
        logos: Arc<LogoCache>,
    ) -> Self {
        TunerState {
            app,
            device,
            routing,
            rendered: Default::default(),
            logos,
            root: crate::store::MAIN_LINEUP.into(),
            root_base: None,
        }
    }

    /// The same state for lineup `name`'s own listener, reached at `base_url`.
    pub fn for_lineup(&self, name: &str, base_url: String) -> Self {
        TunerState {
            root: name.into(),
            root_base: Some(base_url),
            rendered: Default::default(),
            ..self.clone()
        }
    }
}

impl TunerState {
    /// The device info, with the tuner count brought up to date with the
    /// accounts (so UDP and SSDP answers follow too).
    fn refreshed_device(&self) -> DeviceInfo {
        let count = self.routing.load().table.tuner_count;
        let mut device = self.device.write().unwrap_or_else(|e| e.into_inner());
        device.tuner_count = count;
        device.clone()
    }
}

/// A failure while preparing an answer: logged, answered 500 with a short body.
fn internal(err: impl std::fmt::Display) -> axum::response::Response {
    use axum::response::IntoResponse;
    tracing::error!("tuner: {err}");
    (
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        "internal error\n",
    )
        .into_response()
}
