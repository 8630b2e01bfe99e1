//! Schema version and migrations. Each migration moves the data dir one
//! version up; a data dir newer than this binary is refused, not guessed at.

use super::{Result, Store, StoreError};

/// The schema this binary writes. A new optional record field read with
/// `#[serde(default)]` and left out when unset (e.g. an account's
/// `provider_limit`) needs no new version: older binaries ignore it.
pub const CURRENT: u32 = 2;

const KEY: &[u8] = b"schema-version";

/// Brings `store` to [`CURRENT`].
pub(super) fn migrate(store: &Store) -> Result<()> {
    let found = match store.meta.get(KEY)? {
        Some(v) => {
            let bytes: [u8; 4] = v
                .as_ref()
                .try_into()
                .map_err(|_| StoreError::Corrupt("schema version".into()))?;
            u32::from_be_bytes(bytes)
        }
        None => 0,
    };
    if found > CURRENT {
        return Err(StoreError::TooNew {
            found,
            known: CURRENT,
        });
    }
    for version in found..CURRENT {
        match version {
            // 0 → 1: a new data dir; nothing to convert.
            0 => {}
            // 1 → 2: lineup rules and unmapped numbers, in new trees that
            // start empty (no rules: the lineup is what it was).
            1 => {}
            _ => unreachable!("a migration for every version below CURRENT"),
        }
        store.meta.insert(KEY, &(version + 1).to_be_bytes())?;
    }
    store.meta.flush()?;
    Ok(())
}
