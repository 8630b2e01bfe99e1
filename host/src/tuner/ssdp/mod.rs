//! SSDP (UPnP discovery on UDP 1900): lets Plex, Jellyfin and other UPnP
//! control points find the tuner's `/device.xml` without being told its address.
//! The messages are the `streamforge-hdhomerun` crate's ([`message`]); here
//! the responder runs the socket, with a per-source limit.

mod limit;
pub mod responder;

pub use responder::{bind, run, run_with, Options};
pub use streamforge_hdhomerun::ssdp as message;
