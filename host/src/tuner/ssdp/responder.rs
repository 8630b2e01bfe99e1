//! The SSDP responder task: answers `M-SEARCH` by unicast after a random
//! delay, and (when asked) announces the device with `NOTIFY ssdp:alive`
//! and says `ssdp:byebye` on shutdown.

use super::limit::SourceLimiter;
use super::message::{self, Announcement};
use crate::tuner::Devices;
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::time::{sleep_until, Instant};

/// Replies waiting for their random delay; searches beyond this are dropped.
const MAX_PENDING: usize = 64;
/// Searches answered at once per source address, then `REFILL_PER_SEC`.
const BURST_PER_SOURCE: u32 = 6;
const REFILL_PER_SEC: f64 = 1.0;
/// Source addresses tracked by the rate limiter.
const MAX_SOURCES: usize = 1024;
/// `MX` above this is treated as this (UPnP caps it at 5 seconds).
const MX_CAP_SECS: u32 = 5;

/// How the responder behaves; `Options::default()` is what `serve` uses.
#[derive(Debug, Clone)]
pub struct Options {
    /// Send `NOTIFY` messages (alive at start and every `notify_interval`,
    /// byebye on shutdown). Off in tests outside a test-made network namespace.
    pub announce: bool,
    /// Time between `ssdp:alive` rounds; well under `max-age` (1800 s).
    pub notify_interval: Duration,
    /// Upper bound on the random reply delay, whatever the request's `MX`.
    pub max_reply_delay: Duration,
    /// Where announcements go: the SSDP group unless a test says otherwise.
    pub announce_to: SocketAddr,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            announce: true,
            notify_interval: Duration::from_secs(15 * 60),
            max_reply_delay: Duration::from_secs(u64::from(MX_CAP_SECS)),
            announce_to: message::multicast_target(),
        }
    }
}

/// Binds `0.0.0.0:1900` with `SO_REUSEADDR` (other SSDP stacks on the host
/// share the port) and joins 239.255.255.250 on `interface_addr` (or the
/// default interface). Must be called inside a Tokio runtime.
pub fn bind(interface_addr: Option<Ipv4Addr>) -> io::Result<UdpSocket> {
    let socket = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
    socket.set_reuse_address(true)?;
    socket.bind(&SockAddr::from(SocketAddrV4::new(
        Ipv4Addr::UNSPECIFIED,
        message::PORT,
    )))?;
    let interface = interface_addr.unwrap_or(Ipv4Addr::UNSPECIFIED);
    socket.join_multicast_v4(&message::MULTICAST_ADDR, &interface)?;
    if let Some(addr) = interface_addr {
        socket.set_multicast_if_v4(&addr)?;
    }
    socket.set_multicast_ttl_v4(2)?;
    socket.set_nonblocking(true)?;
    UdpSocket::from_std(socket.into())
}

/// Runs the responder on `socket` until `shutdown` resolves; `announce`
/// switches `NOTIFY` on (see [`Options::announce`]).
pub async fn run(
    socket: UdpSocket,
    device: impl Into<Devices>,
    announce: bool,
    shutdown: impl Future<Output = ()>,
) {
    run_with(
        socket,
        device,
        Options {
            announce,
            ..Options::default()
        },
        shutdown,
    )
    .await
}

/// [`run`] with every knob exposed, so tests can use short intervals.
pub async fn run_with(
    socket: UdpSocket,
    device: impl Into<Devices>,
    options: Options,
    shutdown: impl Future<Output = ()>,
) {
    let mut state = State {
        socket,
        devices: device.into(),
        limiter: SourceLimiter::new(BURST_PER_SOURCE, REFILL_PER_SEC, MAX_SOURCES),
        pending: BinaryHeap::new(),
        seq: 0,
    };
    let mut buf = vec![0u8; message::MAX_DATAGRAM + 1];
    let mut next_notify = Instant::now();
    tokio::pin!(shutdown);
    loop {
        let next_due = state.pending.peek().map(|Reverse(p)| p.due);
        tokio::select! {
            _ = &mut shutdown => break,
            _ = sleep_until(next_notify), if options.announce => {
                state.announce(Announcement::Alive, options.announce_to).await;
                next_notify = Instant::now() + options.notify_interval;
            }
            _ = sleep_until(next_due.unwrap_or_else(Instant::now)), if next_due.is_some() => {
                state.send_due().await;
            }
            received = state.socket.recv_from(&mut buf) => match received {
                Ok((len, from)) => state.handle(&buf[..len], from, &options),
                Err(e) => {
                    tracing::debug!(error = %e, "ssdp: receive failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
        }
    }
    if options.announce {
        state
            .announce(Announcement::ByeBye, options.announce_to)
            .await;
    }
}

/// A reply waiting for its delay; ordered by due time, then arrival.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Pending {
    due: Instant,
    seq: u64,
    to: SocketAddr,
    payload: Vec<u8>,
}

struct State {
    socket: UdpSocket,
    /// `main` and each lineup: every one answers and announces for itself.
    devices: Devices,
    limiter: SourceLimiter,
    pending: BinaryHeap<Reverse<Pending>>,
    seq: u64,
}

impl State {
    /// Queues replies for a datagram if it is a search for us from a sane,
    /// not rate-limited source; drops it silently otherwise.
    fn handle(&mut self, datagram: &[u8], from: SocketAddr, options: &Options) {
        if datagram.len() > message::MAX_DATAGRAM || !plausible_source(from) {
            return;
        }
        let Some(request) = message::parse_search(datagram) else {
            return;
        };
        let devices = self.devices.all();
        let replies: Vec<_> = devices
            .iter()
            .flat_map(|d| {
                message::matching_targets(&request.st, d)
                    .into_iter()
                    .map(move |t| (t, d))
            })
            .collect();
        if replies.is_empty() || self.pending.len() + replies.len() > MAX_PENDING {
            return;
        }
        if !self.limiter.allow(from.ip(), std::time::Instant::now()) {
            tracing::debug!(%from, "ssdp: search rate-limited");
            return;
        }
        let mx = Duration::from_secs(u64::from(request.mx.unwrap_or(1).min(MX_CAP_SECS)));
        let window = mx.min(options.max_reply_delay);
        for (target, device) in replies {
            let due = Instant::now() + window.mul_f64(random_fraction());
            self.seq += 1;
            let payload = message::search_response(&target, device);
            self.pending.push(Reverse(Pending {
                due,
                seq: self.seq,
                to: from,
                payload,
            }));
        }
    }

    /// Sends every reply whose delay has passed.
    async fn send_due(&mut self) {
        let now = Instant::now();
        while self.pending.peek().is_some_and(|Reverse(p)| p.due <= now) {
            let Some(Reverse(reply)) = self.pending.pop() else {
                break;
            };
            if let Err(e) = self.socket.send_to(&reply.payload, reply.to).await {
                tracing::debug!(to = %reply.to, error = %e, "ssdp: reply failed");
            }
        }
    }

    /// Sends one `NOTIFY` per advertised target.
    async fn announce(&self, kind: Announcement, to: SocketAddr) {
        let devices = self.devices.all();
        for payload in devices.iter().flat_map(|d| message::notify_all(kind, d)) {
            if let Err(e) = self.socket.send_to(&payload, to).await {
                tracing::debug!(%to, error = %e, "ssdp: announcement failed");
            }
        }
    }
}

/// A real searcher has a unicast address and a port; anything else is spoofed or broken.
fn plausible_source(from: SocketAddr) -> bool {
    let ip = from.ip();
    from.port() != 0 && !ip.is_unspecified() && !ip.is_multicast() && ip != Ipv4Addr::BROADCAST
}

/// A uniform value in `[0, 1)` for the reply delay; 0 if the OS has no randomness.
fn random_fraction() -> f64 {
    let mut bytes = [0u8; 4];
    if getrandom::fill(&mut bytes).is_err() {
        return 0.0;
    }
    f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0)
}
