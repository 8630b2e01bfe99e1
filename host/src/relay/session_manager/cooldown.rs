//! Which sources failed recently (at connect or mid-stream): a failover
//! skips a source that failed within the cool-down (DESIGN.md section 6), so
//! a dead stream is not retried forever and a channel still cycles back to it
//! later; a fresh tune tries it after the others, so a channel whose best
//! stream is dead does not wait for its connect timeout at every tune.

use crate::routing::table::RouteStream;
use dashmap::DashMap;
use std::time::{Duration, Instant};

/// Streams that failed recently, (account, key) → when, how, and the
/// stream's label (for `status`).
#[derive(Default)]
pub(crate) struct Cooldowns {
    failed: DashMap<(String, String), (Instant, String, String)>,
}

fn id(s: &RouteStream) -> (String, String) {
    (s.account.name.clone(), s.channel.key.clone())
}

impl Cooldowns {
    /// Remembers that `stream` failed now (`how`: a few words, no URL);
    /// forgets failures older than `cooldown`.
    pub(crate) fn failed(&self, stream: &RouteStream, how: String, cooldown: Duration) {
        self.failed.retain(|_, (at, _, _)| at.elapsed() < cooldown);
        self.failed
            .insert(id(stream), (Instant::now(), how, stream.label()));
    }

    /// Every stream within its cool-down: (label, how and how long ago),
    /// most recent first.
    pub(crate) fn list(&self, cooldown: Duration) -> Vec<(String, String)> {
        let mut all: Vec<(Instant, String, String)> = self
            .failed
            .iter()
            .filter(|e| e.value().0.elapsed() < cooldown)
            .map(|e| {
                let (at, how, label) = e.value();
                (
                    *at,
                    label.clone(),
                    format!("{how} {} s ago", at.elapsed().as_secs()),
                )
            })
            .collect();
        all.sort_by_key(|e| std::cmp::Reverse(e.0));
        all.into_iter()
            .map(|(_, label, why)| (label, why))
            .collect()
    }

    /// How and how long ago `stream` failed, if within `cooldown`.
    pub(crate) fn cooling(&self, stream: &RouteStream, cooldown: Duration) -> Option<String> {
        let entry = self.failed.get(&id(stream))?;
        let (at, how, _) = &*entry;
        (at.elapsed() < cooldown).then(|| format!("{how} {} s ago", at.elapsed().as_secs()))
    }

    /// Why a failover skips `stream`: it is the one that just failed, or it
    /// failed less than `cooldown` ago.
    pub(crate) fn skip_reason(
        &self,
        stream: &RouteStream,
        just_failed: &RouteStream,
        cooldown: Duration,
    ) -> Option<String> {
        if std::ptr::eq(stream, just_failed) {
            return Some("it just failed".into());
        }
        self.cooling(stream, cooldown)
            .map(|why| format!("it {why}"))
    }
}
