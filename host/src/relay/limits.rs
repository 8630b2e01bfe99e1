//! Tuner and account connection limits. A slot is an RAII guard: it is given
//! back when dropped, whichever way a session ends (viewer gone, upstream
//! gone, error, panic), so no path can leak a tuner.

use dashmap::DashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// Slots in use. Touched only when a channel starts or stops, never per
/// byte; one account's count never waits on another's.
#[derive(Debug, Default)]
pub struct Limits {
    tuners: AtomicU32,
    accounts: DashMap<String, u32>,
}

/// One advertised tuner, held by a running channel.
#[derive(Debug)]
pub struct TunerSlot {
    limits: Arc<Limits>,
}

/// One of an account's provider connections, held by a channel's upstream.
#[derive(Debug)]
pub struct AccountSlot {
    limits: Arc<Limits>,
    account: String,
}

impl Limits {
    /// Takes a tuner when fewer than `max` are in use.
    pub fn try_tuner(self: &Arc<Self>, max: u32) -> Option<TunerSlot> {
        self.tuners
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()?;
        Some(TunerSlot {
            limits: self.clone(),
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

    /// Tuners in use.
    pub fn tuners_in_use(&self) -> u32 {
        self.tuners.load(Ordering::Acquire)
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

impl Drop for TunerSlot {
    fn drop(&mut self) {
        let _ = self
            .limits
            .tuners
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1));
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
        let a = limits.try_tuner(2).unwrap();
        let b = limits.try_tuner(2).unwrap();
        assert!(limits.try_tuner(2).is_none());
        drop(a);
        let c = limits.try_tuner(2).unwrap();
        drop((b, c));
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
            let _slot = l.try_tuner(1).unwrap();
            panic!("boom");
        }));
        assert!(r.is_err());
        assert_eq!(limits.tuners_in_use(), 0);
    }
}
