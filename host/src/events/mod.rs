//! What happened, for the user: a bounded log of events (syncs, failures,
//! plugin errors, tuner limits). Every event is also a `tracing` line.
//!
//! Events never carry secrets: callers pass templates and names, never
//! filled URLs or passwords.

use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// How many events are kept by default; older ones fall off.
pub const DEFAULT_CAPACITY: usize = 10_000;

/// One thing that happened.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Event {
    /// Unix time in milliseconds.
    pub time_ms: u64,
    /// Machine-readable kind, e.g. `plugin-timeout`, `sync-failed`.
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin: Option<String>,
    /// Human-readable detail.
    pub detail: String,
}

impl Event {
    /// An event of `kind` happening now.
    pub fn new(kind: &str, detail: impl Into<String>) -> Self {
        let time_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        Event {
            time_ms,
            kind: kind.to_string(),
            account: None,
            channel: None,
            plugin: None,
            detail: detail.into(),
        }
    }

    /// Names the plugin involved.
    pub fn plugin(mut self, name: &str) -> Self {
        self.plugin = Some(name.to_string());
        self
    }

    /// Names the account involved.
    pub fn account(mut self, name: &str) -> Self {
        self.account = Some(name.to_string());
        self
    }

    /// Names the channel involved.
    pub fn channel(mut self, id: &str) -> Self {
        self.channel = Some(id.to_string());
        self
    }
}

/// A bounded, in-memory ring of recent events, safe to share.
#[derive(Debug)]
pub struct EventLog {
    capacity: usize,
    ring: Mutex<VecDeque<Event>>,
}

impl Default for EventLog {
    fn default() -> Self {
        EventLog::new(DEFAULT_CAPACITY)
    }
}

impl EventLog {
    /// A log keeping at most `capacity` events.
    pub fn new(capacity: usize) -> Self {
        EventLog {
            capacity: capacity.max(1),
            ring: Mutex::new(VecDeque::new()),
        }
    }

    /// Keeps `event` (dropping the oldest when full) and logs it.
    pub fn record(&self, event: Event) {
        tracing::warn!("{}: {}", event.kind, event.detail);
        let mut ring = self.ring.lock().unwrap_or_else(|e| e.into_inner());
        if ring.len() == self.capacity {
            ring.pop_front();
        }
        ring.push_back(event);
    }

    /// The kept events, oldest first.
    pub fn snapshot(&self) -> Vec<Event> {
        let ring = self.ring.lock().unwrap_or_else(|e| e.into_inner());
        ring.iter().cloned().collect()
    }
}
