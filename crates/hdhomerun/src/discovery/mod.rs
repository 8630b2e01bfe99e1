//! SiliconDust UDP discovery (port 65001): how `hdhomerun_config discover`,
//! Plex and Jellyfin find the tuner on the local network.
//!
//! [`packet`] is the generic wire format (also the fuzz target),
//! [`message`] decides what a request asks and what a tuner answers; the
//! host's responder runs the socket.

pub mod message;
pub mod packet;

pub use packet::{Kind, Packet, PacketError, DISCOVER_PORT};
