//! One running channel: a single upstream fanned out to every viewer.
//!
//! The pump task is the only writer. Each chunk (whole packets, at most
//! [`MAX_CHUNK`] bytes) is a reference-counted `Bytes` sent through a bounded
//! broadcast ring; viewers clone the reference, never the bytes. A viewer
//! that falls more than the ring behind skips ahead (to the next keyframe);
//! one that makes no progress at all is let go by [`Hub::sweep`].

use super::config::{RelayConfig, MAX_CHUNK, RING_CHUNKS};
use super::direct::{DirectViewers, Joiner};
use super::recent::Recent;
use crate::routing::table::ChannelRoute;
use crate::routing::table::RouteStream;
use bytes::Bytes;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Instant, SystemTime};
use tokio::sync::{broadcast, mpsc, watch};

/// A piece of the stream as viewers receive it.
#[derive(Clone, Debug)]
pub(crate) struct Chunk {
    pub(crate) data: Bytes,
    /// Offset of a keyframe's first packet in `data`.
    pub(crate) keyframe: Option<u32>,
    /// With a keyframe: the latest PAT + PMT, their counters fitted to come
    /// right before the keyframe, for a viewer who starts there.
    pub(crate) psi: Option<Bytes>,
    /// Position in the channel's sequence of chunks, from 1.
    pub(crate) seq: u64,
}

/// Where a starting channel stands.
#[derive(Clone, Debug)]
pub(crate) enum Ready {
    Starting,
    Live,
    /// Why no source could be used, already an HTTP-ready answer.
    Failed(super::error::TuneError),
}

/// One viewer's hold on the hub: progress for the sweep, and a flag so the
/// viewer count drops exactly once (left, or let go).
#[derive(Debug, Default)]
pub(crate) struct Lease {
    /// Sequence number of the last chunk handed to this viewer.
    pub(crate) seq: AtomicU64,
    /// Hub clock (ms since the hub started) when that happened.
    pub(crate) touched_ms: AtomicU64,
    released: AtomicBool,
    /// Who is watching, for `status` and the console.
    pub(crate) info: ViewerInfo,
    /// When the viewer joined.
    since: Option<SystemTime>,
    /// Bytes handed to this viewer.
    pub(crate) bytes: AtomicU64,
}

/// Who a viewer is, as its request said: shown by `status`; its address
/// also tells a channel change by the same client (see `super::switch`).
#[derive(Debug, Default, Clone)]
pub struct ViewerInfo {
    /// The viewer's address, when the listener knows it.
    pub(crate) address: Option<std::net::SocketAddr>,
    /// Its `User-Agent`, cut to 200 characters.
    pub(crate) user_agent: Option<String>,
    /// The viewer's place among the server's open connections, held as
    /// long as it watches (so the connection cap counts it).
    pub(crate) connection: Option<Arc<crate::server::connections::Connection>>,
    /// A priority of its own (an Xtream user's) in place of its lineup's.
    pub(crate) priority: Option<i32>,
}

impl ViewerInfo {
    /// From a request's address and `User-Agent` value.
    pub fn new(address: Option<std::net::SocketAddr>, user_agent: Option<&str>) -> Self {
        let user_agent = user_agent
            .map(|ua| ua.chars().filter(|c| !c.is_control()).take(200).collect())
            .filter(|ua: &String| !ua.is_empty());
        ViewerInfo {
            address,
            user_agent,
            connection: None,
            priority: None,
        }
    }

    /// The same viewer with a priority of its own (a user's), which its
    /// tunes use in place of their lineup's.
    pub fn with_priority(mut self, priority: i32) -> Self {
        self.priority = Some(priority);
        self
    }

    /// The same viewer, holding its connection's registry entry.
    pub(crate) fn holding(
        mut self,
        connection: Arc<crate::server::connections::Connection>,
    ) -> Self {
        self.connection = Some(connection);
        self
    }
}

impl Lease {
    /// Whether the viewer was let go (or left).
    pub(crate) fn released(&self) -> bool {
        self.released.load(Ordering::Acquire)
    }
}

/// The source a channel is playing from, for status.
#[derive(Clone)]
pub(crate) struct Source {
    pub(crate) stream: Arc<RouteStream>,
    pub(crate) since: SystemTime,
}

/// A running (or starting) channel.
pub struct Hub {
    /// A short id for `status`, events and the console: 8 hex digits, new
    /// for every session.
    pub(crate) id: String,
    pub(crate) route: Arc<ChannelRoute>,
    pub(crate) started: SystemTime,
    /// The lineup whose tuner it holds (the one its first viewer came
    /// through; viewers from other lineups share it).
    pub(crate) lineup: String,
    /// The priority it was started with (its first viewer's: an Xtream user's, its
    /// lineup's plus their own; else its lineup's); a higher tune may preempt it.
    pub(crate) priority: i32,
    clock: Instant,
    sender: Mutex<Option<broadcast::Sender<Chunk>>>,
    /// Viewers whose sockets the pump writes to itself, on their way to it.
    joiners: Mutex<Option<mpsc::UnboundedSender<Joiner>>>,
    joiners_rx: Mutex<Option<mpsc::UnboundedReceiver<Joiner>>>,
    recent: Mutex<Recent>,
    pub(crate) viewers: watch::Sender<usize>,
    pub(crate) ready: watch::Sender<Ready>,
    /// Set to stop the pump (server shutting down, or a channel change).
    pub(crate) stop: watch::Sender<bool>,
    /// Set once the pump ended and gave its tuner and account connection back.
    pub(crate) ended: watch::Sender<bool>,
    leases: Mutex<Vec<Arc<Lease>>>,
    /// The address of the viewer that joined last (a channel change).
    last_viewer_ip: Mutex<Option<std::net::IpAddr>>,
    seq: AtomicU64,
    now_ms: AtomicU64,
    pub(crate) bytes_in: AtomicU64,
    pub(crate) bytes_out: AtomicU64,
    /// Bytes per second over the last sweep interval.
    pub(crate) rate: AtomicU64,
    rate_mark: Mutex<(Instant, u64)>,
    pub(crate) source: Mutex<Option<Source>>,
    /// What the output measured to be (size, rate, codecs), set by the pump
    /// when its tracker reads a new format.
    pub(crate) measured: Mutex<super::Measured>,
    /// Ms on `clock` of the last bytes from the provider (`u64::MAX`: none yet).
    last_data_ms: AtomicU64,
    /// [`Health`] as a number.
    health: AtomicU8,
    /// Switches to another source that reached the viewers.
    pub(crate) failovers: AtomicU32,
}

/// How a session's source is doing, for `status` and the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Health {
    /// Data flows.
    Ok = 0,
    /// Silent for a while (a stall may follow; a backup may be connecting).
    Stalled = 1,
    /// The source failed; the next one is being connected or spliced in.
    FailingOver = 2,
}

impl Health {
    /// The word `status` shows.
    pub(crate) fn word(self) -> &'static str {
        match self {
            Health::Ok => "ok",
            Health::Stalled => "stalled",
            Health::FailingOver => "failing-over",
        }
    }
}

/// 8 random hex digits (a counter if the system has no randomness).
fn session_id() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let mut bytes = [0u8; 4];
    let n = match getrandom::fill(&mut bytes) {
        Ok(()) => u32::from_be_bytes(bytes),
        Err(_) => COUNTER.fetch_add(1, Ordering::Relaxed),
    };
    format!("{n:08x}")
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Hub {
    /// A starting hub for `route` with no viewer yet.
    pub(crate) fn new(
        route: Arc<ChannelRoute>,
        lineup: &str,
        priority: i32,
        config: &RelayConfig,
    ) -> Arc<Hub> {
        let (sender, _) = broadcast::channel(RING_CHUNKS);
        let (joiners, joiners_rx) = mpsc::unbounded_channel();
        let now = Instant::now();
        Arc::new(Hub {
            route,
            lineup: lineup.to_string(),
            priority,
            started: SystemTime::now(),
            clock: now,
            sender: Mutex::new(Some(sender)),
            joiners: Mutex::new(Some(joiners)),
            joiners_rx: Mutex::new(Some(joiners_rx)),
            recent: Mutex::new(Recent::new(config.channel_buffer)),
            viewers: watch::Sender::new(0),
            ready: watch::Sender::new(Ready::Starting),
            stop: watch::Sender::new(false),
            ended: watch::Sender::new(false),
            leases: Mutex::new(Vec::new()),
            last_viewer_ip: Mutex::new(None),
            seq: AtomicU64::new(0),
            now_ms: AtomicU64::new(0),
            bytes_in: AtomicU64::new(0),
            bytes_out: AtomicU64::new(0),
            rate: AtomicU64::new(0),
            rate_mark: Mutex::new((now, 0)),
            source: Mutex::new(None),
            measured: Mutex::new(Default::default()),
            id: session_id(),
            last_data_ms: AtomicU64::new(u64::MAX),
            health: AtomicU8::new(Health::Ok as u8),
            failovers: AtomicU32::new(0),
        })
    }

    /// Notes bytes from the provider now (one relaxed store per read); a
    /// stalled source is well again.
    pub(crate) fn note_data(&self) {
        let ms = self.clock.elapsed().as_millis() as u64;
        self.last_data_ms.store(ms, Ordering::Relaxed);
        if self.health.load(Ordering::Relaxed) == Health::Stalled as u8 {
            self.set_health(Health::Ok);
        }
    }

    /// Sets how the source is doing.
    pub(crate) fn set_health(&self, health: Health) {
        self.health.store(health as u8, Ordering::Relaxed);
    }

    /// How the source is doing.
    pub(crate) fn health(&self) -> Health {
        match self.health.load(Ordering::Relaxed) {
            1 => Health::Stalled,
            2 => Health::FailingOver,
            _ => Health::Ok,
        }
    }

    /// Unix ms of the last bytes from the provider, if any came.
    pub(crate) fn last_data_unix_ms(&self) -> Option<u64> {
        let ms = self.last_data_ms.load(Ordering::Relaxed);
        if ms == u64::MAX {
            return None;
        }
        let at = self.started + std::time::Duration::from_millis(ms);
        at.duration_since(std::time::UNIX_EPOCH)
            .ok()
            .map(|d| d.as_millis() as u64)
    }

    /// The viewers watching now (not those let go), for `status`.
    pub(crate) fn viewer_views(&self) -> Vec<super::status::ViewerView> {
        let unix = |t: SystemTime| {
            t.duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        };
        lock(&self.leases)
            .iter()
            .filter(|l| !l.released())
            .map(|l| super::status::ViewerView {
                address: l.info.address.map(|a| a.to_string()),
                user_agent: l.info.user_agent.clone(),
                since: l.since.map_or(0, unix),
                bytes: l.bytes.load(Ordering::Relaxed),
            })
            .collect()
    }

    /// The address of the channel's one viewer, when exactly one watches;
    /// of its last viewer when none does (it stays for the idle grace).
    pub(crate) fn sole_viewer_ip(&self) -> Option<std::net::IpAddr> {
        let leases = lock(&self.leases);
        let mut live = leases.iter().filter(|l| !l.released());
        match (live.next(), live.next()) {
            (Some(one), None) => one.info.address.map(|a| a.ip()),
            (None, _) => *lock(&self.last_viewer_ip),
            _ => None,
        }
    }

    /// The account the channel plays from now, if it plays.
    pub(crate) fn source_account(&self) -> Option<String> {
        lock(&self.source)
            .as_ref()
            .map(|s| s.stream.account.name.clone())
    }

    /// Viewers holding the channel.
    pub fn viewer_count(&self) -> usize {
        *self.viewers.borrow()
    }

    /// Counts a new viewer. Called with the session map locked, so a hub
    /// about to close for idleness cannot gain one unseen.
    pub(crate) fn add_viewer(&self, info: ViewerInfo) -> Arc<Lease> {
        if let Some(address) = info.address {
            *lock(&self.last_viewer_ip) = Some(address.ip());
        }
        let lease = Arc::new(Lease {
            info,
            since: Some(SystemTime::now()),
            ..Lease::default()
        });
        lease
            .seq
            .store(self.seq.load(Ordering::Acquire), Ordering::Relaxed);
        lease
            .touched_ms
            .store(self.now_ms.load(Ordering::Relaxed), Ordering::Relaxed);
        lock(&self.leases).push(lease.clone());
        self.viewers.send_modify(|n| *n += 1);
        lease
    }

    /// When the newest viewer joined.
    pub(crate) fn last_join(&self) -> Option<SystemTime> {
        lock(&self.leases).iter().filter_map(|l| l.since).max()
    }

    /// Uncounts a viewer once, whoever calls first (the viewer leaving or the sweep).
    pub(crate) fn release(&self, lease: &Lease) -> bool {
        if lease.released.swap(true, Ordering::AcqRel) {
            return false;
        }
        self.viewers.send_modify(|n| *n = n.saturating_sub(1));
        true
    }

    /// The hub's coarse clock, updated by the pump (no syscall per viewer chunk).
    pub(crate) fn now_ms(&self) -> u64 {
        self.now_ms.load(Ordering::Relaxed)
    }

    fn tick_clock(&self) {
        let ms = self.clock.elapsed().as_millis() as u64;
        self.now_ms.store(ms, Ordering::Relaxed);
    }

    /// The sender the pump writes through, while the hub is open.
    pub(crate) fn sender(&self) -> Option<broadcast::Sender<Chunk>> {
        lock(&self.sender).clone()
    }

    /// A joining viewer's start: the clean-point prefix and a receiver that
    /// continues exactly where the prefix ends. `None` once the hub closed.
    pub(crate) fn subscribe(&self) -> Option<(VecDeque<Bytes>, broadcast::Receiver<Chunk>)> {
        let recent = lock(&self.recent);
        let rx = lock(&self.sender).as_ref()?.subscribe();
        Some((recent.join_prefix(), rx))
    }

    /// Hands a viewer's socket to the pump, which writes to it from now on
    /// (see [`super::direct`]). The joiner comes back if the channel closed.
    pub(crate) fn join_direct(&self, joiner: Joiner) -> Result<(), Joiner> {
        match lock(&self.joiners).as_ref() {
            Some(tx) => tx.send(joiner).map_err(|e| e.0),
            None => Err(joiner),
        }
    }

    /// The pump's end of [`Hub::join_direct`] (taken once).
    pub(crate) fn take_joiners(&self) -> Option<mpsc::UnboundedReceiver<Joiner>> {
        lock(&self.joiners_rx).take()
    }

    /// A joiner's start, read by the pump (the only writer, so nothing can
    /// come between): the clean-point prefix and the sequence number of the
    /// last chunk it covers.
    pub(crate) fn join_prefix(&self) -> (VecDeque<Bytes>, u64) {
        let recent = lock(&self.recent);
        (recent.join_prefix(), self.seq.load(Ordering::Acquire))
    }

    /// Hands whole packets to every viewer (the byte path): those the pump
    /// writes to itself, then those reading the broadcast ring. With `hold`
    /// (more packets follow at once) the pump's own viewers are written with
    /// the next delivery, in one `writev`.
    pub(crate) fn deliver(
        &self,
        sender: &broadcast::Sender<Chunk>,
        direct: &mut DirectViewers,
        packets: Bytes,
        tracker: &mut streamforge_ts::Tracker,
        hold: bool,
    ) {
        self.tick_clock();
        self.bytes_in
            .fetch_add(packets.len() as u64, Ordering::Relaxed);
        let mut rest = packets;
        while !rest.is_empty() {
            let take = rest.len().min(MAX_CHUNK);
            let data = rest.split_to(take);
            let keyframe = tracker.observe(&data);
            // A viewer starting at the keyframe gets these copies first; their
            // counters are set so the PAT/PMT that follow in the stream do not jump.
            let psi = keyframe.and_then(|at| {
                let copies = tracker.psi()?;
                Some(streamforge_ts::fit_copies(&copies, &data[at..], |pid| {
                    tracker.counter(pid)
                }))
            });
            let seq = self.seq.fetch_add(1, Ordering::AcqRel) + 1;
            let mut recent = lock(&self.recent);
            if let Some(psi) = &psi {
                recent.set_psi(psi.clone());
            }
            recent.push(&data, keyframe);
            drop(recent);
            let chunk = Chunk {
                data,
                keyframe: keyframe.map(|k| k as u32),
                psi,
                seq,
            };
            direct.send(&chunk, hold || !rest.is_empty());
            if sender.receiver_count() > 0 {
                let _ = sender.send(chunk);
            }
        }
    }

    /// Sends viewers one TS null packet (PID 0x1FFF, part of no PID's
    /// continuity), so a player with a short read timeout stays while a
    /// silent source is detected and replaced (the pump calls it when viewers
    /// got nothing for [`super::config::KEEPALIVE`]).
    pub(crate) fn keepalive(&self, sender: &broadcast::Sender<Chunk>, direct: &mut DirectViewers) {
        let seq = self.seq.fetch_add(1, Ordering::AcqRel) + 1;
        let chunk = Chunk {
            data: null_packet(),
            keyframe: None,
            psi: None,
            seq,
        };
        direct.send(&chunk, false);
        let _ = sender.send(chunk);
    }

    /// Once a second: lets go of viewers that are behind and made no progress
    /// for `stuck_after`, and updates the rate. Returns how many were let go.
    pub(crate) fn sweep(&self, stuck_after: std::time::Duration) -> usize {
        self.tick_clock();
        let now = self.now_ms();
        let latest = self.seq.load(Ordering::Acquire);
        let mut dropped = 0;
        let mut leases = lock(&self.leases);
        leases.retain(|lease| {
            if lease.released() {
                return false;
            }
            let behind = lease.seq.load(Ordering::Relaxed) < latest;
            let idle = now.saturating_sub(lease.touched_ms.load(Ordering::Relaxed));
            if behind && idle > stuck_after.as_millis() as u64 && self.release(lease) {
                dropped += 1;
                return false;
            }
            true
        });
        drop(leases);
        let mut mark = lock(&self.rate_mark);
        let bytes = self.bytes_in.load(Ordering::Relaxed);
        let secs = mark.0.elapsed().as_secs_f64();
        if secs >= 0.5 {
            let rate = (bytes.saturating_sub(mark.1)) as f64 / secs;
            self.rate.store(rate as u64, Ordering::Relaxed);
            *mark = (Instant::now(), bytes);
        }
        dropped
    }

    /// Ends the fan-out: no new viewer can join and, once the pump's sender
    /// is gone too, every viewer's body ends after what it already has.
    pub(crate) fn close(&self) {
        lock(&self.sender).take();
        lock(&self.joiners).take();
        let _ = self.stop.send(true);
    }

    /// Records the source in use.
    pub(crate) fn set_source(&self, stream: Arc<RouteStream>) {
        *lock(&self.source) = Some(Source {
            stream,
            since: SystemTime::now(),
        });
    }

    /// The stream in use, if one plays.
    pub(crate) fn source_stream(&self) -> Option<Arc<RouteStream>> {
        lock(&self.source).as_ref().map(|s| s.stream.clone())
    }

    /// Records what the output measured to be.
    pub(crate) fn set_measured(&self, measured: super::Measured) {
        *lock(&self.measured) = measured;
    }

    /// What the output measured to be so far.
    pub(crate) fn measured(&self) -> super::Measured {
        lock(&self.measured).clone()
    }

    /// Bytes held for joiners.
    pub(crate) fn buffered(&self) -> usize {
        lock(&self.recent).bytes()
    }
}

/// One TS null packet: PID 0x1FFF, payload only, counter 0, stuffing bytes.
fn null_packet() -> Bytes {
    static NULL: std::sync::OnceLock<Bytes> = std::sync::OnceLock::new();
    NULL.get_or_init(|| {
        let mut p = vec![0xFFu8; streamforge_ts::PACKET_SIZE];
        p[..4].copy_from_slice(&[streamforge_ts::SYNC_BYTE, 0x1F, 0xFF, 0x10]);
        Bytes::from(p)
    })
    .clone()
}
