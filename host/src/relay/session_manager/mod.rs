//! The failover session manager: which channel sessions run (one per lineup
//! number, shared by all its viewers) and which of a channel's sources a
//! failover may try next. The pump (`super::pump`) asks it; the tune
//! (`super::tune`) joins or starts sessions through it.

mod cooldown;
mod registry;

pub(crate) use registry::Joined;

use super::hub::Hub;
use crate::routing::table::RouteStream;
use std::sync::Arc;
use std::time::Duration;

/// The running sessions and the failover memory, shared by every channel.
pub(crate) struct SessionManager {
    registry: registry::Registry,
    cooldowns: cooldown::Cooldowns,
    /// How long a source that failed mid-stream is skipped by later failovers.
    cooldown: Duration,
}

impl SessionManager {
    /// A manager whose failed sources are skipped for `cooldown`.
    pub(crate) fn new(cooldown: Duration) -> Self {
        SessionManager {
            registry: Default::default(),
            cooldowns: Default::default(),
            cooldown,
        }
    }

    /// Joins channel `number`'s session, or starts one with `make`.
    pub(crate) fn join_or_start<E>(
        &self,
        number: &str,
        viewer: super::hub::ViewerInfo,
        make: impl FnOnce() -> Result<Arc<Hub>, E>,
    ) -> Result<Joined, E> {
        self.registry.join_or_start(number, viewer, make)
    }

    /// Retires `hub` if no viewer joined meanwhile; whether it did.
    pub(crate) fn remove_if_idle(&self, hub: &Arc<Hub>) -> bool {
        self.registry.remove_if_idle(hub)
    }

    /// Retires `hub` (it ended).
    pub(crate) fn remove(&self, hub: &Arc<Hub>) {
        self.registry.remove(hub)
    }

    /// Every running session, by number.
    pub(crate) fn all(&self) -> Vec<Arc<Hub>> {
        self.registry.all()
    }

    /// Remembers that `stream` failed mid-stream, so failovers skip it a while.
    pub(crate) fn source_failed(&self, stream: &RouteStream, how: String) {
        self.cooldowns.failed(stream, how, self.cooldown)
    }

    /// Why a fresh tune tries `stream` after the others (it failed within
    /// the cool-down), if it does.
    pub(crate) fn put_back_reason(&self, stream: &RouteStream) -> Option<String> {
        self.cooldowns.cooling(stream, self.cooldown)
    }

    /// Streams in their cool-down (tried after the others, skipped by
    /// failovers): (label, how and how long ago they failed).
    pub(crate) fn cooling(&self) -> Vec<(String, String)> {
        self.cooldowns.list(self.cooldown)
    }

    /// Why a failover away from `just_failed` skips `stream`, if it does.
    pub(crate) fn skip_reason(
        &self,
        stream: &RouteStream,
        just_failed: &RouteStream,
    ) -> Option<String> {
        self.cooldowns
            .skip_reason(stream, just_failed, self.cooldown)
    }
}
