//! The embedded database (sled) in the data dir: typed trees, a schema
//! version with migrations, and atomic replacement of whole catalogues and
//! guides (a crash mid-sync leaves the previous one whole).
//!
//! sled is opened by one process at a time. `serve` holds it while running;
//! other commands then go through the admin API (see `api`).

mod accounts;
mod cameras;
mod catalog;
mod dump;
mod guides;
mod history;
mod lineup;
mod lineup_rules;
mod lineups;
mod mappings;
mod schema;
mod users;

pub use accounts::{AccountRecord, ProviderLimit, ProviderLimits};
pub use cameras::{CameraRecord, ControllerRecord};
pub use catalog::CatalogInfo;
pub use dump::load_dump;
pub use guides::{GuideChannelRecord, GuideRecord};
pub use history::StreamHistoryStore;
pub use lineup::{valid_number as valid_guide_number, LineupNumber};
pub use lineup_rules::{GroupRule, LineupRules, FIRST_UNMAPPED};
pub use lineups::{valid_lineup_name, LineupRecord, MAIN_LINEUP};
pub use mappings::MappingRecord;
pub use schema::CURRENT as SCHEMA;
pub use users::UserRecord;

use std::path::Path;

/// Why the store could not do something.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process (a running `streamforge serve`) holds the database.
    #[error("the database in {0} is in use by another StreamForge process")]
    Locked(String),
    /// The disk refused a read or a write (full, gone read-only, permissions).
    #[error(
        "cannot read or write the database ({0}); check free space and permissions in the data dir, then restart StreamForge"
    )]
    Io(std::io::Error),
    /// sled itself reported damage or a bug.
    #[error("the database is damaged: {0}")]
    Db(sled::Error),
    /// A stored record does not decode; names what it was and why.
    #[error("a stored record is damaged ({0})")]
    Corrupt(String),
    /// The data dir's schema is newer than this binary knows; it is refused, not guessed at.
    #[error(
        "this data dir was written by a newer StreamForge (schema {found}, this one knows up to {known}); upgrade StreamForge"
    )]
    TooNew {
        /// The schema version in the data dir.
        found: u32,
        /// The newest schema this binary knows.
        known: u32,
    },
}

impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> Self {
        match e {
            sled::Error::Io(io) => StoreError::Io(io),
            other => StoreError::Db(other),
        }
    }
}

/// Result of a store operation.
pub type Result<T> = std::result::Result<T, StoreError>;

/// The database and its trees.
#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    meta: sled::Tree,
    accounts: sled::Tree,
    cameras: sled::Tree,
    controllers: sled::Tree,
    guides: sled::Tree,
    mappings: sled::Tree,
    lineup: sled::Tree,
    lineup_rules: sled::Tree,
    /// The lineups besides `main` (`lineups`).
    lineups: sled::Tree,
    /// The Xtream door's users (`users`).
    users: sled::Tree,
    unmapped_numbers: sled::Tree,
    events: sled::Tree,
    /// Each stream's play history (`crate::history`).
    stream_history: sled::Tree,
    /// [`Store::version`] mirrored in memory, so the relay's request path can
    /// see a change without touching the database.
    live_version: std::sync::Arc<tokio::sync::watch::Sender<u64>>,
}

impl Store {
    /// Opens (creating) the database at `dir`, migrating it to the current
    /// schema and dropping leftovers of interrupted syncs.
    pub fn open(dir: &Path) -> Result<Store> {
        Store::with_db(open_db(dir)?)
    }

    /// The store over a database opened by [`open_db`]: migrated to the
    /// current schema, leftovers of interrupted syncs dropped.
    fn with_db(db: sled::Db) -> Result<Store> {
        let store = Store {
            meta: db.open_tree("meta")?,
            accounts: db.open_tree("accounts")?,
            cameras: db.open_tree("cameras")?,
            controllers: db.open_tree("camera_controllers")?,
            guides: db.open_tree("guides")?,
            mappings: db.open_tree("mappings")?,
            lineup: db.open_tree("lineup")?,
            lineup_rules: db.open_tree("lineup_rules")?,
            lineups: db.open_tree("lineups")?,
            users: db.open_tree("users")?,
            unmapped_numbers: db.open_tree("unmapped_numbers")?,
            events: db.open_tree("events")?,
            stream_history: db.open_tree("stream_history")?,
            live_version: std::sync::Arc::new(tokio::sync::watch::Sender::new(0)),
            db,
        };
        schema::migrate(&store)?;
        store.drop_orphan_generations()?;
        store.live_version.send_replace(store.version()?);
        Ok(store)
    }

    /// The tree that persists events (owned by `events::EventLog`).
    pub fn events_tree(&self) -> sled::Tree {
        self.events.clone()
    }

    /// A number that changes whenever catalogues, guides or mappings
    /// change, so prepared views (the lineup) know when to rebuild.
    pub fn version(&self) -> Result<u64> {
        Ok(self
            .meta
            .get(VERSION_KEY)?
            .and_then(|v| v.as_ref().try_into().ok().map(u64::from_be_bytes))
            .unwrap_or(0))
    }

    /// Marks a change for [`Store::version`].
    fn changed(&self) -> Result<()> {
        let new = self.meta.update_and_fetch(VERSION_KEY, |old| {
            let n = old
                .and_then(|v| v.try_into().ok().map(u64::from_be_bytes))
                .unwrap_or(0);
            Some((n + 1).to_be_bytes().to_vec())
        })?;
        let n = new
            .and_then(|v| v.as_ref().try_into().ok().map(u64::from_be_bytes))
            .unwrap_or(0);
        self.live_version.send_replace(n);
        Ok(())
    }

    /// [`Store::version`] from memory: no database access, for hot paths.
    /// Exact while this process holds the database (it is the only writer).
    pub fn version_in_memory(&self) -> u64 {
        *self.live_version.borrow()
    }

    /// Follows [`Store::version_in_memory`]: wakes whenever it moves.
    pub fn watch_version(&self) -> tokio::sync::watch::Receiver<u64> {
        self.live_version.subscribe()
    }

    /// Makes everything written so far durable.
    pub fn flush(&self) -> Result<()> {
        self.db.flush()?;
        Ok(())
    }

    /// Drops generation trees no pointer refers to: what an interrupted
    /// sync left behind.
    fn drop_orphan_generations(&self) -> Result<()> {
        let mut live = std::collections::HashSet::new();
        for pointer in self.meta.scan_prefix(GEN_PREFIX).values() {
            live.insert(pointer?.to_vec());
        }
        for name in self.db.tree_names() {
            if name.starts_with(b"gen/") && !live.contains(name.as_ref()) {
                self.db.drop_tree(&name)?;
            }
        }
        Ok(())
    }

    /// Writes `items` into a fresh generation tree, then points `slot` at it
    /// in one step and drops the old generation. Readers see the old set
    /// or the new one, never a mix; a crash before the switch leaves the old.
    ///
    /// Nothing reads the fresh tree before the switch, so it is written one
    /// record at a time rather than in one sled batch: a batch buys no
    /// atomicity here, and sled keeps everything a batch touches until it
    /// ends (300 000 channels in one batch grew the server by 1.4 GB; one
    /// at a time, ~40 MB). Give `items` in key order (see [`by_key`]): sled
    /// then only ever splits the last leaf, and one record at a time costs
    /// no more than the batch did (300 000 records: 2.3-2.8 s of CPU in key
    /// order, 2.9-3.9 s in random order, 3.4-3.7 s as one batch).
    fn replace_generation<I, K, V>(&self, slot: &str, items: I) -> Result<()>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<[u8]>,
        V: Into<sled::IVec>,
    {
        let gen_name = format!("gen/{slot}/{}", self.db.generate_id()?);
        let tree = self.db.open_tree(&gen_name)?;
        for (k, v) in items {
            tree.insert(k.as_ref(), v)?;
        }
        tree.flush()?;
        let pointer = format!("{GEN_PREFIX_STR}{slot}");
        let old = self.meta.insert(pointer.as_bytes(), gen_name.as_bytes())?;
        self.meta.flush()?;
        if let Some(old) = old {
            self.db.drop_tree(&old)?;
        }
        self.changed()
    }

    /// The current generation tree of `slot`, if one was ever written.
    fn generation(&self, slot: &str) -> Result<Option<sled::Tree>> {
        let pointer = format!("{GEN_PREFIX_STR}{slot}");
        match self.meta.get(pointer.as_bytes())? {
            Some(name) => Ok(Some(self.db.open_tree(name)?)),
            None => Ok(None),
        }
    }

    /// Forgets `slot` and its data.
    fn drop_generation(&self, slot: &str) -> Result<()> {
        let pointer = format!("{GEN_PREFIX_STR}{slot}");
        if let Some(old) = self.meta.remove(pointer.as_bytes())? {
            self.db.drop_tree(&old)?;
        }
        self.changed()
    }
}

const VERSION_KEY: &[u8] = b"version";
const GEN_PREFIX_STR: &str = "gen-pointer/";
const GEN_PREFIX: &[u8] = GEN_PREFIX_STR.as_bytes();

/// Opens (creating) the sled database at `dir`, or says that another
/// process holds it.
///
/// Open each database once per process: sled lets go of its file lock from
/// a background thread some time after the last handle is dropped, so an
/// open right after a close can find it still held (sled issues 1234 and
/// 1289; a restore that loaded the dump, closed it and opened it again
/// failed that way in CI).
fn open_db(dir: &Path) -> Result<sled::Db> {
    // Every write flushes itself (see the `put_*`/`replace_*` methods), so
    // sled's own flusher, which wakes twice a second and fsyncs even when
    // nothing changed, is off: an idle server does no disk work.
    match sled::Config::new().path(dir).flush_every_ms(None).open() {
        Ok(db) => Ok(db),
        Err(sled::Error::Io(e)) if is_lock_error(&e) => {
            Err(StoreError::Locked(dir.display().to_string()))
        }
        Err(e) => Err(e.into()),
    }
}

fn is_lock_error(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::WouldBlock || e.to_string().contains("lock")
}

/// `items` in the order of their `key` (for [`Store::replace_generation`]);
/// items with the same key keep their order, so the last one still wins.
fn by_key<T>(items: &[T], key: impl Fn(&T) -> &str) -> Vec<&T> {
    let mut sorted: Vec<&T> = items.iter().collect();
    sorted.sort_by(|a, b| key(a).cmp(key(b)));
    sorted
}

/// Serializes a record for storage.
fn encode<T: serde::Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("records serialize")
}

/// Reads a stored record, naming what it was on damage.
fn decode<T: serde::de::DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

impl Store {
    /// A stored setting (device id, ...), if set.
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .meta
            .get(format!("setting/{key}"))?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// Stores a setting.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.meta
            .insert(format!("setting/{key}"), value.as_bytes())?;
        self.meta.flush()?;
        Ok(())
    }
}

/// For tests that open again a database they just closed: waits, up to 5 s,
/// for sled to let go of its lock (see [`open_db`]).
#[cfg(test)]
pub(crate) fn reopen(dir: &Path) -> Store {
    streamforge_testkit::wait_for(
        "sled to let go of the database just closed",
        std::time::Duration::from_secs(5),
        || match Store::open(dir) {
            Ok(store) => Some(store),
            Err(StoreError::Locked(_)) => None,
            Err(e) => panic!("cannot open {} again: {e}", dir.display()),
        },
    )
}
