//! Tuner and account connection limits. A slot is an RAII guard: it is given
//! back when dropped, whichever way a session ends (viewer gone, upstream
//! gone, error, panic), so no path can leak a tuner.

use dashmap::DashMap;
use std::sync::Arc;

/// Slots in use. Touched only when a channel starts or stops, never per
/// byte; one account's count never waits on another's.
#[derive(Debug, Default)]
pub struct Limits {
    /// Tuners held, by lineup.
    tuners: DashMap<String, u32>,
    accounts: DashMap<String, u32>,
}

/// One advertised tuner of a lineup, held by a running channel.
#[derive(Debug)]
pub struct TunerSlot {
    limits: Arc<Limits>,
    lineup: String,
}

/// One of an account's provider connections, held by a channel's upstream.
#[derive(Debug)]
pub struct AccountSlot {
    limits: Arc<Limits>,
    account: String,
}

impl Limits {
    /// Takes one of `lineup`'s tuners when fewer than `max` are in use.
    pub fn try_tuner(self: &Arc<Self>, lineup: &str, max: u32) -> Option<TunerSlot> {
        let mut n = self.tuners.entry(lineup.to_string()).or_default();
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(TunerSlot {
            limits: self.clone(),
            lineup: lineup.to_string(),
        })
    }

    /// Takes one of `account`'s connections when fewer than `max` are open.
    pub fn try_account(self: &Arc<Self>, account: &str, max: u32) -> Option<AccountSlot> {
        let mut n = self.accounts.entry(account.to_string()).or_default();
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(AccountSlot {
            limits: self.clone(),
            account: account.to_string(),
        })
    }

    /// Tuners in use, in every lineup.
    pub fn tuners_in_use(&self) -> u32 {
        self.tuners.iter().map(|e| *e.value()).sum()
    }

    /// Tuners of `lineup` in use.
    pub fn tuners_in_use_of(&self, lineup: &str) -> u32 {
        self.tuners.get(lineup).map_or(0, |n| *n)
    }

    /// Every lineup with tuners in use, and how many.
    pub fn lineups_in_use(&self) -> Vec<(String, u32)> {
        let mut v: Vec<(String, u32)> = self
            .tuners
            .iter()
            .filter(|e| *e.value() > 0)
            .map(|e| (e.key().clone(), *e.value()))
            .collect();
        v.sort();
        v
    }

    /// Connections open to `account`.
    pub fn account_in_use(&self, account: &str) -> u32 {
        self.accounts.get(account).map_or(0, |n| *n)
    }

    /// Every account with connections open.
    pub fn accounts_in_use(&self) -> Vec<(String, u32)> {
        let mut v: Vec<(String, u32)> = self
            .accounts
            .iter()
            .filter(|e| *e.value() > 0)
            .map(|e| (e.key().clone(), *e.value()))
            .collect();
        v.sort();
        v
    }
}

impl AccountSlot {
    /// The account this connection counts against.
    pub fn account(&self) -> &str {
        &self.account
    }
}

impl TunerSlot {
    /// The lineup whose tuner this is.
    pub fn lineup(&self) -> &str {
        &self.lineup
    }
}

impl Drop for TunerSlot {
    fn drop(&mut self) {
        if let Some(mut n) = self.limits.tuners.get_mut(&self.lineup) {
            *n = n.saturating_sub(1);
        }
    }
}

impl Drop for AccountSlot {
    fn drop(&mut self) {
        if let Some(mut n) = self.limits.accounts.get_mut(&self.account) {
            *n = n.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_come_back_when_dropped() {
        let limits = Arc::new(Limits::default());
        let a = limits.try_tuner("main", 2).unwrap();
        let b = limits.try_tuner("main", 2).unwrap();
        assert!(limits.try_tuner("main", 2).is_none());
        let k = limits.try_tuner("kids", 1).unwrap();
        assert!(
            limits.try_tuner("kids", 1).is_none(),
            "each lineup has its own"
        );
        assert_eq!(limits.tuners_in_use(), 3);
        assert_eq!(
            limits.lineups_in_use(),
            [("kids".into(), 1), ("main".into(), 2)]
        );
        drop(a);
        let c = limits.try_tuner("main", 2).unwrap();
        drop((b, c, k));
        assert_eq!(limits.tuners_in_use(), 0);

        let x = limits.try_account("p", 1).unwrap();
        assert!(limits.try_account("p", 1).is_none());
        assert!(limits.try_account("q", 1).is_some());
        assert_eq!(limits.account_in_use("p"), 1);
        drop(x);
        assert_eq!(limits.account_in_use("p"), 0);
        assert!(limits.accounts_in_use().is_empty());
    }

    #[test]
    fn a_panicking_holder_gives_its_slot_back() {
        let limits = Arc::new(Limits::default());
        let l = limits.clone();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
            let _slot = l.try_tuner("main", 1).unwrap();
            panic!("boom");
        }));
        assert!(r.is_err());
        assert_eq!(limits.tuners_in_use(), 0);
    }
}
