//! The prepared routing snapshot that the tuner and the relay read: the
//! lineup (numbers, names, logos, groups, HD flags) in [`lineup`], each
//! channel's streams in connect order with what a connect needs in
//! [`table`], the tuner count, and where each guide's programmes are.
//!
//! One task rebuilds it on the blocking pool whenever the store's version
//! moves and swaps it in atomically; `lineup.json`, the playlist, the guide
//! and every tune only load the current one, so no request path reads the
//! database or rebuilds anything, and there is one cache, not two.

pub mod lineup;
pub mod lineups;
pub mod table;

use crate::blocking::run as blocking;
use crate::events::{Event, EventLog};
use crate::secrets::KeyRing;
use crate::store::Store;
use arc_swap::ArcSwap;
use lineup::Lineup;
use lineups::LineupView;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use table::RouteTable;
use tokio::sync::watch;

/// What a snapshot is built from: the store, the key that unseals account
/// passwords, the event log (for what could not be built) and where guides'
/// programme files are. Given by the server; routing reaches nothing else.
#[derive(Clone)]
pub struct Sources {
    /// The database.
    pub store: Store,
    /// Unseals account passwords into the routing table.
    pub keys: Arc<KeyRing>,
    /// Where rebuild failures and warnings go.
    pub events: Arc<EventLog>,
    /// The folder of the guides' prepared programme files.
    pub guides_dir: PathBuf,
}

/// Everything the tuner and the relay need, for one store version.
pub struct Snapshot {
    /// The store version this was built from.
    pub version: u64,
    /// The lineup `main`, sorted by number.
    pub lineup: Lineup,
    /// The other lineups, by name (`crate::store::LineupRecord`).
    pub lineups: BTreeMap<String, Arc<LineupView>>,
    /// The Xtream door's users, by name (their password hashes included).
    pub users: std::collections::HashMap<String, Arc<crate::store::UserRecord>>,
    /// Each channel's streams, by number, and the limits.
    pub table: RouteTable,
    /// Each guide's prepared programme file, by guide name.
    pub guides: BTreeMap<String, PathBuf>,
}

impl Snapshot {
    /// Builds the snapshot from the store (blocking: reads the database and
    /// unseals account passwords). `configured_tuners` overrides the tuner
    /// count (else the sum of enabled accounts' connection limits).
    pub fn build(sources: &Sources, configured_tuners: Option<u32>) -> anyhow::Result<Snapshot> {
        let version = sources.store.version_in_memory();
        let store = &sources.store;
        let rules = store.lineup_rules()?;
        let universe = lineup::universe(store, &rules)?;
        let lineup = universe.select(&rules.groups, |_| true);
        let accounts = store.accounts()?;
        let main_tuners = table::tuner_count(configured_tuners, &accounts);
        let views = lineups::views(store.lineups()?, &universe, &accounts, main_tuners);
        // Every channel of some lineup gets a route, and only those.
        let served = views
            .iter()
            .fold(lineup.clone(), |all, v| all.union(&v.lineup));
        let table = table::build(sources, &served, version, configured_tuners)?;
        let lineups = views
            .into_iter()
            .map(|v| (v.record.name.clone(), Arc::new(v)))
            .collect();
        let guides = sources
            .store
            .guides()?
            .into_iter()
            .filter_map(|g| Some((g.name, sources.guides_dir.join(g.programme_file?))))
            .collect();
        let users = store
            .users()?
            .into_iter()
            .map(|u| (u.name.clone(), Arc::new(u)))
            .collect();
        Ok(Snapshot {
            version,
            lineup,
            lineups,
            users,
            table,
            guides,
        })
    }
}

impl Snapshot {
    /// The channels of lineup `name` (`main` or another), if it exists.
    pub fn lineup_named(&self, name: &str) -> Option<&Lineup> {
        if name == crate::store::MAIN_LINEUP {
            return Some(&self.lineup);
        }
        self.lineups.get(name).map(|v| &v.lineup)
    }

    /// Lineup `name`'s priority and whether it may preempt (`main`: 0, no;
    /// a lineup gone since: the lowest, no).
    pub fn priority_of(&self, name: &str) -> (i32, bool) {
        if name == crate::store::MAIN_LINEUP {
            return (0, false);
        }
        self.lineups
            .get(name)
            .map_or((i32::MIN, false), |v| (v.record.priority, v.record.preempt))
    }

    /// How many tuners lineup `name` may hold at once, if it exists.
    pub fn tuners_of(&self, name: &str) -> Option<u32> {
        if name == crate::store::MAIN_LINEUP {
            return Some(self.table.tuner_count);
        }
        self.lineups.get(name).map(|v| v.tuner_count)
    }
}

/// Records an event when the lineup has more channels than Plex shows,
/// once per size (not at every rebuild of a lineup that stays as big).
fn warn_past_plex_limit(events: &EventLog, before: Option<&Snapshot>, next: &Snapshot) {
    let count = next.lineup.entries.len();
    if before.is_some_and(|b| b.lineup.entries.len() == count) {
        return;
    }
    if let Some(warning) = lineup::plex_limit_warning(count) {
        events.record(Event::new("lineup-too-big", warning));
    }
}

/// The current snapshot, swapped atomically; readers never wait.
pub struct Routing {
    current: ArcSwap<Snapshot>,
    /// The version of the snapshot in force, for writers waiting to see
    /// their change served.
    published: watch::Sender<u64>,
    /// The configured tuner count (`None`: the accounts' sum); a change
    /// (config reload) rebuilds the snapshot.
    configured_tuners: watch::Sender<Option<u32>>,
}

impl Routing {
    /// Builds the first snapshot (blocking) and keeps it.
    pub fn open(sources: &Sources, configured_tuners: Option<u32>) -> anyhow::Result<Arc<Routing>> {
        let first = Snapshot::build(sources, configured_tuners)?;
        warn_past_plex_limit(&sources.events, None, &first);
        Ok(Arc::new(Routing {
            published: watch::Sender::new(first.version),
            current: ArcSwap::from_pointee(first),
            configured_tuners: watch::Sender::new(configured_tuners),
        }))
    }

    /// A new configured tuner count (config reload): the refresher builds a
    /// snapshot with it.
    pub fn set_tuners(&self, tuners: Option<u32>) {
        self.configured_tuners.send_if_modified(|t| {
            let changed = *t != tuners;
            *t = tuners;
            changed
        });
    }

    /// The snapshot in force: a pointer load, no lock, no database.
    pub fn load(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    /// Rebuilds on the blocking pool whenever the store's version moves, until
    /// the runtime ends. A failed rebuild keeps the snapshot in force, says so
    /// in an event, and is tried again at the next change or after a pause.
    pub fn spawn_refresher(self: &Arc<Self>, sources: Sources) -> tokio::task::JoinHandle<()> {
        let routing = self.clone();
        let mut versions = sources.store.watch_version();
        let mut configured = routing.configured_tuners.subscribe();
        let mut built_for = *configured.borrow_and_update();
        tokio::spawn(async move {
            loop {
                let wanted = *versions.borrow_and_update();
                let tuners = *configured.borrow_and_update();
                if wanted != routing.load().version || tuners != built_for {
                    let sources2 = sources.clone();
                    match blocking(move || Snapshot::build(&sources2, tuners)).await {
                        Ok(next) => {
                            warn_past_plex_limit(&sources.events, Some(&routing.load()), &next);
                            let version = next.version;
                            built_for = tuners;
                            routing.current.store(Arc::new(next));
                            routing.published.send_replace(version);
                        }
                        Err(e) => {
                            sources.events.record(Event::new(
                                "lineup-rebuild-failed",
                                format!("{e:#}; the previous lineup stays in force"),
                            ));
                            let _ =
                                tokio::time::timeout(Duration::from_secs(5), versions.changed())
                                    .await;
                            continue;
                        }
                    }
                }
                let woke = tokio::select! {
                    v = versions.changed() => v.is_ok(),
                    t = configured.changed() => t.is_ok(),
                };
                if !woke {
                    return;
                }
            }
        })
    }

    /// Follows the version of the snapshot in force (for work to redo at
    /// every new lineup, such as fetching logos).
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.published.subscribe()
    }

    /// Waits (at most `limit`) until the snapshot in force was built from
    /// store version `version` or a later one; whether it was.
    pub async fn caught_up(&self, version: u64, limit: Duration) -> bool {
        let mut published = self.published.subscribe();
        tokio::time::timeout(limit, published.wait_for(|v| *v >= version))
            .await
            .is_ok_and(|r| r.is_ok())
    }
}
