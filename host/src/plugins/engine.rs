//! The one wasmtime engine of the process and its epoch clock.
//!
//! Every plugin call gets a deadline counted in epoch ticks; a background
//! thread advances the epoch so a runaway plugin traps instead of hanging.
//! The thread ticks only while a call runs ([`running`]) and sleeps
//! otherwise, so an idle or streaming server spends no CPU on it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::thread::Thread;
use std::time::Duration;
use wasmtime::{Config, Engine};

/// Plugin calls running now.
static ACTIVE: AtomicUsize = AtomicUsize::new(0);
/// The epoch thread, to wake when a call starts.
static TICKER: OnceLock<Thread> = OnceLock::new();

/// Keeps the epoch clock ticking while held; hold it for a whole call.
pub struct Running(());

/// Starts the epoch clock for a call (it stops when no call holds it).
pub fn running() -> Running {
    engine();
    if ACTIVE.fetch_add(1, Ordering::SeqCst) == 0 {
        if let Some(ticker) = TICKER.get() {
            ticker.unpark();
        }
    }
    Running(())
}

impl Drop for Running {
    fn drop(&mut self) {
        ACTIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

/// How often the epoch advances; deadlines are rounded up to this.
pub const TICK: Duration = Duration::from_millis(2);

/// The process-wide engine, built once with epoch interruption on.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut config = Config::new();
        config.wasm_component_model(true);
        config.epoch_interruption(true);
        config.max_wasm_stack(1 << 20);
        let engine = Engine::new(&config).expect("the wasmtime configuration is valid");
        let ticker = engine.weak();
        let thread = std::thread::Builder::new()
            .name("plugin-epoch".into())
            .spawn(move || {
                while let Some(engine) = ticker.upgrade() {
                    if ACTIVE.load(Ordering::SeqCst) == 0 {
                        drop(engine);
                        // Woken by `running`; the timeout only bounds a missed wake-up.
                        std::thread::park_timeout(Duration::from_secs(1));
                        continue;
                    }
                    engine.increment_epoch();
                    drop(engine);
                    std::thread::sleep(TICK);
                }
            })
            .expect("spawning the epoch thread");
        let _ = TICKER.set(thread.thread().clone());
        engine
    })
}

/// Deadline in epoch ticks for a call allowed to run `limit`.
pub fn ticks_for(limit: Duration) -> u64 {
    (limit.as_micros() / TICK.as_micros()).max(1) as u64 + 1
}

/// A stable text key for precompiled artifacts made by this engine.
pub fn compatibility_key() -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    engine().precompile_compatibility_hash().hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}
