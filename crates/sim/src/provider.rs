//! The handle a test (or `streamforge demo`) holds: starts the simulator on
//! loopback, switches faults, reads the request log and connection counts,
//! and stops everything when dropped.

use super::config::SimConfig;
use super::faults::{Endpoint, Fault};
use super::server::prepare;
use super::shutdown::ShutdownTrigger;
use super::state::{SimRequest, SimState};
use std::io;
use std::sync::Arc;
use std::thread::JoinHandle;

/// A running simulated Xtream Codes panel on `127.0.0.1`. Dropping it stops
/// the server and closes every connection it holds.
#[derive(Debug)]
pub struct SimProvider {
    pub(crate) state: SimState,
    pub(crate) stop: ShutdownTrigger,
    pub(crate) thread: Option<JoinHandle<()>>,
}

impl SimProvider {
    /// Starts serving on the current tokio runtime.
    ///
    /// # Panics
    /// When no loopback port can be bound (see [`SimProvider::try_start`]).
    pub async fn start(config: SimConfig) -> SimProvider {
        Self::try_start(config)
            .await
            .expect("simulated provider: bind 127.0.0.1:0")
    }

    /// Like [`SimProvider::start`], returning bind errors instead of panicking.
    pub async fn try_start(config: SimConfig) -> io::Result<SimProvider> {
        let (provider, serve) = prepare(config)?;
        tokio::spawn(serve);
        Ok(provider)
    }

    /// Starts serving on a runtime of its own, in a dedicated thread, for
    /// synchronous callers such as CLI tests. Dropping the handle stops and
    /// joins that thread.
    ///
    /// # Panics
    /// When no loopback port can be bound or the runtime cannot be built.
    pub fn start_blocking(config: SimConfig) -> SimProvider {
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("sim-provider".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("simulated provider: tokio runtime");
                runtime.block_on(async move {
                    match prepare(config) {
                        Ok((provider, serve)) => {
                            let _ = tx.send(Ok(provider));
                            serve.await;
                        }
                        Err(e) => {
                            let _ = tx.send(Err(e));
                        }
                    }
                });
            })
            .expect("simulated provider: spawn thread");
        let mut provider = rx
            .recv()
            .expect("simulated provider: thread died while starting")
            .expect("simulated provider: bind 127.0.0.1:0");
        provider.thread = Some(thread);
        provider
    }

    /// `http://127.0.0.1:PORT`, the panel's server URL.
    pub fn base_url(&self) -> &str {
        &self.state.base_url
    }

    /// The bound loopback port.
    pub fn port(&self) -> u16 {
        self.state.port
    }

    /// Port of the simulated load balancer that stream redirects point to
    /// (`SimConfig::stream_redirect`); it listens from start to stop.
    pub fn lb_port(&self) -> u16 {
        self.state.lb_port
    }

    /// `http://127.0.0.1:PORT/live/USER/PASS/ID.ts`, the usual stream URL.
    pub fn stream_url(&self, stream_id: u32) -> String {
        let c = self.state.config();
        format!(
            "{}/live/{}/{}/{stream_id}.ts",
            self.base_url(),
            url_segment(&c.username),
            url_segment(&c.password)
        )
    }

    /// The guide URL with the account's credentials, as a user would paste it.
    pub fn xmltv_url(&self) -> String {
        let c = self.state.config();
        with_credentials(&format!("{}/xmltv.php", self.base_url()), &c)
    }

    /// The `m3u_plus` playlist URL with the account's credentials.
    pub fn playlist_url(&self) -> String {
        let c = self.state.config();
        let url = with_credentials(&format!("{}/get.php", self.base_url()), &c);
        format!("{url}&type=m3u_plus&output=ts")
    }

    /// Snapshot of the config in force.
    pub fn config(&self) -> Arc<SimConfig> {
        self.state.config()
    }

    /// Edits the config in force (credentials, status, catalogue, ...); later
    /// requests see the change, e.g. to test a re-sync against a new catalogue.
    pub fn update_config(&self, edit: impl FnOnce(&mut SimConfig)) {
        self.state.update_config(edit);
    }

    /// Sets the fault of one endpoint; it wins over [`SimProvider::set_fault_everywhere`].
    pub fn set_fault(&self, endpoint: Endpoint, fault: Fault) {
        self.state.with_faults(|t| t.set(endpoint, fault));
    }

    /// Sets the fault of every endpoint without a fault of its own.
    pub fn set_fault_everywhere(&self, fault: Fault) {
        self.state.with_faults(|t| t.set_global(fault));
    }

    /// Back to healthy on every endpoint.
    pub fn clear_faults(&self) {
        self.state.with_faults(|t| t.clear());
    }

    /// Requests received so far (the last 10 000), oldest first.
    pub fn request_log(&self) -> Vec<SimRequest> {
        self.state.requests()
    }

    /// Empties the request log.
    pub fn clear_request_log(&self) {
        self.state.clear_requests();
    }

    /// TCP connections currently open to the simulator.
    pub fn open_connections(&self) -> usize {
        self.state.conns.open()
    }

    /// TCP connections accepted since start.
    pub fn connections_accepted(&self) -> u64 {
        self.state.conns.accepted()
    }

    /// Live stream bodies currently being served (panel and load balancer).
    pub fn open_streams(&self) -> usize {
        self.state.streams.count()
    }

    /// Live stream bodies started since start.
    pub fn stream_connections_total(&self) -> u64 {
        self.state.streams.started()
    }

    /// Live stream bytes handed to connections since start.
    pub fn stream_bytes_sent(&self) -> u64 {
        self.state.streams.bytes_sent()
    }
}

impl Drop for SimProvider {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A credential as one URL path segment, percent-encoded.
fn url_segment(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// `url?username=U&password=P`, percent-encoded.
fn with_credentials(url: &str, config: &SimConfig) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("username", &config.username)
        .append_pair("password", &config.password)
        .finish();
    format!("{url}?{query}")
}
