//! Making an archive while the server runs: the database is dumped first,
//! then the files are copied; if the database changed meanwhile (a sync,
//! a mapping), the whole archive is made again, so the dump and the guide
//! files always belong together. Runs on the blocking pool (callers use
//! `blocking::run`), never on the async thread.

use super::hashing::Hashing;
use super::manifest::{Entry, Manifest, FORMAT, VERSION};
use super::{DB_DUMP, FILES, FOLDERS, KEY_FILES, MANIFEST};
use crate::data_dir::DataDir;
use crate::store::Store;
use anyhow::{bail, Context};
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::Path;

/// How many times a backup starts over when the database keeps changing.
const ATTEMPTS: usize = 5;

/// Writes the archive of `data` (whose database is `store`) into `out`,
/// from its start; `include_key` adds `secret.key` and `jwt.key`.
pub fn write_archive(
    data: &DataDir,
    store: &Store,
    include_key: bool,
    out: &mut File,
) -> anyhow::Result<Manifest> {
    for _ in 0..ATTEMPTS {
        out.set_len(0)?;
        out.rewind()?;
        if let Some(manifest) = attempt(data, store, include_key, out)? {
            out.sync_all().context("cannot write the backup to disk")?;
            return Ok(manifest);
        }
    }
    bail!("the data dir kept changing while it was backed up ({ATTEMPTS} tries); try again when no sync is running")
}

/// [`write_archive`] into an unnamed temporary file, rewound for reading
/// (what the admin API streams to the CLI).
pub fn write_to_temp(data: &DataDir, store: &Store, include_key: bool) -> anyhow::Result<File> {
    let mut file = tempfile::tempfile().context("cannot create a temporary file for the backup")?;
    write_archive(data, store, include_key, &mut file)?;
    file.rewind()?;
    Ok(file)
}

/// One try: the manifest, or `None` when the database changed meanwhile.
fn attempt(
    data: &DataDir,
    store: &Store,
    include_key: bool,
    out: &mut File,
) -> anyhow::Result<Option<Manifest>> {
    let gz = flate2::write::GzEncoder::new(&mut *out, flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    let mut entries = Vec::new();

    let mut dump =
        tempfile::tempfile().context("cannot create a temporary file for the database dump")?;
    let mut writer = std::io::BufWriter::new(&mut dump);
    let version = store.dump(&mut writer)?;
    writer
        .into_inner()
        .map_err(|e| e.into_error())
        .context("cannot write the database dump")?;
    let size = dump.stream_position()?;
    dump.rewind()?;
    entries.push(append(&mut tar, DB_DUMP, dump, size)?);

    for folder in FOLDERS {
        for (name, path) in files_under(&data.root().join(folder), folder)? {
            if let Some(entry) = append_file(&mut tar, &name, &path)? {
                entries.push(entry);
            }
        }
    }
    let keys: &[&str] = if include_key { &KEY_FILES } else { &[] };
    for name in FILES.iter().chain(keys) {
        if let Some(entry) = append_file(&mut tar, name, &data.root().join(name))? {
            entries.push(entry);
        }
    }
    if store.version()? != version {
        return Ok(None);
    }

    let manifest = Manifest {
        format: FORMAT.into(),
        version: VERSION,
        streamforge: env!("CARGO_PKG_VERSION").into(),
        schema: crate::store::SCHEMA,
        created: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
        includes_key: entries.iter().any(|e| e.path == crate::secrets::KEY_FILE),
        entries,
    };
    let json = serde_json::to_vec_pretty(&manifest)?;
    append(&mut tar, MANIFEST, json.as_slice(), json.len() as u64)?;
    tar.into_inner()?.finish()?.flush()?;
    Ok(Some(manifest))
}

/// Appends `size` bytes of `reader` as `name`, owner-only; its entry.
fn append<W: Write>(
    tar: &mut tar::Builder<W>,
    name: &str,
    reader: impl Read,
    size: u64,
) -> anyhow::Result<Entry> {
    let mut header = tar::Header::new_gnu();
    header.set_size(size);
    header.set_mode(0o600);
    header.set_entry_type(tar::EntryType::Regular);
    let mut hashing = Hashing::new(reader.take(size));
    tar.append_data(&mut header, name, &mut hashing)
        .with_context(|| format!("cannot write {name} into the backup"))?;
    let (bytes, sha256) = hashing.finish();
    if bytes != size {
        bail!("{name} shrank while it was backed up; try again");
    }
    Ok(Entry {
        path: name.into(),
        size,
        sha256,
    })
}

/// Appends the file at `path` as `name`, if it (still) exists.
fn append_file<W: Write>(
    tar: &mut tar::Builder<W>,
    name: &str,
    path: &Path,
) -> anyhow::Result<Option<Entry>> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Ok(None);
    }
    append(tar, name, file, meta.len()).map(Some)
}

/// Every regular file under `dir` (hidden ones, temporary files of a write
/// in progress, left out), as (archive name, path), sorted.
fn files_under(dir: &Path, prefix: &str) -> anyhow::Result<Vec<(String, std::path::PathBuf)>> {
    let mut found = Vec::new();
    let read = match std::fs::read_dir(dir) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(found),
        Err(e) => return Err(e).with_context(|| format!("cannot list {}", dir.display())),
    };
    for item in read {
        let item = item?;
        let Some(name) = item.file_name().to_str().map(str::to_string) else {
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        let kind = item.file_type()?;
        let archived = format!("{prefix}/{name}");
        if kind.is_dir() {
            found.extend(files_under(&item.path(), &archived)?);
        } else if kind.is_file() {
            found.push((archived, item.path()));
        }
    }
    found.sort();
    Ok(found)
}
