//! State shared between the handle and the request handlers: the config in
//! force, the faults, the request log and the connection counters.

use super::config::SimConfig;
use super::faults::{Endpoint, Fault, FaultTable};
use super::listener::ConnStats;
use super::shutdown::Shutdown;
use std::collections::VecDeque;
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
    log: Mutex<VecDeque<SimRequest>>,
    /// Open/accepted connection counters.
    pub(crate) conns: Arc<ConnStats>,
    /// Stop signal, for bodies that hang on purpose.
    pub(crate) shutdown: Shutdown,
    /// `http://127.0.0.1:PORT`.
    pub(crate) base_url: String,
    /// The bound port.
    pub(crate) port: u16,
}

/// Handle to the shared state, cloned into every handler.
pub(crate) type SimState = Arc<SimShared>;

impl SimShared {
    /// Fresh state for a simulator bound to `port`.
    pub(crate) fn new(config: SimConfig, port: u16, shutdown: Shutdown) -> Self {
        SimShared {
            config: RwLock::new(Arc::new(config)),
            faults: Mutex::new(FaultTable::default()),
            log: Mutex::new(VecDeque::new()),
            conns: Arc::new(ConnStats::default()),
            shutdown,
            base_url: format!("http://127.0.0.1:{port}"),
            port,
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

    /// Runs `f` on the fault table.
    pub(crate) fn with_faults<T>(&self, f: impl FnOnce(&mut FaultTable) -> T) -> T {
        f(&mut self.faults.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Fault in force for `endpoint`.
    pub(crate) fn fault(&self, endpoint: Endpoint) -> Fault {
        self.with_faults(|t| t.lookup(endpoint))
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
