//! The UDP discovery responder: answers `hdhomerun_config discover`, Plex and
//! Jellyfin with one small unicast reply per valid request, and drops
//! everything else silently.

use super::message;
use super::packet::{Packet, MAX_PACKET};
use super::ratelimit::RateLimit;
use crate::tuner::Devices;
use socket2::{Domain, Protocol, Socket, Type};
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};
use tokio::net::UdpSocket;

/// What a responder did before it stopped; lets tests and status pages see
/// that junk was dropped rather than answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Replies sent.
    pub answered: u64,
    /// Datagrams dropped: malformed, replies, other device types or ids, bad sources.
    pub ignored: u64,
    /// Valid requests not answered because of the reply rate limit.
    pub limited: u64,
}

/// Binds a discovery socket (normally `0.0.0.0:65001`) with SO_REUSEADDR, so
/// it can share the port with other HDHomeRun software, and SO_BROADCAST.
/// Must be called inside a Tokio runtime.
pub fn bind(addr: SocketAddr) -> io::Result<UdpSocket> {
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    socket.set_reuse_address(true)?;
    socket.set_broadcast(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    UdpSocket::from_std(socket.into())
}

/// Answers discovery requests on `socket` for every device in `devices`
/// (`main` and each lineup, read afresh for every reply, so BaseURL,
/// TunerCount and new lineups show at once) until `shutdown` completes.
pub async fn run(
    socket: UdpSocket,
    devices: impl Into<Devices>,
    shutdown: impl Future<Output = ()>,
) -> Stats {
    let devices: Devices = devices.into();
    let base_url = devices.all().swap_remove(0).base_url;
    if base_url.len() > message::LIBHDHOMERUN_BASE_URL_MAX {
        tracing::warn!(
            "BaseURL {base_url} is longer than {} bytes; hdhomerun_config and other libhdhomerun \
             clients ignore it in UDP discovery and assume port 80",
            message::LIBHDHOMERUN_BASE_URL_MAX
        );
    }
    if let Ok(addr) = socket.local_addr() {
        tracing::info!("UDP discovery listening on {addr}");
    }
    let mut stats = Stats::default();
    let mut limit = RateLimit::new(Instant::now());
    // One byte more than a frame may be, so an oversized datagram shows as such.
    let mut buf = vec![0u8; MAX_PACKET + 1];
    tokio::pin!(shutdown);
    loop {
        let (len, source) = tokio::select! {
            _ = &mut shutdown => return stats,
            received = socket.recv_from(&mut buf) => match received {
                Ok(got) => got,
                Err(err) => {
                    tracing::debug!("discovery receive failed: {err}");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let replies = answer(&buf[..len], source, &devices);
        if replies.is_empty() {
            stats.ignored += 1;
            continue;
        }
        if !limit.allow(source.ip(), Instant::now()) {
            tracing::debug!("discovery reply to {source} rate-limited");
            stats.limited += 1;
            continue;
        }
        // One reply per device asked for: a wildcard search finds them all.
        for reply in replies {
            match socket.send_to(&reply, source).await {
                Ok(_) => stats.answered += 1,
                Err(err) => tracing::debug!("discovery reply to {source} failed: {err}"),
            }
        }
    }
}

/// The reply bytes for one datagram, one per device it asks for (none
/// when it gets no answer).
fn answer(datagram: &[u8], source: SocketAddr, devices: &Devices) -> Vec<Vec<u8>> {
    if !is_unicast_sender(source) {
        tracing::debug!("discovery datagram from unusable source {source} dropped");
        return Vec::new();
    }
    let packet = match Packet::parse(datagram) {
        Ok(packet) => packet,
        Err(err) => {
            tracing::debug!("discovery datagram from {source} dropped: {err}");
            return Vec::new();
        }
    };
    devices
        .all()
        .iter()
        .filter(|info| message::is_for_us(&packet, info.device_id))
        .filter_map(|info| match message::reply(info).encode() {
            Ok(bytes) => Some(bytes),
            Err(err) => {
                tracing::debug!("discovery reply could not be encoded: {err}");
                None
            }
        })
        .collect()
}

/// A reply can only go to a real unicast sender (never a broadcast or
/// multicast address someone spoofed, never port 0).
fn is_unicast_sender(source: SocketAddr) -> bool {
    let ip_ok = match source.ip() {
        IpAddr::V4(ip) => !(ip.is_unspecified() || ip.is_broadcast() || ip.is_multicast()),
        IpAddr::V6(ip) => !(ip.is_unspecified() || ip.is_multicast()),
    };
    ip_ok && source.port() != 0
}
