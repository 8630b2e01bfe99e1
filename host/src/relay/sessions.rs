//! The running channels, by lineup number. A second viewer of a playing
//! channel joins its hub (no new tuner, no new provider connection). The map
//! is locked only to join, start or retire a hub, never per byte.

use super::hub::{Hub, Lease};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Every running or starting hub.
#[derive(Default)]
pub(crate) struct Sessions {
    map: Mutex<HashMap<String, Arc<Hub>>>,
}

/// What [`Sessions::join_or_start`] found.
pub(crate) enum Joined {
    /// Joined a hub that exists (maybe still starting).
    Existing(Arc<Hub>, Arc<Lease>),
    /// Made a new hub; the caller starts its pump.
    Started(Arc<Hub>, Arc<Lease>),
}

impl Sessions {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Arc<Hub>>> {
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Joins the channel's hub, or makes one with `make` (which may refuse,
    /// e.g. when no tuner is free). The viewer is counted under the lock.
    pub(crate) fn join_or_start<E>(
        &self,
        number: &str,
        make: impl FnOnce() -> Result<Arc<Hub>, E>,
    ) -> Result<Joined, E> {
        let mut map = self.lock();
        if let Some(hub) = map.get(number) {
            let lease = hub.add_viewer();
            return Ok(Joined::Existing(hub.clone(), lease));
        }
        let hub = make()?;
        let lease = hub.add_viewer();
        map.insert(number.to_string(), hub.clone());
        Ok(Joined::Started(hub, lease))
    }

    /// Retires `hub` if it still has no viewer; false if one joined meanwhile.
    pub(crate) fn remove_if_idle(&self, hub: &Arc<Hub>) -> bool {
        let mut map = self.lock();
        if hub.viewer_count() > 0 {
            return false;
        }
        Self::remove_locked(&mut map, hub);
        true
    }

    /// Retires `hub` whatever its viewers (it ended).
    pub(crate) fn remove(&self, hub: &Arc<Hub>) {
        Self::remove_locked(&mut self.lock(), hub);
    }

    fn remove_locked(map: &mut HashMap<String, Arc<Hub>>, hub: &Arc<Hub>) {
        let number = &hub.route.number;
        if map.get(number).is_some_and(|h| Arc::ptr_eq(h, hub)) {
            map.remove(number);
        }
    }

    /// Every hub, by number.
    pub(crate) fn all(&self) -> Vec<Arc<Hub>> {
        let mut hubs: Vec<Arc<Hub>> = self.lock().values().cloned().collect();
        hubs.sort_by(|a, b| a.route.number.cmp(&b.route.number));
        hubs
    }
}
