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

/// The manifest of the archive at `file`, once every entry checks out;
/// else one line saying what is wrong with it.
pub fn verify(file: &Path) -> anyhow::Result<Manifest> {
    let shown = file.display();
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
            let mut hashing = Hashing::new(entry);
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
