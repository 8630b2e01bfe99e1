//! Tuner and account connection limits. A slot is an RAII guard: it is given
//! back when dropped, whichever way a session ends (viewer gone, upstream
//! gone, error, panic), so no path can leak a tuner.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// Slots in use. Touched only when a channel starts or stops, never per byte.
#[derive(Debug, Default)]
pub struct Limits {
    inner: Mutex<InUse>,
}

#[derive(Debug, Default)]
struct InUse {
    tuners: u32,
    accounts: HashMap<String, u32>,
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
    fn lock(&self) -> std::sync::MutexGuard<'_, InUse> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes a tuner when fewer than `max` are in use.
    pub fn try_tuner(self: &Arc<Self>, max: u32) -> Option<TunerSlot> {
        let mut in_use = self.lock();
        if in_use.tuners >= max {
            return None;
        }
        in_use.tuners += 1;
        Some(TunerSlot {
            limits: self.clone(),
        })
    }

    /// Takes one of `account`'s connections when fewer than `max` are open.
    pub fn try_account(self: &Arc<Self>, account: &str, max: u32) -> Option<AccountSlot> {
        let mut in_use = self.lock();
        let n = in_use.accounts.entry(account.to_string()).or_default();
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
        self.lock().tuners
    }

    /// Connections open to `account`.
    pub fn account_in_use(&self, account: &str) -> u32 {
        self.lock().accounts.get(account).copied().unwrap_or(0)
    }

    /// Every account with connections open.
    pub fn accounts_in_use(&self) -> Vec<(String, u32)> {
        let mut v: Vec<(String, u32)> = self
            .lock()
            .accounts
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(a, n)| (a.clone(), *n))
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
        let mut in_use = self.limits.lock();
        in_use.tuners = in_use.tuners.saturating_sub(1);
    }
}

impl Drop for AccountSlot {
    fn drop(&mut self) {
        let mut in_use = self.limits.lock();
        if let Some(n) = in_use.accounts.get_mut(&self.account) {
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
        let r = std::panic::catch_unwind(move || {
            let _slot = l.try_tuner(1).unwrap();
            panic!("boom");
        });
        assert!(r.is_err());
        assert_eq!(limits.tuners_in_use(), 0);
    }
}
