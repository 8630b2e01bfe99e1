//! The running channels, by lineup number. A second viewer of a playing
//! channel joins its hub (no new tuner, no new provider connection). The map
//! is a `DashMap`: joining one channel never waits on another channel's
//! start or end, and nothing touches it per byte.

use super::super::hub::{Hub, Lease, ViewerInfo};
use dashmap::mapref::entry::Entry;
use dashmap::DashMap;
use std::sync::Arc;

/// Every running or starting hub.
#[derive(Default)]
pub(crate) struct Registry {
    hubs: DashMap<String, Arc<Hub>>,
}

/// What [`Registry::join_or_start`] found.
pub(crate) enum Joined {
    /// Joined a hub that exists (maybe still starting).
    Existing(Arc<Hub>, Arc<Lease>),
    /// Made a new hub; the caller starts its pump.
    Started(Arc<Hub>, Arc<Lease>),
}

impl Registry {
    /// Joins the channel's hub, or makes one with `make` (which may refuse,
    /// e.g. when no tuner is free). The viewer is counted while the entry is
    /// held, so a hub being retired cannot lose a joining viewer.
    pub(crate) fn join_or_start<E>(
        &self,
        number: &str,
        viewer: ViewerInfo,
        make: impl FnOnce() -> Result<Arc<Hub>, E>,
    ) -> Result<Joined, E> {
        match self.hubs.entry(number.to_string()) {
            Entry::Occupied(entry) => {
                let hub = entry.get().clone();
                let lease = hub.add_viewer(viewer);
                Ok(Joined::Existing(hub, lease))
            }
            Entry::Vacant(entry) => {
                let hub = make()?;
                let lease = hub.add_viewer(viewer);
                entry.insert(hub.clone());
                Ok(Joined::Started(hub, lease))
            }
        }
    }

    /// Retires `hub` if it still has no viewer; false if one joined meanwhile.
    pub(crate) fn remove_if_idle(&self, hub: &Arc<Hub>) -> bool {
        // `remove_if` holds the entry while deciding, as `join_or_start`
        // does while counting a viewer; once out of the map nobody can join.
        self.hubs.remove_if(&hub.route.number, |_, h| {
            Arc::ptr_eq(h, hub) && h.viewer_count() == 0
        });
        hub.viewer_count() == 0
    }

    /// Retires `hub` whatever its viewers (it ended).
    pub(crate) fn remove(&self, hub: &Arc<Hub>) {
        self.hubs
            .remove_if(&hub.route.number, |_, h| Arc::ptr_eq(h, hub));
    }

    /// Every hub, by number.
    pub(crate) fn all(&self) -> Vec<Arc<Hub>> {
        let mut hubs: Vec<Arc<Hub>> = self.hubs.iter().map(|e| e.value().clone()).collect();
        hubs.sort_by(|a, b| a.route.number.cmp(&b.route.number));
        hubs
    }
}
