//! Provider accounts. The password is stored sealed (see `secrets`); this
//! module never sees it in plaintext.

use super::{decode, encode, Result, Store};
use serde::{Deserialize, Serialize};

/// One provider account as stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AccountRecord {
    /// The user's name for it; unique.
    pub name: String,
    /// The provider plugin that speaks to it (`xtream`, `m3u`, ...).
    pub provider: String,
    /// Server or playlist URL as the user gave it, with credentials in its
    /// query replaced by `{username}` / `{password}`.
    pub url: String,
    /// The provider's user name (`{username}` in URL templates), if any.
    #[serde(default)]
    pub username: Option<String>,
    /// The password sealed with AES-256-GCM; never plaintext.
    #[serde(default)]
    pub sealed_password: Option<Vec<u8>>,
    /// Connections the provider allows at once.
    pub max_connections: u32,
    /// Lower is preferred when choosing between equal streams.
    pub priority: i32,
    /// Disabled accounts are skipped by sync, match and the relay.
    pub enabled: bool,
    /// Free-form settings passed to the provider plugin.
    #[serde(default)]
    pub options: Vec<(String, String)>,
    /// Unix seconds.
    pub created_at: u64,
    /// An extra CA, a User-Agent and headers for this account's requests.
    #[serde(default)]
    pub http: crate::fetch::AccountHttp,
    /// The limit the provider really enforces, when it showed it allows
    /// fewer connections than `max_connections` (it closed our oldest one as
    /// another opened, or refused one with a limit answer). Left out when
    /// none: records without it read as before (no schema change).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_limit: Option<ProviderLimit>,
}

/// An account limit lowered by what the provider did, kept across restarts
/// until a quiet time passes without another eviction or the user sets the
/// account's `max_connections` again.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProviderLimit {
    /// Connections the provider allows, as seen (at least 1).
    pub limit: u32,
    /// Unix seconds when it was first lowered to this value.
    pub lowered_at: u64,
    /// Unix seconds of the last eviction or refusal seen.
    pub last_seen: u64,
    /// What showed it: `an eviction` or `a refusal (HTTP 458)`.
    pub reason: String,
}

impl AccountRecord {
    /// Connections StreamForge opens at once: the user's limit, or the
    /// provider's when it enforces fewer.
    pub fn effective_connections(&self) -> u32 {
        let max = self.max_connections.max(1);
        self.provider_limit
            .as_ref()
            .map_or(max, |p| p.limit.clamp(1, max))
    }
}

/// The one write the relay makes: an account's provider limit, learned
/// from what the provider does. The relay holds this, not the whole
/// [`Store`], so the byte path's reach into the database is this and no more.
#[derive(Clone)]
pub struct ProviderLimits(Store);

impl ProviderLimits {
    /// The handle on `store`.
    pub fn new(store: Store) -> ProviderLimits {
        ProviderLimits(store)
    }

    /// Saves (or, `None`, forgets) `name`'s provider limit, as
    /// [`Store::set_provider_limit`] does; the store version that holds it
    /// (blocking: writes the database).
    pub fn save(&self, name: &str, lowered: Option<(u32, &str)>, now: u64) -> Result<u64> {
        self.0.set_provider_limit(name, lowered, now)?;
        Ok(self.0.version_in_memory())
    }
}

impl Store {
    /// Every account, by name.
    pub fn accounts(&self) -> Result<Vec<AccountRecord>> {
        self.accounts
            .iter()
            .values()
            .map(|v| decode("account", &v?))
            .collect()
    }

    /// The account called `name`.
    pub fn account(&self, name: &str) -> Result<Option<AccountRecord>> {
        match self.accounts.get(name.as_bytes())? {
            Some(v) => Ok(Some(decode("account", &v)?)),
            None => Ok(None),
        }
    }

    /// Adds or replaces an account.
    pub fn put_account(&self, account: &AccountRecord) -> Result<()> {
        self.accounts
            .insert(account.name.as_bytes(), encode(account))?;
        self.accounts.flush()?;
        self.changed()
    }

    /// Records that `name`'s provider allows `limit` connections (shown by
    /// `reason`, at `now`), or forgets it (`None`). The lowering time is kept
    /// when the limit stays the same. `false` when there is no such account.
    pub fn set_provider_limit(
        &self,
        name: &str,
        lowered: Option<(u32, &str)>,
        now: u64,
    ) -> Result<bool> {
        let Some(mut account) = self.account(name)? else {
            return Ok(false);
        };
        account.provider_limit = lowered.map(|(limit, reason)| {
            let lowered_at = match &account.provider_limit {
                Some(p) if p.limit == limit => p.lowered_at,
                _ => now,
            };
            ProviderLimit {
                limit: limit.max(1),
                lowered_at,
                last_seen: now,
                reason: reason.to_string(),
            }
        });
        self.put_account(&account)?;
        Ok(true)
    }

    /// Removes an account with its catalogue and every mapping to it.
    pub fn remove_account(&self, name: &str) -> Result<Option<AccountRecord>> {
        let Some(old) = self.accounts.remove(name.as_bytes())? else {
            return Ok(None);
        };
        self.drop_generation(&super::catalog::slot(name))?;
        self.meta.remove(super::catalog::info_key(name))?;
        self.remove_mappings_of_account(name)?;
        self.remove_history_of_account(name)?;
        self.flush()?;
        Ok(Some(decode("account", &old)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(name: &str, max: u32) -> AccountRecord {
        AccountRecord {
            name: name.into(),
            provider: "xtream".into(),
            url: "http://panel.example".into(),
            username: None,
            sealed_password: None,
            max_connections: max,
            priority: 0,
            enabled: true,
            options: Vec::new(),
            created_at: 0,
            http: Default::default(),
            provider_limit: None,
        }
    }

    #[test]
    fn a_provider_limit_is_kept_across_reopening_and_forgotten_on_request() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        {
            let store = Store::open(&path).unwrap();
            store.put_account(&record("p", 2)).unwrap();
            // Old records (no field) read as "not lowered".
            assert_eq!(
                store.account("p").unwrap().unwrap().effective_connections(),
                2
            );
            assert!(store
                .set_provider_limit("p", Some((1, "an eviction")), 100)
                .unwrap());
            assert!(store
                .set_provider_limit("p", Some((1, "an eviction")), 160)
                .unwrap());
            assert!(!store.set_provider_limit("nobody", None, 1).unwrap());
        }
        let store = crate::store::reopen(&path);
        let a = store.account("p").unwrap().unwrap();
        let p = a.provider_limit.clone().unwrap();
        assert_eq!((p.limit, p.lowered_at, p.last_seen), (1, 100, 160));
        assert_eq!(a.effective_connections(), 1);
        store.set_provider_limit("p", None, 200).unwrap();
        let a = store.account("p").unwrap().unwrap();
        assert_eq!(
            (a.provider_limit.clone(), a.effective_connections()),
            (None, 2)
        );
        // A limit above the user's never raises it.
        let mut b = record("q", 1);
        b.provider_limit = Some(ProviderLimit {
            limit: 5,
            lowered_at: 0,
            last_seen: 0,
            reason: String::new(),
        });
        assert_eq!(b.effective_connections(), 1);
        assert!(!String::from_utf8(encode(&record("r", 1)))
            .unwrap()
            .contains("provider_limit"));
    }
}
