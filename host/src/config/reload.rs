//! Reloading the config file into a running server (SIGHUP, and later the
//! console's "save and reload"): what can change live is applied, what needs
//! a restart is named in an event, and a bad file changes nothing.

use super::schema::Key;
use super::sources::{Resolved, Sources};
use crate::events::{Event, EventLog};
use serde::Serialize;
use std::sync::{Arc, Mutex};

/// What one reload did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    /// Keys whose new values are in force now.
    pub applied: Vec<String>,
    /// Keys whose new values wait for a restart (the old ones stay in force).
    pub restart_needed: Vec<String>,
    /// Why the file was refused (the running settings stay), one line per error.
    pub error: Option<String>,
}

/// Puts the live keys' new values in force (given the new settings).
pub type ApplyLive = Box<dyn Fn(&Resolved) + Send + Sync>;

/// Reloads one server's settings from the same sources it started with.
pub struct Reloader {
    sources: Sources,
    running: Mutex<Resolved>,
    apply: ApplyLive,
    events: Arc<EventLog>,
}

impl Reloader {
    /// A reloader for a server that started with `running` from `sources`.
    pub fn new(
        sources: Sources,
        running: Resolved,
        events: Arc<EventLog>,
        apply: ApplyLive,
    ) -> Reloader {
        Reloader {
            sources,
            running: Mutex::new(running),
            apply,
            events,
        }
    }

    /// The settings in force.
    pub fn running(&self) -> Resolved {
        self.running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Reads the file again and applies it; records what happened as an
    /// event (`config-reloaded`, `config-restart-needed`,
    /// `config-reload-failed`) and returns it.
    pub fn reload(&self) -> Report {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        let new = match self.sources.resolve() {
            Ok(new) => new,
            Err(e) => {
                let error = e.to_string();
                self.events.record(Event::new(
                    "config-reload-failed",
                    format!("{} (the running settings stay)", error.replace('\n', "; ")),
                ));
                return Report {
                    error: Some(error),
                    ..Report::default()
                };
            }
        };
        let changed = new.changed(&running);
        let (live, restart): (Vec<&Key>, Vec<&Key>) = changed.into_iter().partition(|k| k.live);
        // What needs a restart keeps its running value (and is named again
        // at the next reload until the server restarts).
        let mut next = new;
        for key in &restart {
            let old = running.get(key.path).cloned();
            if let (Some(slot), Some(old)) = (
                next.settings.iter_mut().find(|s| s.key.path == key.path),
                old,
            ) {
                *slot = old;
            }
        }
        if !live.is_empty() {
            (self.apply)(&next);
        }
        *running = next;
        let report = Report {
            applied: live.iter().map(|k| k.path.to_string()).collect(),
            restart_needed: restart.iter().map(|k| k.path.to_string()).collect(),
            error: None,
        };
        let applied = if report.applied.is_empty() {
            "nothing changed that can change live".to_string()
        } else {
            format!("now in force: {}", report.applied.join(", "))
        };
        self.events.record(Event::new(
            "config-reloaded",
            format!("config reloaded; {applied}"),
        ));
        if !report.restart_needed.is_empty() {
            self.events.record(Event::new(
                "config-restart-needed",
                format!(
                    "changed in the config file but only taken at start: {}; restart StreamForge to use them",
                    report.restart_needed.join(", ")
                ),
            ));
        }
        report
    }
}
