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

    /// Removes an account with its catalogue and every mapping to it.
    pub fn remove_account(&self, name: &str) -> Result<Option<AccountRecord>> {
        let Some(old) = self.accounts.remove(name.as_bytes())? else {
            return Ok(None);
        };
        self.drop_generation(&super::catalog::slot(name))?;
        self.meta.remove(super::catalog::info_key(name))?;
        self.remove_mappings_of_account(name)?;
        self.flush()?;
        Ok(Some(decode("account", &old)?))
    }
}
