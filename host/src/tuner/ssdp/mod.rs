//! SSDP (UPnP discovery on UDP 1900): lets Plex, Jellyfin and other UPnP
//! control points find the tuner's `/device.xml` without being told its address.

mod limit;
pub mod message;
pub mod responder;

pub use responder::{bind, run, run_with, Options};
