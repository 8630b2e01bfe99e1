//! The running application's parts, opened once: store, plugins, keys,
//! events, HTTP fetcher, and the services built on them (`catalog`,
//! `guides`, `matching`), each owned by its module. The CLI calls the
//! services directly when no server runs, and the admin API calls the very
//! same methods when one does.

mod handles;

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
    /// What each stream measured and did when it played.
    pub history: Arc<crate::history::History>,
    /// The Xtream door's users.
    pub users: crate::users::Users,
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
        let history = Arc::new(crate::history::History::load(
            crate::store::StreamHistoryStore::new(store.clone()),
        )?);
        let matching = Matching::new(
            store.clone(),
            plugins.clone(),
            events.clone(),
            history.clone(),
        );
        let lineup = crate::lineup_control::LineupControl::new(store.clone(), events.clone());
        let users = crate::users::Users::new(store.clone(), events.clone());
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
            users,
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
            history,
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

impl SyncReport {
    /// One line per source, as the CLI prints them: channels (and
    /// programmes), or the failure and what was kept.
    pub fn lines(&self) -> Vec<String> {
        let accounts = self.accounts.iter().map(|a| match &a.error {
            None => format!("account {}: {} channels", a.account, a.channels),
            Some(e) => format!(
                "account {}: FAILED, kept {} channels: {e}",
                a.account, a.channels
            ),
        });
        let guides = self.guides.iter().map(|g| match &g.error {
            None => format!(
                "guide {}: {} channels, {} programmes",
                g.guide, g.channels, g.programmes
            ),
            Some(e) => format!("guide {}: FAILED, kept the previous guide: {e}", g.guide),
        });
        accounts.chain(guides).collect()
    }

    /// Sources whose sync failed (their previous data kept).
    pub fn failed(&self) -> usize {
        self.accounts.iter().filter(|a| a.error.is_some()).count()
            + self.guides.iter().filter(|g| g.error.is_some()).count()
    }

    /// The whole sync in one line (the console's job result).
    pub fn total(&self) -> String {
        let channels: usize = self.accounts.iter().map(|a| a.channels).sum();
        let mut line = format!(
            "synced {} account(s) ({channels} streams) and {} guide(s)",
            self.accounts.len(),
            self.guides.len()
        );
        let failed = self.failed();
        if failed > 0 {
            line.push_str(&format!("; {failed} failed, their previous data kept"));
        }
        line
    }
}
