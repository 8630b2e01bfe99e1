//! The running application's parts, opened once: store, plugins, keys,
//! events, HTTP fetcher. Every user-facing operation (in `catalog`, `guide`,
//! `matching`) is a method on [`App`]; the CLI calls them directly when no
//! server runs, and the admin API calls the very same methods when one does.

use crate::config::DataDir;
use crate::events::{EventLog, DEFAULT_CAPACITY};
use crate::fetch::{FetchConfig, Fetcher};
use crate::plugins::PluginRegistry;
use crate::secrets::KeyRing;
use crate::store::Store;
use anyhow::Context;
use std::sync::Arc;

/// Everything an operation needs.
pub struct App {
    pub data: DataDir,
    pub store: Store,
    pub plugins: PluginRegistry,
    pub keys: KeyRing,
    pub events: Arc<EventLog>,
    pub fetcher: Fetcher,
}

impl App {
    /// Opens the data dir: database (fails with `StoreError::Locked` when a
    /// server holds it), key, plugins.
    pub fn open(data: DataDir) -> anyhow::Result<App> {
        std::fs::create_dir_all(data.root())
            .with_context(|| format!("cannot create the data dir {}", data.root().display()))?;
        let store = Store::open(&data.database())?;
        let events = Arc::new(EventLog::persistent(store.events_tree(), DEFAULT_CAPACITY));
        let keys = KeyRing::load(data.root())?;
        let plugins = PluginRegistry::open(data.plugins(), data.cache(), events.clone())?;
        let fetcher = Fetcher::new(FetchConfig::default())?;
        let app = App {
            data,
            store,
            plugins,
            keys,
            events,
            fetcher,
        };
        app.clean_guide_files()?;
        Ok(app)
    }
}

/// Unix seconds now.
pub use crate::clock::now_unix as now_secs;

/// Runs CPU-bound or blocking work (plugin calls, database scans) off the
/// async threads.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .context("a background task failed")?
}

/// What `sync` did.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct SyncReport {
    pub accounts: Vec<crate::catalog::AccountSync>,
    pub guides: Vec<crate::guide::GuideSync>,
}

impl App {
    /// Syncs catalogues (one account, or all with every guide).
    pub async fn sync(
        &self,
        account: Option<&str>,
        progress: &dyn crate::catalog::Progress,
    ) -> anyhow::Result<SyncReport> {
        let accounts = self.sync_accounts(account, progress).await?;
        let guides = match account {
            Some(_) => Vec::new(),
            None => self.sync_guides(progress).await?,
        };
        Ok(SyncReport { accounts, guides })
    }

    /// Removes programme files and downloads no guide refers to (left by an
    /// interrupted sync).
    fn clean_guide_files(&self) -> anyhow::Result<()> {
        let dir = self.data.guides();
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Ok(());
        };
        let live: std::collections::HashSet<String> = self
            .store
            .guides()?
            .into_iter()
            .filter_map(|g| g.programme_file)
            .collect();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !live.contains(&name) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        Ok(())
    }
}
