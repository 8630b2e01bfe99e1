//! Restoring an archive into a new or empty data dir: verified first (a
//! damaged or foreign archive is refused before anything is written), then
//! extracted into a temporary folder beside the target and renamed into
//! place in one step, so the target is either untouched or whole.

use super::hashing::Hashing;
use super::manifest::Manifest;
use super::verify::{entry_path, verify_within, RestoreLimits};
use super::{DB_DUMP, MANIFEST};
use anyhow::{anyhow, bail, Context};
use std::path::Path;

/// What a restore brought back, for the CLI to tell the user.
#[derive(Debug)]
pub struct RestoreReport {
    /// The archive's manifest.
    pub manifest: Manifest,
    /// The accounts whose passwords are stored (sealed with the archived key).
    pub accounts: Vec<String>,
}

/// Restores the archive `file` into the data dir `target`, which must be
/// missing or empty, if it expands within `limits`.
pub fn restore(file: &Path, target: &Path, limits: RestoreLimits) -> anyhow::Result<RestoreReport> {
    check_target(target)?;
    let manifest = verify_within(file, limits)?;
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(".streamforge-restore-")
        .tempdir_in(&parent)
        .with_context(|| format!("cannot write in {}", parent.display()))?;
    let accounts = {
        // The database the dump was loaded into, still open: opening it
        // again right after a close can find sled's lock still held.
        let store = match extract(file, &manifest, staging.path())? {
            Some(loaded) => loaded,
            None => crate::store::Store::open(&staging.path().join("db"))?,
        };
        store.flush()?;
        store.accounts()?.into_iter().map(|a| a.name).collect()
    };
    // A new server run may have put something there meanwhile.
    check_target(target)?;
    let staged = staging.keep();
    std::fs::rename(&staged, target).map_err(|e| {
        let _ = std::fs::remove_dir_all(&staged);
        anyhow!(
            "cannot move the restored data dir into {}: {e}",
            target.display()
        )
    })?;
    Ok(RestoreReport { manifest, accounts })
}

/// A restore goes only into a missing or empty data dir.
fn check_target(target: &Path) -> anyhow::Result<()> {
    match std::fs::read_dir(target) {
        Ok(mut items) => {
            if items.next().is_some() {
                bail!(
                    "the data dir {} is not empty; restore into a new or empty data dir (--data-dir), nothing was changed",
                    target.display()
                );
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => bail!(
            "{} is a file, not a data dir; nothing was changed",
            target.display()
        ),
        Err(e) => Err(anyhow!(
            "cannot read the data dir {}: {e}",
            target.display()
        )),
    }
}

/// Writes every entry under `into`, the dump loaded as a database (given
/// back, open, if the archive has one); each entry's hash is checked again
/// as it is written (the file could have changed since it was verified).
fn extract(
    file: &Path,
    manifest: &Manifest,
    into: &Path,
) -> anyhow::Result<Option<crate::store::Store>> {
    let shown = file.display();
    let opened = std::fs::File::open(file)?;
    let gz = flate2::read::GzDecoder::new(std::io::BufReader::new(opened));
    let mut archive = tar::Archive::new(gz);
    let mut loaded = None;
    for entry in archive.entries()? {
        let entry = entry?;
        let path =
            entry_path(&entry).ok_or_else(|| anyhow!("{shown} changed while it was restored"))?;
        if path == MANIFEST {
            continue;
        }
        let expected = manifest
            .entries
            .iter()
            .find(|e| e.path == path)
            .ok_or_else(|| anyhow!("{shown} changed while it was restored"))?;
        // Never more than the manifest listed (it was checked within the limits).
        let mut hashing = Hashing::new(std::io::Read::take(entry, expected.size));
        if path == DB_DUMP {
            loaded = Some(
                crate::store::load_dump(&into.join("db"), &mut hashing)
                    .with_context(|| format!("cannot restore the database from {shown}"))?,
            );
            std::io::copy(&mut hashing, &mut std::io::sink())?;
        } else {
            let target = into.join(&path);
            if let Some(dir) = target.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let mut out = owner_only(&target)?;
            std::io::copy(&mut hashing, &mut out)?;
            out.sync_all()?;
        }
        let (size, sha256) = hashing.finish();
        if size != expected.size || sha256 != expected.sha256 {
            bail!("{shown} changed while it was restored; nothing was changed");
        }
    }
    Ok(loaded)
}

/// A new file readable by its owner only (keys are refused otherwise).
fn owner_only(path: &Path) -> anyhow::Result<std::fs::File> {
    crate::data_dir::private::create(path)
        .with_context(|| format!("cannot write {}", path.display()))
}
