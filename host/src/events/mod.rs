//! What happened, for the user: a bounded log of events (syncs, failures,
//! plugin errors, mapping changes, tuner limits), kept in memory and, when
//! the store is open, in the database. Every event is also a `tracing` line.
//!
//! Recording never waits on the disk: the event goes into the in-memory ring
//! at once and through a bounded channel to one writer thread that stores it
//! (see [`writer`]); the relay records events from its byte path.
//!
//! Events never carry secrets: callers pass templates and names, never
//! filled URLs or passwords.

mod writer;

use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// How many events are kept by default; older ones fall off.
pub const DEFAULT_CAPACITY: usize = 10_000;

/// One thing that happened.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Event {
    /// Increasing number, for `events --follow`; set when recorded.
    #[serde(default)]
    pub id: u64,
    /// Unix time in milliseconds.
    pub time_ms: u64,
    /// Machine-readable kind, e.g. `plugin-timeout`, `sync-failed`.
    pub kind: String,
    /// The account involved, if any; `events --account` filters on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The guide channel (XMLTV id) involved, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// The plugin involved, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin: Option<String>,
    /// The relay session involved, if any (its id, as `status` shows it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
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
            id: 0,
            time_ms,
            kind: kind.to_string(),
            account: None,
            channel: None,
            plugin: None,
            session: None,
            detail: detail.into(),
        }
    }

    /// Whether this reports something going wrong (logged as a warning).
    pub fn is_failure(&self) -> bool {
        self.kind.ends_with("-failed")
            || matches!(
                self.kind.as_str(),
                "plugin-timeout"
                    | "tuner-limit"
                    | "account-limit-lowered"
                    | "viewer-dropped"
                    | "plugin-out-of-memory"
                    | "plugin-trap"
                    | "plugin-output-too-large"
                    | "plugin-input-too-large"
                    | "plugin-instantiate"
                    | "logos-refused"
            )
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

    /// Names the relay session involved.
    pub fn session(mut self, id: &str) -> Self {
        self.session = Some(id.to_string());
        self
    }
}

struct Ring {
    events: VecDeque<Event>,
    next_id: u64,
}

/// A bounded ring of recent events, safe to share; persisted when built
/// with [`EventLog::persistent`].
pub struct EventLog {
    capacity: usize,
    ring: Mutex<Ring>,
    writer: Option<writer::Writer>,
}

impl std::fmt::Debug for EventLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventLog")
            .field("capacity", &self.capacity)
            .finish()
    }
}

impl Default for EventLog {
    fn default() -> Self {
        EventLog::new(DEFAULT_CAPACITY)
    }
}

impl EventLog {
    /// An in-memory log keeping at most `capacity` events.
    pub fn new(capacity: usize) -> Self {
        EventLog {
            capacity: capacity.max(1),
            ring: Mutex::new(Ring {
                events: VecDeque::new(),
                next_id: 1,
            }),
            writer: None,
        }
    }

    /// A log that also keeps its events in `tree` (the store's events tree),
    /// starting from what is already there.
    pub fn persistent(tree: sled::Tree, capacity: usize) -> Self {
        let mut log = EventLog::new(capacity);
        let mut events: VecDeque<Event> = tree
            .iter()
            .rev()
            .filter_map(|entry| entry.ok())
            .take(log.capacity)
            .filter_map(|(_, v)| serde_json::from_slice(&v).ok())
            .collect();
        events.make_contiguous().reverse();
        let ring = log.ring.get_mut().unwrap();
        ring.next_id = events.back().map(|e| e.id + 1).unwrap_or(1);
        ring.events = events;
        log.writer = Some(writer::Writer::start(tree, log.capacity));
        log
    }

    /// Keeps `event` (dropping the oldest when full) and logs it.
    pub fn record(&self, mut event: Event) {
        if event.is_failure() {
            tracing::warn!("{}: {}", event.kind, event.detail);
        } else {
            tracing::info!("{}: {}", event.kind, event.detail);
        }
        let mut ring = self.ring.lock().unwrap_or_else(|e| e.into_inner());
        event.id = ring.next_id;
        ring.next_id += 1;
        if let Some(writer) = &self.writer {
            writer.store(&event);
        }
        if ring.events.len() == self.capacity {
            ring.events.pop_front();
        }
        ring.events.push_back(event);
    }

    /// Events that could not be stored because the writer was behind (they
    /// are still in memory and in the log output).
    pub fn unstored(&self) -> u64 {
        self.writer.as_ref().map_or(0, writer::Writer::dropped)
    }

    /// The kept events, oldest first.
    pub fn snapshot(&self) -> Vec<Event> {
        self.since(0, usize::MAX)
    }

    /// Up to `limit` events with an id above `after`, oldest first.
    pub fn since(&self, after: u64, limit: usize) -> Vec<Event> {
        let ring = self.ring.lock().unwrap_or_else(|e| e.into_inner());
        ring.events
            .iter()
            .filter(|e| e.id > after)
            .take(limit)
            .cloned()
            .collect()
    }
}
