//! Which sources failed recently: a failover skips a source that failed
//! within the cool-down (DESIGN.md section 6), so a dead stream is not
//! retried forever and a channel still cycles back to it later.

use crate::routing::table::RouteStream;
use dashmap::DashMap;
use std::time::{Duration, Instant};

/// Streams that failed recently, (account, key) → when.
#[derive(Default)]
pub(crate) struct Cooldowns {
    failed: DashMap<(String, String), Instant>,
}

fn id(s: &RouteStream) -> (String, String) {
    (s.account.name.clone(), s.channel.key.clone())
}

impl Cooldowns {
    /// Remembers that `stream` failed now; forgets failures older than `cooldown`.
    pub(crate) fn failed(&self, stream: &RouteStream, cooldown: Duration) {
        self.failed.retain(|_, at| at.elapsed() < cooldown);
        self.failed.insert(id(stream), Instant::now());
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
        let at = *self.failed.get(&id(stream))?;
        (at.elapsed() < cooldown).then(|| format!("it failed {} s ago", at.elapsed().as_secs()))
    }
}
