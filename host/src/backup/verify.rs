//! Checking an archive without touching anything: it must be a gzip'd tar
//! whose entries are all things a backup holds, with a manifest of our
//! format that lists each one with its exact size and SHA-256.

use super::hashing::Hashing;
use super::manifest::{Entry, Manifest, FORMAT, VERSION};
use super::{allowed, MANIFEST};
use anyhow::{anyhow, bail};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// How large an archive may expand: a small archive that unpacks to
/// gigabytes (a compression bomb) is refused before it fills the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestoreLimits {
    /// Bytes all entries may hold together.
    pub total: u64,
    /// Bytes one entry may hold.
    pub entry: u64,
}

impl Default for RestoreLimits {
    /// 4 GiB in all, 2 GiB per entry.
    fn default() -> Self {
        RestoreLimits {
            total: 4 << 30,
            entry: 2 << 30,
        }
    }
}

/// The manifest of the archive at `file`, once every entry checks out
/// within the default [`RestoreLimits`]; else one line saying what is wrong.
pub fn verify(file: &Path) -> anyhow::Result<Manifest> {
    verify_within(file, RestoreLimits::default())
}

/// [`verify`] with these limits.
pub fn verify_within(file: &Path, limits: RestoreLimits) -> anyhow::Result<Manifest> {
    let shown = file.display();
    let gib = |n: u64| match n {
        n if n >= 1 << 30 => format!("{:.1} GiB", n as f64 / f64::from(1u32 << 30)),
        n => format!("{:.1} MiB", n as f64 / f64::from(1u32 << 20)),
    };
    let damaged = |e: std::io::Error| {
        anyhow!(
            "the backup {shown} is damaged or incomplete ({}); nothing was changed",
            one_line(&e.to_string())
        )
    };
    let opened =
        std::fs::File::open(file).map_err(|e| anyhow!("cannot read the backup {shown}: {e}"))?;
    let mut gz = flate2::read::GzDecoder::new(std::io::BufReader::new(opened));
    if gz.header().is_none() {
        // The gzip header is read at once; none means another kind of file.
        bail!("{shown} is not a StreamForge backup (not a gzip-compressed archive); nothing was changed");
    }
    let mut seen: BTreeMap<String, (u64, String)> = BTreeMap::new();
    let mut manifest_bytes = None;
    let mut total = 0u64;
    {
        let mut archive = tar::Archive::new(&mut gz);
        for entry in archive.entries().map_err(damaged)? {
            let entry = entry.map_err(damaged)?;
            let path = entry_path(&entry).ok_or_else(|| {
                anyhow!("{shown} is not a StreamForge backup (it holds an entry with an unusual path); nothing was changed")
            })?;
            if !allowed(&path) {
                bail!(
                    "{shown} is not a StreamForge backup (it holds `{path}`); nothing was changed"
                );
            }
            if entry.header().entry_type() != tar::EntryType::Regular {
                bail!("{shown} is not a StreamForge backup (`{path}` is not a plain file); nothing was changed");
            }
            if path == MANIFEST {
                let mut bytes = Vec::new();
                entry
                    .take(1 << 24)
                    .read_to_end(&mut bytes)
                    .map_err(damaged)?;
                manifest_bytes = Some(bytes);
                continue;
            }
            let size = entry.header().size().map_err(damaged)?;
            total = total.saturating_add(size);
            if size > limits.entry || total > limits.total {
                bail!(
                    "{shown} expands to more than restore allows ({} per file, {} in all; `{path}` alone is {}); nothing was changed",
                    gib(limits.entry),
                    gib(limits.total),
                    gib(size)
                );
            }
            // Never more than the header said, whatever the stream holds.
            let mut hashing = Hashing::new(entry.take(size));
            std::io::copy(&mut hashing, &mut std::io::sink()).map_err(damaged)?;
            if seen.insert(path.clone(), hashing.finish()).is_some() {
                bail!("{shown} is damaged: it holds `{path}` twice; nothing was changed");
            }
        }
    }
    // The tar's end is not the file's: reading on checks gzip's own length
    // and CRC, so a cut or changed tail is caught too.
    std::io::copy(&mut gz, &mut std::io::sink()).map_err(damaged)?;

    let bytes = manifest_bytes.ok_or_else(|| {
        anyhow!("{shown} is not a StreamForge backup (no {MANIFEST}); nothing was changed")
    })?;
    let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| {
        anyhow!("{shown} is not a StreamForge backup (its {MANIFEST} does not read: {e}); nothing was changed")
    })?;
    if manifest.format != FORMAT {
        bail!(
            "{shown} is not a StreamForge backup (format `{}`); nothing was changed",
            manifest.format
        );
    }
    if manifest.version > VERSION {
        bail!(
            "{shown} was made by a newer StreamForge ({}, archive format {}); upgrade StreamForge to restore it",
            manifest.streamforge,
            manifest.version
        );
    }
    if manifest.schema > crate::store::SCHEMA {
        bail!(
            "{shown} holds a database from a newer StreamForge ({}, schema {}); upgrade StreamForge to restore it",
            manifest.streamforge,
            manifest.schema
        );
    }
    check_entries(&manifest.entries, &seen)
        .map_err(|what| anyhow!("the backup {shown} is damaged: {what}; nothing was changed"))?;
    // A key the manifest does not announce was put there by someone else:
    // restoring it would let them sign camera tokens or read passwords.
    if !manifest.includes_key {
        if let Some(key) = super::KEY_FILES.iter().find(|k| seen.contains_key(**k)) {
            bail!(
                "{shown} holds `{key}` although its manifest says it has no keys; it was altered, nothing was changed"
            );
        }
    }
    Ok(manifest)
}

/// Every listed entry present with its size and hash, and nothing else.
fn check_entries(listed: &[Entry], seen: &BTreeMap<String, (u64, String)>) -> Result<(), String> {
    if !listed.iter().any(|e| e.path == super::DB_DUMP) {
        return Err(format!("it has no {}", super::DB_DUMP));
    }
    for entry in listed {
        match seen.get(&entry.path) {
            None => return Err(format!("`{}` is missing", entry.path)),
            Some((size, hash)) if *size != entry.size || *hash != entry.sha256 => {
                return Err(format!("`{}` does not match its checksum", entry.path))
            }
            Some(_) => {}
        }
    }
    if let Some(extra) = seen.keys().find(|p| !listed.iter().any(|e| &e.path == *p)) {
        return Err(format!("`{extra}` is not in its manifest"));
    }
    Ok(())
}

/// The entry's path as `/`-separated normal parts, or `None` for absolute
/// paths, `..` and other surprises.
pub(super) fn entry_path<R: Read>(entry: &tar::Entry<R>) -> Option<String> {
    let path = entry.path().ok()?;
    let mut parts = Vec::new();
    for part in path.components() {
        match part {
            std::path::Component::Normal(p) => parts.push(p.to_str()?.to_string()),
            _ => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// A reader's complaint as one short printable line (it may quote the
/// damaged bytes themselves).
fn one_line(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let line: String = words
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .take(120)
        .collect();
    line
}
