//! A misbehaving plugin becomes a clean error and an event, within a bounded
//! time, and the very next call works.

use crate::common;

use std::time::{Duration, Instant};
use streamforge::model::{ProviderChannel, Quality};
use streamforge::plugins::{BulkBudget, CallError, CallLimits, Limits};

fn limits() -> Limits {
    Limits {
        quick: CallLimits {
            deadline: Duration::from_millis(200),
            memory: 32 << 20,
            answer: 8 << 20,
        },
        bulk: BulkBudget {
            base: CallLimits {
                deadline: Duration::from_millis(500),
                memory: 64 << 20,
                answer: 64 << 20,
            },
            ..BulkBudget::DEFAULT
        },
    }
}

fn hostile() -> (
    tempfile::TempDir,
    streamforge::plugins::PluginRegistry,
    std::sync::Arc<streamforge::events::EventLog>,
) {
    let dir = common::data_dir();
    let (registry, events) = common::registry(&dir, limits());
    registry
        .install_file(&common::fixture("streamforge-fixture-hostile"), None)
        .unwrap();
    (dir, registry, events)
}

/// Runs `parse-name(input)` on the hostile plugin, checks the next call works.
fn provoke(input: &str) -> (CallError, Duration) {
    let (_dir, registry, events) = hostile();
    let plugin = registry.get("hostile").unwrap();
    let provider = plugin.provider().unwrap();
    let start = Instant::now();
    let err = provider.parse_name(input).unwrap_err();
    let took = start.elapsed();
    assert!(
        events
            .snapshot()
            .iter()
            .any(|e| e.kind == err.kind() && e.plugin.as_deref() == Some("hostile")),
        "no event for {err}"
    );
    assert_eq!(
        provider.parse_name("BBC One").unwrap().base_name,
        "BBC One",
        "next call after {input}"
    );
    (err, took)
}

#[test]
fn endless_loop_times_out_quickly() {
    let (err, took) = provoke("loop");
    assert!(
        matches!(
            err,
            CallError::Timeout {
                call: "parse-name",
                ..
            }
        ),
        "{err}"
    );
    assert!(took < Duration::from_secs(3), "took {took:?}");
    assert!(err.to_string().contains("200ms limit"), "{err}");
}

#[test]
fn memory_bomb_hits_the_cap() {
    let (err, took) = provoke("bomb");
    assert!(matches!(err, CallError::OutOfMemory { .. }), "{err}");
    assert!(err.to_string().contains("32 MiB"), "{err}");
    assert!(took < Duration::from_secs(3), "took {took:?}");
}

#[test]
fn panic_is_a_trap_with_its_message() {
    let (err, _) = provoke("trap");
    assert!(matches!(err, CallError::Trap { .. }), "{err}");
    assert!(err.to_string().contains("panicked on purpose"), "{err}");
}

#[test]
fn stack_overflow_is_a_trap() {
    let (err, _) = provoke("stack");
    assert!(matches!(err, CallError::Trap { .. }), "{err}");
}

#[test]
fn huge_output_is_stopped() {
    // A 40 MB name cannot even be built inside a 32 MiB sandbox.
    let (err, _) = provoke("huge");
    assert!(matches!(err, CallError::OutOfMemory { .. }), "{err}");
}

#[test]
fn too_many_candidates_are_refused() {
    let (_dir, registry, events) = hostile();
    let plugin = registry.get("hostile").unwrap();
    let channel = ProviderChannel {
        key: "1".into(),
        name: "x".into(),
        base_name: "x".into(),
        quality: Quality::Hd,
        tags: vec![],
        group: None,
        logo: None,
        guide_id: None,
        number: None,
        extra: vec![],
    };
    let err = plugin
        .provider()
        .unwrap()
        .stream_candidates(&channel, &[])
        .unwrap_err();
    assert!(matches!(err, CallError::OutputTooLarge { .. }), "{err}");
    assert!(err.to_string().contains("100000 candidates"), "{err}");
    assert!(events
        .snapshot()
        .iter()
        .any(|e| e.kind == "plugin-output-too-large"));
}

#[test]
fn bulk_calls_have_their_own_deadline() {
    let (_dir, registry, _events) = hostile();
    let plugin = registry.get("hostile").unwrap();
    let start = Instant::now();
    let err = plugin
        .provider()
        .unwrap()
        .parse_catalog(Vec::new())
        .unwrap_err();
    assert!(
        matches!(
            err,
            CallError::Timeout {
                call: "parse-catalog",
                ..
            }
        ),
        "{err}"
    );
    assert!(
        start.elapsed() >= Duration::from_millis(450) && start.elapsed() < Duration::from_secs(5)
    );
}

#[test]
fn sandbox_grants_no_files_env_args_or_clock() {
    let (_dir, registry, _events) = hostile();
    let plugin = registry.get("hostile").unwrap();
    std::env::set_var("STREAMFORGE_TEST_SECRET", "hunter2");
    let seen = plugin
        .provider()
        .unwrap()
        .parse_name("snoop")
        .unwrap()
        .base_name;
    assert!(seen.starts_with("file=denied("), "{seen}");
    assert!(seen.contains(";dir=denied("), "{seen}");
    assert!(seen.ends_with(";env=0;args=0;clock=0"), "{seen}");
}

#[test]
fn many_threads_share_one_plugin() {
    let (_dir, registry, _events) = hostile();
    let plugin = registry.get("hostile").unwrap();
    std::thread::scope(|s| {
        for t in 0..4 {
            let plugin = plugin.clone();
            s.spawn(move || {
                let provider = plugin.provider().unwrap();
                for i in 0..25 {
                    let name = format!("ch {t} {i}");
                    if i % 5 == 0 {
                        assert!(provider.parse_name("trap").is_err());
                    }
                    assert_eq!(provider.parse_name(&name).unwrap().base_name, name);
                }
            });
        }
    });
}
