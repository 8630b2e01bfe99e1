//! The per-call sandbox: an empty WASI context, a memory cap and a deadline.
//!
//! Plugins get no files (no preopens), no sockets, no environment, no
//! arguments and a frozen wall clock. Only the WASI interfaces that Rust's
//! `wasm32-wasip2` standard library links are defined at all; anything else a
//! component imports is refused at install (see `inspect`).

use std::time::Duration;
use wasmtime::component::{Linker, ResourceTable};
use wasmtime::{ResourceLimiter, Store};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

/// Bytes of a plugin's stderr kept for error messages (a panic message).
const STDERR_CAPACITY: usize = 16 * 1024;

/// How much a call may use. It exists so that no plugin, however broken or
/// hostile, can hold a thread, the host's memory or its own sandbox's
/// memory past what its call is worth.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CallLimits {
    /// Wall time before the call is interrupted.
    pub deadline: Duration,
    /// Linear memory the plugin may grow to, in bytes.
    pub memory: usize,
    /// Host memory the plugin's answer may take, in bytes: wasmtime's
    /// per-call hostcall fuel, spent while the answer is copied out of the
    /// sandbox (each string's bytes, each list's elements at their size on
    /// the host). It bounds what a plugin can make the host allocate, even
    /// with an answer that points at the same bytes over and over.
    pub answer: usize,
}

impl CallLimits {
    /// Small, frequent calls: names, stream candidates, info.
    pub const QUICK: CallLimits = CallLimits {
        deadline: Duration::from_millis(250),
        memory: 32 << 20,
        answer: 8 << 20,
    };
}

/// Memory cap that remembers whether it was hit, so a failed allocation
/// inside the plugin is reported as "out of memory" rather than a bare trap,
/// and how far the plugin's memory grew (logged, to size the limits by).
pub struct MemoryCap {
    max: usize,
    pub(crate) hit: bool,
    pub(crate) peak: usize,
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.max {
            self.hit = true;
            return Ok(false);
        }
        self.peak = self.peak.max(desired);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 1_000_000)
    }
}

/// What a store holds for one plugin call.
pub struct Sandbox {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) cap: MemoryCap,
    stderr: MemoryOutputPipe,
}

impl WasiView for Sandbox {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl Sandbox {
    /// A store for one call under `limits`, with nothing granted.
    pub fn store(limits: CallLimits) -> Store<Sandbox> {
        let stderr = MemoryOutputPipe::new(STDERR_CAPACITY);
        let wasi = WasiCtx::builder()
            .stderr(stderr.clone())
            .wall_clock(FrozenClock)
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .build();
        let sandbox = Sandbox {
            wasi,
            table: ResourceTable::new(),
            cap: MemoryCap {
                max: limits.memory,
                hit: false,
                peak: 0,
            },
            stderr,
        };
        let mut store = Store::new(super::engine::engine(), sandbox);
        store.limiter(|s| &mut s.cap);
        store.set_hostcall_fuel(limits.answer);
        store.set_epoch_deadline(super::engine::ticks_for(limits.deadline));
        store.epoch_deadline_trap();
        store
    }

    /// The last line the plugin wrote to stderr (a Rust panic message), if any.
    pub fn last_stderr_line(&self) -> Option<String> {
        let bytes = self.stderr.contents();
        let text = String::from_utf8_lossy(&bytes);
        text.lines()
            .rev()
            .find(|l| !l.trim().is_empty() && !l.contains("RUST_BACKTRACE"))
            .map(|l| l.trim().chars().take(300).collect())
    }
}

/// The wall clock plugins see: always the Unix epoch, so time cannot leak
/// information or drive behaviour.
struct FrozenClock;

impl wasmtime_wasi::HostWallClock for FrozenClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }
    fn now(&self) -> Duration {
        Duration::ZERO
    }
}

/// The linker every plugin is instantiated with: the WASI interfaces Rust's
/// std links (cli, io, clocks, random, filesystem types), backed by the empty
/// context above. No sockets, no HTTP: a component importing them cannot be
/// instantiated, and `inspect` refuses it at install with a clear message.
pub fn linker() -> wasmtime::Result<Linker<Sandbox>> {
    use wasmtime_wasi::cli::{WasiCli, WasiCliView as _};
    use wasmtime_wasi::clocks::{WasiClocks, WasiClocksView as _};
    use wasmtime_wasi::filesystem::{WasiFilesystem, WasiFilesystemView as _};
    use wasmtime_wasi::p2::bindings::{cli, clocks, filesystem, random, sync};
    use wasmtime_wasi::random::WasiRandom;

    let mut linker = Linker::new(super::engine::engine());
    let l = &mut linker;
    wasmtime_wasi_io::bindings::wasi::io::error::add_to_linker::<_, IoTable>(
        l,
        |t: &mut Sandbox| &mut t.table,
    )?;
    sync::io::poll::add_to_linker::<_, IoTable>(l, |t: &mut Sandbox| &mut t.table)?;
    sync::io::streams::add_to_linker::<_, IoTable>(l, |t: &mut Sandbox| &mut t.table)?;
    clocks::wall_clock::add_to_linker::<_, WasiClocks>(l, Sandbox::clocks)?;
    clocks::monotonic_clock::add_to_linker::<_, WasiClocks>(l, Sandbox::clocks)?;
    random::random::add_to_linker::<_, WasiRandom>(l, |t| t.wasi.random())?;
    random::insecure::add_to_linker::<_, WasiRandom>(l, |t| t.wasi.random())?;
    random::insecure_seed::add_to_linker::<_, WasiRandom>(l, |t| t.wasi.random())?;
    cli::exit::add_to_linker::<_, WasiCli>(l, Sandbox::cli)?;
    cli::environment::add_to_linker::<_, WasiCli>(l, Sandbox::cli)?;
    cli::stdin::add_to_linker::<_, WasiCli>(l, Sandbox::cli)?;
    cli::stdout::add_to_linker::<_, WasiCli>(l, Sandbox::cli)?;
    cli::stderr::add_to_linker::<_, WasiCli>(l, Sandbox::cli)?;
    cli::terminal_input::add_to_linker::<_, WasiCli>(l, Sandbox::cli)?;
    cli::terminal_output::add_to_linker::<_, WasiCli>(l, Sandbox::cli)?;
    cli::terminal_stdin::add_to_linker::<_, WasiCli>(l, Sandbox::cli)?;
    cli::terminal_stdout::add_to_linker::<_, WasiCli>(l, Sandbox::cli)?;
    cli::terminal_stderr::add_to_linker::<_, WasiCli>(l, Sandbox::cli)?;
    filesystem::preopens::add_to_linker::<_, WasiFilesystem>(l, Sandbox::filesystem)?;
    sync::filesystem::types::add_to_linker::<_, WasiFilesystem>(l, Sandbox::filesystem)?;
    // The contract's `types` interface holds only types: an empty instance satisfies it.
    l.instance(&format!(
        "streamforge:plugin/types@{}",
        super::bindings::v0_1_0::VERSION
    ))?;
    Ok(linker)
}

/// Lets the WASI io interfaces reach the store's resource table.
struct IoTable;

impl wasmtime::component::HasData for IoTable {
    type Data<'a> = &'a mut ResourceTable;
}
