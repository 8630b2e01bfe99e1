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
