//! The whole database as one byte stream, for backups: every tree, every
//! key and value, as stored (provider passwords stay sealed). A dump loads
//! into a new, empty database only ([`load_dump`]).
//!
//! Format: `MAGIC`, then per tree `1 ‖ name` and per entry `2 ‖ key ‖ value`,
//! then `0`; each byte string is a big-endian `u32` length and the bytes.

use super::{Result, Store, StoreError};
use std::io::{Read, Write};
use std::path::Path;

const MAGIC: &[u8; 8] = b"SFDUMP1\n";
const TREE: u8 = 1;
const ENTRY: u8 = 2;
const END: u8 = 0;

impl Store {
    /// Writes every tree to `out`; the [`Store::version`] it started at, so a
    /// caller can tell whether a change ran while it read (then it dumps again).
    pub fn dump(&self, out: &mut impl Write) -> Result<u64> {
        let version = self.version()?;
        out.write_all(MAGIC).map_err(StoreError::Io)?;
        for name in self.db.tree_names() {
            let tree = self.db.open_tree(&name)?;
            out.write_all(&[TREE]).map_err(StoreError::Io)?;
            put_bytes(out, &name)?;
            for entry in tree.iter() {
                let (k, v) = entry?;
                out.write_all(&[ENTRY]).map_err(StoreError::Io)?;
                put_bytes(out, &k)?;
                put_bytes(out, &v)?;
            }
        }
        out.write_all(&[END]).map_err(StoreError::Io)?;
        Ok(version)
    }
}

/// Loads a dump made by [`Store::dump`] into a new database at `dir` (which
/// must not hold one) and gives it back as a [`Store`]: the schema checked
/// and migrated, everything flushed. The database is opened once (see
/// [`super::open_db`]).
pub fn load_dump(dir: &Path, input: &mut impl Read) -> Result<Store> {
    if dir.exists() {
        return Err(StoreError::Corrupt(format!(
            "{} already holds a database; a dump loads only into a new one",
            dir.display()
        )));
    }
    let mut magic = [0u8; 8];
    input.read_exact(&mut magic).map_err(StoreError::Io)?;
    if &magic != MAGIC {
        return Err(StoreError::Corrupt(
            "not a StreamForge database dump".into(),
        ));
    }
    let db = super::open_db(dir)?;
    {
        let mut tree: Option<sled::Tree> = None;
        let mut batch = sled::Batch::default();
        loop {
            let mut tag = [0u8; 1];
            input.read_exact(&mut tag).map_err(StoreError::Io)?;
            match tag[0] {
                TREE => {
                    if let Some(t) = tree.take() {
                        t.apply_batch(std::mem::take(&mut batch))?;
                    }
                    tree = Some(db.open_tree(get_bytes(input)?)?);
                }
                ENTRY => {
                    let (k, v) = (get_bytes(input)?, get_bytes(input)?);
                    if tree.is_none() {
                        return Err(StoreError::Corrupt("a dump entry before its tree".into()));
                    }
                    batch.insert(k, v);
                }
                END => break,
                other => {
                    return Err(StoreError::Corrupt(format!("unknown dump record {other}")));
                }
            }
        }
        if let Some(t) = tree {
            t.apply_batch(batch)?;
        }
    }
    let store = Store::with_db(db)?;
    store.flush()?;
    Ok(store)
}

fn put_bytes(out: &mut impl Write, bytes: &[u8]) -> Result<()> {
    let len = u32::try_from(bytes.len())
        .map_err(|_| StoreError::Corrupt("a record over 4 GiB".into()))?;
    out.write_all(&len.to_be_bytes()).map_err(StoreError::Io)?;
    out.write_all(bytes).map_err(StoreError::Io)
}

fn get_bytes(input: &mut impl Read) -> Result<Vec<u8>> {
    let mut len = [0u8; 4];
    input.read_exact(&mut len).map_err(StoreError::Io)?;
    let mut bytes = vec![0u8; u32::from_be_bytes(len) as usize];
    input.read_exact(&mut bytes).map_err(StoreError::Io)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A dump loaded into a new database gives back every tree's records,
    /// the settings and the version.
    #[test]
    fn a_dump_loads_into_an_equal_database() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        store.set_setting("device-id", "1234ABCD").unwrap();
        let rules = crate::store::LineupRules {
            expose_unmapped: true,
            ..Default::default()
        };
        store.put_lineup_rules(&rules).unwrap();
        let mut dump = Vec::new();
        let version = store.dump(&mut dump).unwrap();
        assert_eq!(version, store.version().unwrap());

        let copy_dir = dir.path().join("copy");
        let copy = load_dump(&copy_dir, &mut dump.as_slice()).unwrap();
        assert_eq!(
            copy.setting("device-id").unwrap().as_deref(),
            Some("1234ABCD")
        );
        assert_eq!(copy.lineup_rules().unwrap(), rules);
        assert_eq!(copy.version().unwrap(), version);
        drop(copy);

        let err = load_dump(&copy_dir, &mut dump.as_slice())
            .err()
            .expect("a second load into the same dir is refused");
        assert!(err.to_string().contains("already holds"), "{err}");
        let cut = &dump[..dump.len() - 3];
        let err = load_dump(&dir.path().join("cut"), &mut &cut[..])
            .err()
            .expect("a cut dump is refused");
        assert!(matches!(err, StoreError::Io(_)), "{err}");
    }
}
