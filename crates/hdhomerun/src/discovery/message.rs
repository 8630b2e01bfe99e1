//! What the tuner means by discovery packets: which requests are for it, and
//! the reply a real HDHomeRun sends (DEVICE_TYPE, DEVICE_ID, TUNER_COUNT,
//! BASE_URL, LINEUP_URL, DEVICE_AUTH_STR — the tags libhdhomerun reads).

use super::packet::{
    tag, Kind, Packet, DEVICE_ID_WILDCARD, DEVICE_TYPE_TUNER, DEVICE_TYPE_WILDCARD,
};
use crate::DeviceInfo;

/// Longest string value put in a reply; a longer one is left out rather than
/// cut (a cut URL is worse than none), which keeps every reply small.
pub const MAX_REPLY_STRING: usize = 255;

/// Longest BASE_URL libhdhomerun keeps (`char base_url[29]`); a longer one is
/// ignored by `hdhomerun_config` and similar clients, which then guess
/// `http://<sender>:80`.
pub const LIBHDHOMERUN_BASE_URL_MAX: usize = 28;

/// The request `hdhomerun_config discover` and most clients broadcast:
/// device type, plus a device id when `device_id` is given.
pub fn request(device_type: u32, device_id: Option<u32>) -> Packet {
    let packet = Packet::new(Kind::Request).with_u32(tag::DEVICE_TYPE, device_type);
    match device_id {
        Some(id) => packet.with_u32(tag::DEVICE_ID, id),
        None => packet,
    }
}

/// Whether `packet` is a discovery request this tuner must answer: at least
/// one DEVICE_TYPE that is tuner or wildcard, and every DEVICE_ID (if any) is
/// ours or wildcard. A request without DEVICE_TYPE is not for a tuner.
pub fn is_for_us(packet: &Packet, our_id: u32) -> bool {
    packet.kind == Kind::Request
        && packet
            .u32s(tag::DEVICE_TYPE)
            .any(|t| t == DEVICE_TYPE_TUNER || t == DEVICE_TYPE_WILDCARD)
        && packet
            .u32s(tag::DEVICE_ID)
            .all(|id| id == our_id || id == DEVICE_ID_WILDCARD)
        && packet.values(tag::DEVICE_ID).all(|v| v.len() == 4)
}

/// The reply for `device`, in the order real devices send the tags.
pub fn reply(device: &DeviceInfo) -> Packet {
    let tuners = u8::try_from(device.tuner_count).unwrap_or(u8::MAX);
    let mut packet = Packet::new(Kind::Reply)
        .with_u32(tag::DEVICE_TYPE, DEVICE_TYPE_TUNER)
        .with_u32(tag::DEVICE_ID, device.device_id)
        .with(tag::TUNER_COUNT, [tuners]);
    for (t, text) in [
        (tag::BASE_URL, device.base_url.clone()),
        (tag::LINEUP_URL, device.lineup_url()),
        (tag::DEVICE_AUTH_STR, device.device_auth.clone()),
    ] {
        if !text.is_empty() && text.len() <= MAX_REPLY_STRING {
            packet = packet.with(t, text.into_bytes());
        }
    }
    packet
}
