//! State shared between the handle and the request handlers: the config in
//! force, the faults, the request log, the connection counters, the open
//! streams and the load balancer's tokens.

use super::config::SimConfig;
use super::faults::{Endpoint, Fault, FaultTable};
use super::listener::ConnStats;
use super::open_streams::OpenStreams;
use super::shutdown::Shutdown;
use super::tokens::Tokens;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

/// How many requests the log keeps; older ones fall off.
const LOG_CAPACITY: usize = 10_000;

/// One request the simulator received, for tests to assert on what the host
/// asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimRequest {
    /// HTTP method, e.g. `GET`.
    pub method: String,
    /// Path, e.g. `/player_api.php`.
    pub path: String,
    /// Raw query string without `?` (empty when absent). Contains the
    /// credentials the client sent.
    pub query: String,
}

/// Shared simulator state; handlers see it as `State<SimState>`.
#[derive(Debug)]
pub(crate) struct SimShared {
    config: RwLock<Arc<SimConfig>>,
    faults: Mutex<FaultTable>,
    /// Bumped on every fault change, so streams re-read faults only then.
    fault_generation: AtomicU64,
    log: Mutex<VecDeque<SimRequest>>,
    /// Open/accepted connection counters.
    pub(crate) conns: Arc<ConnStats>,
    /// Stop signal, for bodies that hang on purpose.
    pub(crate) shutdown: Shutdown,
    /// `http://127.0.0.1:PORT`.
    pub(crate) base_url: String,
    /// The bound port.
    pub(crate) port: u16,
    /// The load balancer's port (stream redirects go there).
    pub(crate) lb_port: u16,
    /// Stream bodies in flight and stream counters.
    pub(crate) streams: Arc<OpenStreams>,
    /// Load-balancer tokens handed out in redirects.
    pub(crate) tokens: Tokens,
}

/// Handle to the shared state, cloned into every handler.
pub(crate) type SimState = Arc<SimShared>;

impl SimShared {
    /// Fresh state for a simulator bound to `port` (panel) and `lb_port`
    /// (load balancer).
    pub(crate) fn new(config: SimConfig, port: u16, lb_port: u16, shutdown: Shutdown) -> Self {
        SimShared {
            config: RwLock::new(Arc::new(config)),
            faults: Mutex::new(FaultTable::default()),
            fault_generation: AtomicU64::new(0),
            log: Mutex::new(VecDeque::new()),
            conns: Arc::new(ConnStats::default()),
            shutdown,
            base_url: format!("http://127.0.0.1:{port}"),
            port,
            lb_port,
            streams: Arc::default(),
            tokens: Tokens::default(),
        }
    }

    /// Snapshot of the config in force.
    pub(crate) fn config(&self) -> Arc<SimConfig> {
        self.config
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Replaces the config by an edited copy.
    pub(crate) fn update_config(&self, edit: impl FnOnce(&mut SimConfig)) {
        let mut guard = self.config.write().unwrap_or_else(PoisonError::into_inner);
        let mut next = SimConfig::clone(&guard);
        edit(&mut next);
        *guard = Arc::new(next);
    }

    /// Runs `f` on the fault table (and counts it as a change).
    pub(crate) fn with_faults<T>(&self, f: impl FnOnce(&mut FaultTable) -> T) -> T {
        let mut table = self.faults.lock().unwrap_or_else(PoisonError::into_inner);
        let out = f(&mut table);
        self.fault_generation.fetch_add(1, Ordering::SeqCst);
        out
    }

    /// Fault in force for `endpoint`.
    pub(crate) fn fault(&self, endpoint: Endpoint) -> Fault {
        let table = self.faults.lock().unwrap_or_else(PoisonError::into_inner);
        table.lookup(endpoint)
    }

    /// Fault in force for live stream `stream_id`.
    pub(crate) fn stream_fault(&self, stream_id: u32) -> Fault {
        let table = self.faults.lock().unwrap_or_else(PoisonError::into_inner);
        table.lookup_stream(stream_id)
    }

    /// Changes whenever faults may have changed: a stream compares it every
    /// slice (one atomic load) and re-reads its fault only when it moved.
    pub(crate) fn fault_generation(&self) -> u64 {
        self.fault_generation.load(Ordering::SeqCst)
    }

    /// Appends a request to the bounded log.
    pub(crate) fn record(&self, request: SimRequest) {
        let mut log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        if log.len() == LOG_CAPACITY {
            log.pop_front();
        }
        log.push_back(request);
    }

    /// Copy of the request log, oldest first.
    pub(crate) fn requests(&self) -> Vec<SimRequest> {
        let log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        log.iter().cloned().collect()
    }

    /// Empties the request log.
    pub(crate) fn clear_requests(&self) {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}
