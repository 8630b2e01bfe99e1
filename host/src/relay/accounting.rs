//! Tuner accounting that matches the provider: many panels advertise more
//! connections than they allow, closing our oldest connection as another
//! opens (an eviction) or refusing with a limit answer. Either lowers the
//! account's effective limit at once (in memory: the tune and the connect
//! read it with a map look-up, never the store), says so in an event, and is
//! written to the store from a task, so it is kept across restarts, shown by
//! `account list` and followed by the advertised TunerCount. It comes back up
//! after a quiet time without evictions, or when the user sets the account's
//! `--max-connections` again.

use super::connect::Connected;
use super::health::Failure;
use super::upstream::ConnectError;
use super::Relay;
use crate::blocking::run as blocking;
use crate::clock::now_unix;
use crate::events::Event;
use crate::routing::table::RouteAccount;
use crate::routing::Snapshot;
use dashmap::DashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// HTTP answers panels give at their connection limit (403 is also a bad
/// login, so it counts only while other connections of the account are open).
pub(crate) const LIMIT_STATUSES: [u16; 6] = [403, 429, 458, 509, 512, 884];

/// A connection the provider ends this soon after another one on the same
/// account began connecting counts as an eviction.
pub(crate) const EVICTION_WINDOW: Duration = Duration::from_secs(3);

/// The accounts' lowered limits not yet in the routing snapshot, and when
/// each account's newest connection began.
#[derive(Default)]
pub(crate) struct Accounting {
    /// Limits decided here and not yet seen in the snapshot.
    pending: DashMap<String, Pending>,
    /// When each account's newest connect began.
    last_attempt: DashMap<String, Instant>,
    /// Store writes one at a time, in the order they were decided.
    persisting: tokio::sync::Mutex<()>,
}

/// A limit decided in memory: in force until a snapshot built from the store
/// version that carries it (or a later one) is.
#[derive(Debug, Clone, Copy)]
struct Pending {
    /// The limit (`u32::MAX`: the user's again).
    limit: u32,
    /// The store version once written.
    written: Option<u64>,
}

impl Accounting {
    /// The limit for account `name`: a pending decision, else the snapshot's
    /// effective limit, else `fallback` (an account no longer in the snapshot).
    fn limit(&self, snapshot: &Snapshot, name: &str, fallback: u32) -> u32 {
        let stored = snapshot.table.limits.get(name);
        if let Some(p) = self.pending_for(snapshot, name) {
            return p.limit.min(stored.map_or(fallback, |l| l.max));
        }
        stored.map_or(fallback, |l| l.effective)
    }

    /// The pending decision for `name` while the snapshot does not carry it;
    /// one it carries is forgotten.
    fn pending_for(&self, snapshot: &Snapshot, name: &str) -> Option<Pending> {
        let p = *self.pending.get(name)?;
        if p.written.is_some_and(|v| snapshot.version >= v) {
            self.pending
                .remove_if(name, |_, q| q.written == p.written && q.limit == p.limit);
            return None;
        }
        Some(p)
    }

    /// Notes that a connect on account `name` begins now; when.
    pub(crate) fn attempt(&self, name: &str) -> Instant {
        let now = Instant::now();
        self.last_attempt.insert(name.to_string(), now);
        now
    }

    /// Whether another connect on `name` began after `opened`, and recently.
    fn newer_attempt(&self, name: &str, opened: Instant) -> bool {
        self.last_attempt
            .get(name)
            .is_some_and(|at| *at > opened && at.elapsed() <= EVICTION_WINDOW)
    }
}

impl Relay {
    /// Connections StreamForge opens on `account` at once now.
    pub(crate) fn account_limit(&self, account: &RouteAccount) -> u32 {
        self.accounting
            .limit(&self.routing.load(), &account.name, account.max_connections)
            .max(1)
    }

    /// A source that ended (closed by the provider) while it played well,
    /// soon after another connect on its account began, was evicted: the
    /// provider allows one connection fewer than were open. Whether it was.
    pub(crate) fn check_eviction(
        self: &Arc<Self>,
        source: &Connected,
        failure: &Failure,
        healthy: bool,
    ) -> bool {
        let name = source.slot.account();
        if !healthy || !matches!(failure, Failure::Ended | Failure::Broken(_)) {
            return false;
        }
        if !self.accounting.newer_attempt(name, source.opened) {
            return false;
        }
        // Open now, this one included.
        let open = self.limits.account_in_use(name);
        if open >= 2 {
            let how = format!("it closed our oldest connection as connection {open} opened");
            self.lower(name, open - 1, "an eviction", how);
        }
        true
    }

    /// A connect refused with a limit answer while fewer connections than
    /// the limit were open shows the provider's real limit.
    pub(crate) fn check_refusal(self: &Arc<Self>, account: &RouteAccount, error: &ConnectError) {
        let ConnectError::Status(code) = error else {
            return;
        };
        if !LIMIT_STATUSES.contains(code) {
            return;
        }
        // Open besides the refused one (whose slot is still held).
        let others = self.limits.account_in_use(&account.name).saturating_sub(1);
        if others >= 1 && others < self.account_limit(account) {
            let how = format!("it answered HTTP {code} with {others} connection(s) open");
            self.lower(
                &account.name,
                others,
                &format!("a refusal (HTTP {code})"),
                how,
            );
        }
    }

    /// Lowers `name`'s limit to `seen` (never raises it): in force at once,
    /// said in an event, written to the store by a task.
    fn lower(self: &Arc<Self>, name: &str, seen: u32, reason: &str, how: String) {
        let snapshot = self.routing.load();
        let Some(stored) = snapshot.table.limits.get(name) else {
            return;
        };
        let current = self.accounting.limit(&snapshot, name, stored.effective);
        let limit = seen.max(1).min(current);
        if limit >= stored.max {
            return;
        }
        self.accounting.pending.insert(
            name.to_string(),
            Pending {
                limit,
                written: None,
            },
        );
        if limit < current {
            self.events.record(
                Event::new(
                    "account-limit-lowered",
                    format!(
                        "account {name}: the provider allows {limit} connection(s), not {} ({how}); StreamForge opens at most {limit} until {} pass without an eviction, or `streamforge account set {name} --max-connections N`",
                        stored.max,
                        quiet_words(self.config().limit_quiet_time),
                    ),
                )
                .account(name),
            );
        }
        self.persist(name, Some((limit, reason.to_string())));
    }

    /// Writes `name`'s provider limit (or its end) to the store, from a task.
    fn persist(self: &Arc<Self>, name: &str, lowered: Option<(u32, String)>) {
        let (relay, name) = (self.clone(), name.to_string());
        tokio::spawn(async move {
            let _turn = relay.accounting.persisting.lock().await;
            let (limits, account) = (relay.provider_limits.clone(), name.clone());
            let decided = lowered.as_ref().map_or(u32::MAX, |(n, _)| *n);
            let written = blocking(move || {
                let lowered = lowered.as_ref().map(|(n, why)| (*n, why.as_str()));
                Ok(limits.save(&account, lowered, now_unix())?)
            })
            .await;
            match written {
                Ok(version) => {
                    if let Some(mut p) = relay.accounting.pending.get_mut(&name) {
                        if p.limit == decided && p.written.is_none() {
                            p.written = Some(version);
                        }
                    }
                }
                Err(e) => relay.events.record(
                    Event::new(
                        "account-limit-save-failed",
                        format!("account {name}: the connection limit in force could not be saved ({e:#}); it holds until the server stops"),
                    )
                    .account(&name),
                ),
            }
        });
    }

    /// Raises lowered limits that went the quiet time without an eviction,
    /// checking a few times per quiet time, until the runtime ends.
    pub fn spawn_accounting(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let relay = self.clone();
        tokio::spawn(async move {
            loop {
                let quiet = relay.config().limit_quiet_time;
                let every = (quiet / 10).clamp(Duration::from_millis(100), Duration::from_secs(30));
                tokio::time::sleep(every).await;
                relay.raise_quiet(quiet);
            }
        })
    }

    /// Brings back every lowered limit whose last eviction is `quiet` ago.
    fn raise_quiet(self: &Arc<Self>, quiet: Duration) {
        let snapshot = self.routing.load();
        let now = now_unix();
        for (name, limits) in &snapshot.table.limits {
            let Some(lowered) = &limits.lowered else {
                continue;
            };
            if self.accounting.pending_for(&snapshot, name).is_some()
                || now.saturating_sub(lowered.last_seen) < quiet.as_secs()
            {
                continue;
            }
            self.accounting.pending.insert(
                name.clone(),
                Pending {
                    limit: u32::MAX,
                    written: None,
                },
            );
            self.events.record(
                Event::new(
                    "account-limit-raised",
                    format!(
                        "account {name}: no eviction for {}; back to {} connection(s) (the provider allowed {} since {})",
                        quiet_words(quiet),
                        limits.max,
                        lowered.limit,
                        hh_mm(lowered.lowered_at)
                    ),
                )
                .account(name),
            );
            self.persist(name, None);
        }
    }
}

/// `1 h`, `90 s`: a quiet time for messages.
fn quiet_words(quiet: Duration) -> String {
    let secs = quiet.as_secs();
    if secs >= 3600 && secs.is_multiple_of(3600) {
        format!("{} h", secs / 3600)
    } else {
        format!("{secs} s")
    }
}

/// `10:42 UTC` for Unix seconds.
pub(crate) fn hh_mm(unix: u64) -> String {
    let day = unix % 86_400;
    format!("{:02}:{:02} UTC", day / 3600, day % 3600 / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newer_connect_within_the_window_is_an_eviction_only_after_ours() {
        let a = Accounting::default();
        let ours = a.attempt("p");
        assert!(!a.newer_attempt("p", ours), "our own connect is not newer");
        let _theirs = a.attempt("p");
        assert!(a.newer_attempt("p", ours));
        assert!(!a.newer_attempt("q", ours), "another account's connect");
        let later = Instant::now();
        assert!(!a.newer_attempt("p", later), "a connect before ours");
    }

    #[test]
    fn words_for_messages() {
        assert_eq!(quiet_words(Duration::from_secs(3600)), "1 h");
        assert_eq!(quiet_words(Duration::from_secs(90)), "90 s");
        assert_eq!(hh_mm(86_400 + 10 * 3600 + 42 * 60 + 5), "10:42 UTC");
    }
}
