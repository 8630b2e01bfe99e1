//! Each provider stream's play history (see `crate::history`), one record per
//! stream keyed `account\0key`. The store keeps the bytes; what a record
//! means belongs to `history`. Records of removed accounts go with them.

use super::{decode, encode, Result, Store};

/// The history tree as `crate::history` uses it: load everything at start,
/// write what changed now and then.
#[derive(Clone)]
pub struct StreamHistoryStore(Store);

fn key(account: &str, stream: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(account.len() + stream.len() + 1);
    k.extend_from_slice(account.as_bytes());
    k.push(0);
    k.extend_from_slice(stream.as_bytes());
    k
}

impl StreamHistoryStore {
    /// The handle on `store`.
    pub fn new(store: Store) -> StreamHistoryStore {
        StreamHistoryStore(store)
    }

    /// Every record, as `(account, stream key, record)`; a record that does
    /// not decode is skipped (history is advice, never a reason not to start).
    pub fn load<T: serde::de::DeserializeOwned>(&self) -> Result<Vec<(String, String, T)>> {
        let mut out = Vec::new();
        for item in self.0.stream_history.iter() {
            let (k, v) = item?;
            let Some(split) = k.iter().position(|b| *b == 0) else {
                continue;
            };
            let (Ok(account), Ok(stream)) = (
                std::str::from_utf8(&k[..split]),
                std::str::from_utf8(&k[split + 1..]),
            ) else {
                continue;
            };
            if let Ok(record) = decode::<T>("stream history", &v) {
                out.push((account.to_string(), stream.to_string(), record));
            }
        }
        Ok(out)
    }

    /// Writes these records (and removes those given as `None`), then flushes.
    /// Does not move [`Store::version`]: history reorders streams at tune
    /// time, it changes no lineup.
    pub fn save<T: serde::Serialize>(&self, records: &[(String, String, Option<T>)]) -> Result<()> {
        for (account, stream, record) in records {
            let k = key(account, stream);
            match record {
                Some(r) => self.0.stream_history.insert(k, encode(r))?,
                None => self.0.stream_history.remove(k)?,
            };
        }
        self.0.stream_history.flush()?;
        Ok(())
    }
}

impl Store {
    /// Forgets the play history of `account`'s streams (the account is gone).
    pub(super) fn remove_history_of_account(&self, account: &str) -> Result<()> {
        let mut prefix = account.as_bytes().to_vec();
        prefix.push(0);
        for k in self.stream_history.scan_prefix(&prefix).keys() {
            self.stream_history.remove(k?)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_go_with_their_account() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let history = StreamHistoryStore::new(store.clone());
        history
            .save(&[
                ("a".into(), "1".into(), Some(7u32)),
                ("a".into(), "2".into(), Some(8u32)),
                ("ab".into(), "1".into(), Some(9u32)),
            ])
            .unwrap();
        history
            .save::<u32>(&[("a".into(), "2".into(), None)])
            .unwrap();
        let mut all = history.load::<u32>().unwrap();
        all.sort();
        assert_eq!(
            all,
            [("a".into(), "1".into(), 7), ("ab".into(), "1".into(), 9)]
        );
        store.remove_history_of_account("a").unwrap();
        assert_eq!(
            history.load::<u32>().unwrap(),
            [("ab".into(), "1".into(), 9)]
        );
    }
}
