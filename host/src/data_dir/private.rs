//! Files readable by their owner only (mode 0600): the password key, the
//! camera token key, the admin token, the console password's hash, files a
//! restore writes. Written in one place so every one of them is private
//! from its first byte, complete when it appears (a temporary file renamed
//! into place), and durable.

use std::fs::{File, Metadata};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// What to do when the file already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Replace it atomically (a readers sees the old or the new file whole).
    Replace,
    /// Keep it: the write does nothing (two processes racing to create a
    /// key agree on the first one's).
    Keep,
}

/// What a [`write`] did.
#[derive(Debug)]
pub enum Written {
    /// The file holds the new bytes; its metadata as written.
    New(Metadata),
    /// A file was already there and was kept ([`Existing::Keep`]).
    Kept,
}

/// Writes `bytes` to `path`, owner-only, through a temporary file in the
/// same folder renamed into place (creating the folder if needed).
pub fn write(path: &Path, bytes: &[u8], existing: Existing) -> io::Result<Written> {
    let dir = parent(path);
    std::fs::create_dir_all(&dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .tempfile_in(&dir)?;
    restrict(tmp.as_file())?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    // Renaming keeps the inode, mtime and length: this is the file's metadata.
    let meta = tmp.as_file().metadata()?;
    let persisted = match existing {
        Existing::Replace => tmp.persist(path).map(drop),
        Existing::Keep => tmp.persist_noclobber(path).map(drop),
    };
    match persisted {
        Ok(()) => {
            sync_dir(&dir);
            Ok(Written::New(meta))
        }
        Err(e) if existing == Existing::Keep && e.error.kind() == io::ErrorKind::AlreadyExists => {
            Ok(Written::Kept)
        }
        Err(e) => Err(e.error),
    }
}

/// A new file at `path`, owner-only, to be written as a stream (fails if
/// the path exists).
pub fn create(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// The permission bits of a file others may read or write (`None` when
/// only its owner may).
pub fn too_open(meta: &Metadata) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        (mode & 0o077 != 0).then_some(mode)
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

fn parent(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(unix)]
fn restrict(file: &File) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict(_file: &File) -> io::Result<()> {
    Ok(())
}

/// Makes the new directory entry durable; best effort.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_files_are_owner_only_replaced_or_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/secret");
        assert!(matches!(
            write(&path, b"one", Existing::Keep).unwrap(),
            Written::New(_)
        ));
        assert!(matches!(
            write(&path, b"two", Existing::Keep).unwrap(),
            Written::Kept
        ));
        assert_eq!(std::fs::read(&path).unwrap(), b"one");
        write(&path, b"three", Existing::Replace).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"three");
        let meta = std::fs::metadata(&path).unwrap();
        assert_eq!(too_open(&meta), None);
        let leftovers = std::fs::read_dir(dir.path().join("sub")).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file left");
        let streamed = dir.path().join("streamed");
        create(&streamed).unwrap().write_all(b"x").unwrap();
        assert_eq!(too_open(&std::fs::metadata(&streamed).unwrap()), None);
        assert!(create(&streamed).is_err(), "never over an existing file");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&streamed, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert_eq!(
                too_open(&std::fs::metadata(&streamed).unwrap()),
                Some(0o644)
            );
        }
    }
}
