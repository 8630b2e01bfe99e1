//! Running one bounded call in a fresh sandbox and naming what went wrong.

use super::error::CallError;
use super::sandbox::{CallLimits, Sandbox};
use crate::events::{Event, EventLog};
use wasmtime::{Store, Trap};

/// Runs `f` (instantiate + call) in a fresh store under `limits`; a trap,
/// timeout, exhausted memory or an answer over its size becomes a
/// [`CallError`] and an event. The store, and with it the plugin's linear
/// memory, is gone before the answer is handed on.
pub(crate) fn bounded<R>(
    plugin: &str,
    call: &'static str,
    limits: CallLimits,
    events: &EventLog,
    f: impl FnOnce(&mut Store<Sandbox>) -> wasmtime::Result<R>,
) -> Result<R, CallError> {
    let _clock = super::engine::running();
    let started = std::time::Instant::now();
    let mut store = Sandbox::store(limits);
    match f(&mut store) {
        Ok(value) => {
            let grew_to = store.data().cap.peak;
            drop(store);
            tracing::debug!(
                plugin,
                call,
                ms = started.elapsed().as_millis() as u64,
                memory_mib = grew_to >> 20,
                limit_mib = limits.memory >> 20,
                "plugin call done"
            );
            Ok(value)
        }
        Err(err) => {
            let error = classify(plugin, call, limits, &store, &err);
            events.record(Event::new(error.kind(), error.to_string()).plugin(plugin));
            Err(error)
        }
    }
}

/// What wasmtime (48) says when an answer spends more than the hostcall fuel
/// ([`CallLimits::answer`]). Its error type is private, so it is told by its
/// text; `an_answer_over_its_limit_is_named_as_such` fails if that changes.
const ANSWER_OVER_FUEL: &str = "fuel allocated for hostcalls has been exhausted";

fn classify(
    plugin: &str,
    call: &'static str,
    limits: CallLimits,
    store: &Store<Sandbox>,
    err: &wasmtime::Error,
) -> CallError {
    let plugin = plugin.to_string();
    if store.data().cap.hit {
        return CallError::OutOfMemory {
            plugin,
            call,
            limit: limits.memory,
        };
    }
    if err
        .chain()
        .any(|cause| cause.to_string().contains(ANSWER_OVER_FUEL))
    {
        return CallError::OutputTooLarge {
            plugin,
            call,
            detail: format!(
                "an answer larger than its {} MiB limit",
                limits.answer >> 20
            ),
        };
    }
    match err.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => CallError::Timeout {
            plugin,
            call,
            limit: limits.deadline,
        },
        Some(trap) => {
            let detail = store
                .data()
                .last_stderr_line()
                .unwrap_or_else(|| trap.to_string());
            CallError::Trap {
                plugin,
                call,
                detail,
            }
        }
        None => CallError::Trap {
            plugin,
            call,
            detail: first_line(&format!("{err:#}")),
        },
    }
}

fn first_line(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(300)
        .collect()
}

/// Checks a plugin's answer against a size bound, naming the call on failure.
pub(crate) fn check_size(
    plugin: &str,
    call: &'static str,
    what: &str,
    actual: usize,
    max: usize,
    events: &EventLog,
) -> Result<(), CallError> {
    if actual <= max {
        return Ok(());
    }
    let error = CallError::OutputTooLarge {
        plugin: plugin.to_string(),
        call,
        detail: format!("{actual} {what}, at most {max} allowed"),
    };
    events.record(Event::new(error.kind(), error.to_string()).plugin(plugin));
    Err(error)
}
