//! Backup and restore of a whole data dir as one archive (`.tar.gz`): the
//! database as a dump made while the server runs, guides, plugins, the
//! config file and the console password's hash; the keys (`secret.key`,
//! `jwt.key`) only on request; never `admin.token` (a restored server makes
//! a new one) nor caches that rebuild themselves (logos, compiled plugins).
//!
//! `write` makes the archive (its manifest, last, lists every entry with a
//! SHA-256), `verify` checks one without touching anything (a key file the
//! manifest does not announce, or more bytes than [`RestoreLimits`] allow,
//! refuse it), and `restore` verifies, extracts beside the target and
//! renames into place.

mod hashing;
mod manifest;
mod restore;
mod verify;
mod write;

pub use manifest::{Entry, Manifest, FORMAT, VERSION};
pub use restore::{restore, RestoreReport};
pub use verify::{verify, RestoreLimits};
pub use write::{write_archive, write_to_temp};

/// Name of the database dump inside an archive.
const DB_DUMP: &str = "db.dump";
/// Name of the manifest inside an archive (its last entry).
const MANIFEST: &str = "manifest.json";
/// Folders copied whole (every regular file under them).
const FOLDERS: [&str; 2] = ["guides", "plugins"];
/// Single files copied when present.
const FILES: [&str; 2] = [crate::config::FILE_NAME, "console.password"];
/// The keys, copied only with `--include-key`.
const KEY_FILES: [&str; 2] = [crate::secrets::KEY_FILE, "jwt.key"];

/// Whether `path` (as named in an archive) is something a backup holds.
fn allowed(path: &str) -> bool {
    let top = path.split('/').next().unwrap_or_default();
    path == DB_DUMP
        || path == MANIFEST
        || FILES.contains(&path)
        || KEY_FILES.contains(&path)
        || (FOLDERS.contains(&top) && path.len() > top.len() + 1)
}

#[cfg(test)]
mod tests;
