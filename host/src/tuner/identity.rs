//! What the tuner says about itself on every face: the HTTP API
//! (`/discover.json`, `/device.xml`), SiliconDust UDP discovery and SSDP;
//! one [`DeviceInfo`] (the `streamforge-hdhomerun` crate's) shared by all.

use std::sync::{Arc, RwLock};

pub use streamforge_hdhomerun::DeviceInfo;

/// What to paste into Plex, Jellyfin, Emby or Channels DVR: the tuner
/// address, guide and playlist URLs, the DeviceID and tuner count, one
/// line each (`serve` prints them at start, `urls` on request).
pub fn setup_lines(device: &DeviceInfo) -> [String; 4] {
    let base = &device.base_url;
    [
        format!("  tuner (HDHomeRun) address: {base}"),
        format!("  guide (XMLTV):             {base}/xmltv.xml"),
        format!("  playlist (M3U):            {base}/playlist.m3u"),
        format!(
            "  DeviceID {}, {} tuner(s)",
            crate::tuner::device_id::format(device.device_id),
            device.tuner_count
        ),
    ]
}

/// The device info shared by every face; updated when accounts change.
pub type SharedDevice = Arc<RwLock<DeviceInfo>>;

/// A copy of the current info.
pub fn current(shared: &SharedDevice) -> DeviceInfo {
    shared.read().unwrap_or_else(|e| e.into_inner()).clone()
}
