//! The running application's parts, opened once: store, plugins, keys,
//! events, HTTP fetcher, and the services built on them (`catalog`,
//! `guides`, `matching`), each owned by its module. The CLI calls the
//! services directly when no server runs, and the admin API calls the very
//! same methods when one does.

use crate::catalog::{Catalog, Progress};
use crate::data_dir::DataDir;
use crate::events::{EventLog, DEFAULT_CAPACITY};
use crate::fetch::{FetchConfig, Fetcher};
use crate::guide::Guides;
use crate::matching::Matching;
use crate::plugins::PluginRegistry;
use crate::secrets::KeyRing;
use crate::store::Store;
use anyhow::Context;
use std::sync::Arc;

/// Everything an operation needs.
pub struct App {
    /// The data dir and the paths inside it.
    pub data: DataDir,
    /// The database.
    pub store: Store,
    /// Installed plugins.
    pub plugins: Arc<PluginRegistry>,
    /// The key that seals provider passwords.
    pub keys: Arc<KeyRing>,
    /// The event log.
    pub events: Arc<EventLog>,
    /// The host's HTTP client for plugin requests.
    pub fetcher: Fetcher,
    /// Accounts and their catalogues.
    pub catalog: Catalog,
    /// XMLTV guide sources.
    pub guides: Guides,
    /// Matching and mappings.
    pub matching: Matching,
    /// Disabled channels and accounts, group filters, unmapped channels.
    pub lineup: crate::lineup_control::LineupControl,
    /// Cameras added by hand.
    pub cameras: crate::camera::book::CameraBook,
    /// Camera controllers and their cameras.
    pub controllers: crate::camera::controllers::CameraControllers,
}

impl App {
    /// Opens the data dir: database (fails with `StoreError::Locked` when a
    /// server holds it), key, plugins.
    pub fn open(data: DataDir) -> anyhow::Result<App> {
        std::fs::create_dir_all(data.root())
            .with_context(|| format!("cannot create the data dir {}", data.root().display()))?;
        let store = Store::open(&data.database())?;
        let events = Arc::new(EventLog::persistent(store.events_tree(), DEFAULT_CAPACITY));
        let keys = Arc::new(KeyRing::load(data.root())?);
        let plugins = Arc::new(PluginRegistry::open(
            data.plugins(),
            data.cache(),
            events.clone(),
        )?);
        let fetcher = Fetcher::new(FetchConfig::default())?;
        let catalog = Catalog::new(
            store.clone(),
            plugins.clone(),
            keys.clone(),
            fetcher.clone(),
            events.clone(),
        );
        let guides = Guides::new(store.clone(), events.clone(), data.guides());
        let matching = Matching::new(store.clone(), plugins.clone(), events.clone());
        let lineup = crate::lineup_control::LineupControl::new(store.clone(), events.clone());
        guides.clean_files()?;
        let cameras = crate::camera::book::CameraBook::new(
            store.clone(),
            keys.clone(),
            events.clone(),
            plugins.clone(),
        );
        let controllers = crate::camera::controllers::CameraControllers::new(
            store.clone(),
            keys.clone(),
            events.clone(),
            plugins.clone(),
            fetcher.clone(),
        );
        Ok(App {
            cameras,
            controllers,
            data,
            store,
            plugins,
            keys,
            events,
            fetcher,
            catalog,
            guides,
            matching,
            lineup,
        })
    }

    /// Syncs catalogues (one account, or all with every guide).
    pub async fn sync(
        &self,
        account: Option<&str>,
        progress: &dyn Progress,
    ) -> anyhow::Result<SyncReport> {
        let accounts = self.catalog.sync_accounts(account, progress).await?;
        let guides = match account {
            Some(_) => Vec::new(),
            None => self.guides.sync_guides(progress).await?,
        };
        Ok(SyncReport { accounts, guides })
    }
}

/// What `sync` did.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct SyncReport {
    /// One line per account.
    pub accounts: Vec<crate::catalog::AccountSync>,
    /// One line per guide.
    pub guides: Vec<crate::guide::GuideSync>,
}
