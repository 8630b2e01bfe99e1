//! Each account's catalogue (its provider channels), replaced whole at
//! every sync.

use super::{by_key, decode, encode, Result, Store};
use crate::model::ProviderChannel;
use serde::{Deserialize, Serialize};

/// What the last successful sync of an account brought.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CatalogInfo {
    /// Channels that sync stored.
    pub channels: usize,
    /// Unix seconds of the sync.
    pub synced_at: u64,
}

pub(super) fn slot(account: &str) -> String {
    format!("catalog/{account}")
}

pub(super) fn info_key(account: &str) -> Vec<u8> {
    format!("catalog-info/{account}").into_bytes()
}

impl Store {
    /// Replaces `account`'s catalogue with `channels` atomically.
    pub fn replace_catalog(
        &self,
        account: &str,
        channels: &[ProviderChannel],
        synced_at: u64,
    ) -> Result<()> {
        self.replace_generation(
            &slot(account),
            by_key(channels, |c| &c.key)
                .into_iter()
                .map(|c| (c.key.as_bytes(), encode(c))),
        )?;
        let info = CatalogInfo {
            channels: channels.len(),
            synced_at,
        };
        self.meta.insert(info_key(account), encode(&info))?;
        self.meta.flush()?;
        Ok(())
    }

    /// `account`'s channels (empty before its first sync).
    pub fn catalog(&self, account: &str) -> Result<Vec<ProviderChannel>> {
        let Some(tree) = self.generation(&slot(account))? else {
            return Ok(Vec::new());
        };
        tree.iter()
            .values()
            .map(|v| decode("channel", &v?))
            .collect()
    }

    /// One channel of `account`'s catalogue.
    pub fn catalog_channel(&self, account: &str, key: &str) -> Result<Option<ProviderChannel>> {
        let Some(tree) = self.generation(&slot(account))? else {
            return Ok(None);
        };
        match tree.get(key.as_bytes())? {
            Some(v) => Ok(Some(decode("channel", &v)?)),
            None => Ok(None),
        }
    }

    /// What the last sync of `account` brought.
    pub fn catalog_info(&self, account: &str) -> Result<Option<CatalogInfo>> {
        match self.meta.get(info_key(account))? {
            Some(v) => Ok(Some(decode("catalog info", &v)?)),
            None => Ok(None),
        }
    }
}
