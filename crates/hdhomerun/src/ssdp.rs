//! SSDP wire format: lenient, bounded parsing of `M-SEARCH` requests and
//! building of search responses and `NOTIFY` announcements.
//!
//! Only what a root device with no services needs: the targets are
//! `upnp:rootdevice`, the device's own `uuid:…` and
//! `urn:schemas-upnp-org:device:MediaServer:1`. Real HDHomeRun PRIME
//! descriptions use `MediaServer:1` for their tuner devices; no SiliconDust
//! specific device type is advertised because no public capture of a real
//! device shows one.

use crate::DeviceInfo;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};

/// The SSDP multicast group, where searches arrive and announcements go.
pub const MULTICAST_ADDR: Ipv4Addr = Ipv4Addr::new(239, 255, 255, 250);
/// The SSDP port, for both the group and the responder's socket.
pub const PORT: u16 = 1900;
/// Datagrams larger than this are dropped unread: a search is a few hundred bytes.
pub const MAX_DATAGRAM: usize = 8 * 1024;
/// Seconds an announcement stays valid (`CACHE-CONTROL: max-age`).
pub const MAX_AGE_SECS: u32 = 1800;
/// The UPnP search target every root device answers.
pub const ROOT_DEVICE: &str = "upnp:rootdevice";
/// The device type `/device.xml` declares; Plex and Jellyfin search for it.
pub const MEDIA_SERVER: &str = "urn:schemas-upnp-org:device:MediaServer:1";
/// The search target meaning "every device and service".
pub const SSDP_ALL: &str = "ssdp:all";
/// Headers kept per request; more is hostile and the request is dropped.
const MAX_HEADERS: usize = 32;

/// `239.255.255.250:1900`, where announcements are sent.
pub fn multicast_target() -> SocketAddr {
    SocketAddr::V4(SocketAddrV4::new(MULTICAST_ADDR, PORT))
}

/// A parsed `M-SEARCH`: what the searcher wants and how long it will wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchRequest {
    /// The `ST` header, trimmed.
    pub st: String,
    /// `MX` in seconds, `None` when absent or not a number (unicast searches omit it).
    pub mx: Option<u32>,
    /// The `HOST` header, if any (not checked: clients get it wrong).
    pub host: Option<String>,
}

/// Parses an `M-SEARCH` leniently: any line ending, header names in any case,
/// quotes optional around `MAN`. Returns `None` (drop it) for anything else:
/// other methods, oversized or non-UTF-8 datagrams, a missing `ST` or `MAN`.
pub fn parse_search(datagram: &[u8]) -> Option<SearchRequest> {
    if datagram.len() > MAX_DATAGRAM {
        return None;
    }
    let text = std::str::from_utf8(datagram).ok()?;
    let mut lines = text.split('\n').map(|l| l.trim_end_matches('\r'));
    let mut request_line = lines.next()?.split_ascii_whitespace();
    let (method, target, version) = (
        request_line.next()?,
        request_line.next()?,
        request_line.next()?,
    );
    if !method.eq_ignore_ascii_case("M-SEARCH")
        || target != "*"
        || !version.to_ascii_uppercase().starts_with("HTTP/1.")
        || request_line.next().is_some()
    {
        return None;
    }
    let (mut st, mut mx, mut host, mut man) = (None, None, None, None);
    for (i, line) in lines.enumerate() {
        if line.is_empty() {
            break;
        }
        if i >= MAX_HEADERS {
            return None;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue; // a stray line is skipped, not fatal
        };
        let value = value.trim();
        match name.trim().to_ascii_uppercase().as_str() {
            "ST" => st = Some(value.to_string()),
            "MX" => mx = value.parse::<u32>().ok(),
            "HOST" => host = Some(value.to_string()),
            "MAN" => man = Some(value.trim_matches('"').to_string()),
            _ => {}
        }
    }
    if !man?.eq_ignore_ascii_case("ssdp:discover") {
        return None;
    }
    let st = st.filter(|s| !s.is_empty())?;
    Some(SearchRequest { st, mx, host })
}

/// The targets this device answers for a search target, in reply order;
/// empty when the search is not for us. At most three, so a search can never
/// be amplified beyond that.
pub fn matching_targets(st: &str, device: &DeviceInfo) -> Vec<String> {
    let udn = device.udn();
    if st.eq_ignore_ascii_case(SSDP_ALL) {
        advertised_targets(device)
    } else if st.eq_ignore_ascii_case(ROOT_DEVICE) {
        vec![ROOT_DEVICE.to_string()]
    } else if st.eq_ignore_ascii_case(&udn) {
        vec![udn]
    } else if st.eq_ignore_ascii_case(MEDIA_SERVER) {
        vec![MEDIA_SERVER.to_string()]
    } else {
        Vec::new()
    }
}

/// Every notification type the device advertises (root, uuid, device type).
pub fn advertised_targets(device: &DeviceInfo) -> Vec<String> {
    vec![
        ROOT_DEVICE.to_string(),
        device.udn(),
        MEDIA_SERVER.to_string(),
    ]
}

/// `{udn}` for the uuid target, `{udn}::{target}` otherwise.
pub fn usn(target: &str, device: &DeviceInfo) -> String {
    let udn = device.udn();
    if target.eq_ignore_ascii_case(&udn) {
        udn
    } else {
        format!("{udn}::{target}")
    }
}

/// Where clients fetch the UPnP description (served by the HTTP API).
pub fn location(device: &DeviceInfo) -> String {
    format!("{}/device.xml", device.base_url.trim_end_matches('/'))
}

/// The `SERVER` header: `OS/version UPnP/1.0 product/version`, as UPnP asks
/// (the version is the workspace's, which the `streamforge` binary shares).
pub fn server_header() -> String {
    format!(
        "{}/1.0 UPnP/1.0 StreamForge/{}",
        std::env::consts::OS,
        env!("CARGO_PKG_VERSION")
    )
}

/// The unicast `HTTP/1.1 200 OK` answer to a search, for one matched target.
pub fn search_response(target: &str, device: &DeviceInfo) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age={MAX_AGE_SECS}\r\nEXT:\r\nLOCATION: {}\r\n\
         SERVER: {}\r\nST: {target}\r\nUSN: {}\r\nCONTENT-LENGTH: 0\r\n\r\n",
        location(device),
        server_header(),
        usn(target, device),
    )
    .into_bytes()
}

/// Which announcement a `NOTIFY` carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Announcement {
    /// `ssdp:alive`: the device is here (sent at start and periodically).
    Alive,
    /// `ssdp:byebye`: the device is leaving (sent on shutdown).
    ByeBye,
}

/// One multicast `NOTIFY` for one target.
pub fn notify(target: &str, kind: Announcement, device: &DeviceInfo) -> Vec<u8> {
    let host = format!("{MULTICAST_ADDR}:{PORT}");
    let usn = usn(target, device);
    match kind {
        Announcement::Alive => format!(
            "NOTIFY * HTTP/1.1\r\nHOST: {host}\r\nCACHE-CONTROL: max-age={MAX_AGE_SECS}\r\n\
             LOCATION: {}\r\nNT: {target}\r\nNTS: ssdp:alive\r\nSERVER: {}\r\nUSN: {usn}\r\n\r\n",
            location(device),
            server_header(),
        ),
        Announcement::ByeBye => format!(
            "NOTIFY * HTTP/1.1\r\nHOST: {host}\r\nNT: {target}\r\nNTS: ssdp:byebye\r\nUSN: {usn}\r\n\r\n"
        ),
    }
    .into_bytes()
}

/// The full set of `NOTIFY` messages for an announcement, one per advertised target.
pub fn notify_all(kind: Announcement, device: &DeviceInfo) -> Vec<Vec<u8>> {
    advertised_targets(device)
        .iter()
        .map(|t| notify(t, kind, device))
        .collect()
}
