//! Errors of the plugin runtime, worded for the person reading them.

use std::time::Duration;

/// Why a plugin could not be installed or loaded.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// The file does not start with the WebAssembly magic bytes.
    #[error("not a WebAssembly file (it does not start with the `\\0asm` magic)")]
    NotWasm,
    /// A plain core module: it must be a component (`wasm32-wasip2`).
    #[error(
        "a core WebAssembly module, not a component: build it for `wasm32-wasip2` \
         (cargo build --target wasm32-wasip2) or wrap it with `wasm-tools component new`"
    )]
    CoreModule,
    /// Wasmtime could not compile or link it; the text says why.
    #[error("not a valid WebAssembly component: {0}")]
    Invalid(String),
    /// Not a plugin of one world this host runs (it exports neither world,
    /// both, or not what its world needs); the text says what it found.
    #[error("not a StreamForge plugin: {0}")]
    WrongWorld(String),
    /// Built for a contract version this host does not run.
    #[error(
        "built for plugin contract streamforge:plugin@{found}, but this StreamForge runs \
         {supported}; rebuild the plugin against wit/v{latest} or upgrade StreamForge"
    )]
    WrongVersion {
        /// The contract version the plugin was built for, or "(no version)".
        found: String,
        /// The versions this host runs, as `@0.1.0, ...`.
        supported: String,
        /// The newest version this host runs: what to rebuild against.
        latest: String,
    },
    /// It imports something other than the contract's types and the few
    /// WASI interfaces allowed; names the first such import.
    #[error(
        "it imports `{0}`, a capability StreamForge does not grant to plugins \
         (plugins get no network, files or environment)"
    )]
    Capability(String),
    /// The name the plugin reports is not usable as a plugin name.
    #[error("its name {0:?} is not usable: use 1-64 characters of a-z, 0-9, `-` or `_`")]
    BadName(String),
    /// A user plugin of that name is installed (a built-in may be replaced).
    #[error("a plugin named `{0}` is already installed; remove it first (`streamforge plugin remove {0}`)")]
    AlreadyInstalled(String),
    /// The file is not the one `--sha256` asked for.
    #[error("checksum mismatch: expected sha256 {expected}, the file has {actual}")]
    Checksum {
        /// The sha256 the user gave, lower-case hex.
        expected: String,
        /// The file's own sha256, lower-case hex.
        actual: String,
    },
    /// Its `info` call, made before anything is stored, failed.
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
    /// The call ran past its deadline and was interrupted.
    #[error("plugin `{plugin}` ran past its {}ms limit in `{call}` and was stopped", limit.as_millis())]
    Timeout {
        /// The plugin's name.
        plugin: String,
        /// The contract function called (`parse-catalog`, ...).
        call: &'static str,
        /// The deadline it ran past.
        limit: Duration,
    },
    /// The plugin tried to grow its memory past its cap.
    #[error("plugin `{plugin}` hit its {} MiB memory limit in `{call}` and was stopped", limit >> 20)]
    OutOfMemory {
        /// The plugin's name.
        plugin: String,
        /// The contract function called (`parse-catalog`, ...).
        call: &'static str,
        /// The memory cap in bytes.
        limit: usize,
    },
    /// The plugin trapped (a panic, an invalid operation) or the call failed
    /// otherwise.
    #[error("plugin `{plugin}` crashed in `{call}`: {detail}")]
    Trap {
        /// The plugin's name.
        plugin: String,
        /// The contract function called (`parse-catalog`, ...).
        call: &'static str,
        /// The plugin's last line on stderr (its panic message), else the trap.
        detail: String,
    },
    /// The answer is over a bound on its size (channels, matches, bytes).
    #[error("plugin `{plugin}` answered `{call}` with too much: {detail}")]
    OutputTooLarge {
        /// The plugin's name.
        plugin: String,
        /// The contract function called (`parse-catalog`, ...).
        call: &'static str,
        /// How much it answered and how much is allowed.
        detail: String,
    },
    /// The call's input is larger than any bulk budget allows; the plugin
    /// was not called.
    #[error(
        "plugin `{plugin}` was not asked to `{call}`: its input ({}) is larger than it may handle ({} limit)",
        crate::text::size(*size as u64),
        crate::text::size(*limit as u64)
    )]
    InputTooLarge {
        /// The plugin's name.
        plugin: String,
        /// The contract function that was not called (`parse-catalog`, ...).
        call: &'static str,
        /// The input's size in bytes.
        size: usize,
        /// The largest input allowed, in bytes.
        limit: usize,
    },
    /// The plugin could not be instantiated for a call.
    #[error("plugin `{plugin}` could not be started: {detail}")]
    Instantiate {
        /// The plugin's name.
        plugin: String,
        /// Why, in one line.
        detail: String,
    },
}

impl CallError {
    /// Short machine-readable kind for events and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            CallError::Timeout { .. } => "plugin-timeout",
            CallError::OutOfMemory { .. } => "plugin-out-of-memory",
            CallError::Trap { .. } => "plugin-trap",
            CallError::OutputTooLarge { .. } => "plugin-output-too-large",
            CallError::InputTooLarge { .. } => "plugin-input-too-large",
            CallError::Instantiate { .. } => "plugin-instantiate",
        }
    }
}
