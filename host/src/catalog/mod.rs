//! Provider accounts and their catalogues: adding and testing accounts
//! through their provider plugin, and syncing catalogues atomically.

pub(crate) mod access;
mod accounts;
pub mod redact;
mod status;
mod sync;
mod too_large;

pub use accounts::{AccountChange, AccountView, NewAccount};

use crate::events::EventLog;
use crate::fetch::Fetcher;
use crate::plugins::PluginRegistry;
use crate::secrets::KeyRing;
use crate::store::Store;
use std::sync::Arc;

/// The accounts-and-catalogues service: everything `account ...` and the
/// catalogue half of `sync` do, on the parts of the app it needs.
pub struct Catalog {
    store: Store,
    plugins: Arc<PluginRegistry>,
    keys: Arc<KeyRing>,
    fetcher: Fetcher,
    events: Arc<EventLog>,
}

impl Catalog {
    /// The service over these parts (the app builds it once).
    pub fn new(
        store: Store,
        plugins: Arc<PluginRegistry>,
        keys: Arc<KeyRing>,
        fetcher: Fetcher,
        events: Arc<EventLog>,
    ) -> Self {
        Catalog {
            store,
            plugins,
            keys,
            fetcher,
            events,
        }
    }
}
pub use status::AccountCheck;
pub use sync::{AccountSync, Progress, SilentProgress};
