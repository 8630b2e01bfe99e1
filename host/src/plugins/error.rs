//! Errors of the plugin runtime, worded for the person reading them.

use std::time::Duration;

/// Why a plugin could not be installed or loaded.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("not a WebAssembly file (it does not start with the `\\0asm` magic)")]
    NotWasm,
    #[error(
        "a core WebAssembly module, not a component: build it for `wasm32-wasip2` \
         (cargo build --target wasm32-wasip2) or wrap it with `wasm-tools component new`"
    )]
    CoreModule,
    #[error("not a valid WebAssembly component: {0}")]
    Invalid(String),
    #[error("not a StreamForge plugin: {0}")]
    WrongWorld(String),
    #[error(
        "built for plugin contract streamforge:plugin@{found}, but this StreamForge runs \
         {supported}; rebuild the plugin against wit/v{latest} or upgrade StreamForge"
    )]
    WrongVersion {
        found: String,
        supported: String,
        latest: String,
    },
    #[error(
        "it imports `{0}`, a capability StreamForge does not grant to plugins \
         (plugins get no network, files or environment)"
    )]
    Capability(String),
    #[error("its name {0:?} is not usable: use 1-64 characters of a-z, 0-9, `-` or `_`")]
    BadName(String),
    #[error("a plugin named `{0}` is already installed; remove it first (`streamforge plugin remove {0}`)")]
    AlreadyInstalled(String),
    #[error("checksum mismatch: expected sha256 {expected}, the file has {actual}")]
    Checksum { expected: String, actual: String },
    #[error("it failed its first call: {0}")]
    Call(#[from] CallError),
}

impl InstallError {
    /// A plugin built for contract `found`, which this host does not run.
    pub fn wrong_version(found: &str) -> Self {
        let supported: Vec<String> = super::bindings::SUPPORTED
            .iter()
            .map(|v| format!("@{v}"))
            .collect();
        InstallError::WrongVersion {
            found: if found.is_empty() {
                "(no version)".into()
            } else {
                found.into()
            },
            supported: supported.join(", "),
            latest: super::bindings::LATEST.into(),
        }
    }
}

/// Why a call into a plugin failed. The host keeps serving either way.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("plugin `{plugin}` ran past its {}ms limit in `{call}` and was stopped", limit.as_millis())]
    Timeout {
        plugin: String,
        call: &'static str,
        limit: Duration,
    },
    #[error("plugin `{plugin}` hit its {} MiB memory limit in `{call}` and was stopped", limit >> 20)]
    OutOfMemory {
        plugin: String,
        call: &'static str,
        limit: usize,
    },
    #[error("plugin `{plugin}` crashed in `{call}`: {detail}")]
    Trap {
        plugin: String,
        call: &'static str,
        detail: String,
    },
    #[error("plugin `{plugin}` answered `{call}` with too much: {detail}")]
    OutputTooLarge {
        plugin: String,
        call: &'static str,
        detail: String,
    },
    #[error("plugin `{plugin}` could not be started: {detail}")]
    Instantiate { plugin: String, detail: String },
}

impl CallError {
    /// Short machine-readable kind for events and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            CallError::Timeout { .. } => "plugin-timeout",
            CallError::OutOfMemory { .. } => "plugin-out-of-memory",
            CallError::Trap { .. } => "plugin-trap",
            CallError::OutputTooLarge { .. } => "plugin-output-too-large",
            CallError::Instantiate { .. } => "plugin-instantiate",
        }
    }
}
