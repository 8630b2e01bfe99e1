//! SiliconDust UDP discovery (port 65001): how `hdhomerun_config discover`,
//! Plex and Jellyfin find the tuner on the local network.
//!
//! [`packet`] (the wire format) and [`message`] (what a request asks and
//! what a tuner answers) are the `streamforge-hdhomerun` crate's; here
//! [`responder`] runs the socket, with a reply rate limit.

mod ratelimit;
pub mod responder;

pub use responder::{bind, run, Stats};
pub use streamforge_hdhomerun::discovery::{
    message, packet, Kind, Packet, PacketError, DISCOVER_PORT,
};
