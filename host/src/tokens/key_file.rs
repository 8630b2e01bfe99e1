//! The signing key on disk: `jwt.key` in the data dir, 32 random bytes as
//! hex, owner-only (0600). It is only ever replaced whole (a private
//! temporary file renamed over it), so no reader sees half a key.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::KeyError;

/// Raw key bytes, wiped when dropped.
pub(super) type KeyBytes = Zeroizing<Vec<u8>>;

/// Bytes in a new key (HS256 wants at least the hash size, 32).
const KEY_LEN: usize = 32;

/// What identifies one version of the key file without reading it: a
/// rename gives a new inode, a write in place a new mtime, a `chmod` new
/// permission bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Stamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
    inode: u64,
    mode: u32,
}

impl Stamp {
    pub(super) fn of(meta: &std::fs::Metadata) -> Stamp {
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(meta);
        #[cfg(not(unix))]
        let inode = 0;
        #[cfg(unix)]
        let mode = std::os::unix::fs::PermissionsExt::mode(&meta.permissions());
        #[cfg(not(unix))]
        let mode = u32::from(meta.permissions().readonly());
        Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
            inode,
            mode,
        }
    }
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> KeyError + '_ {
    move |source| KeyError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The key in `path`, made (0600) if there is none yet.
pub(super) fn load_or_create(path: &Path) -> Result<(KeyBytes, Stamp), KeyError> {
    match read(path)? {
        Some(found) => Ok(found),
        None => write_new(path, false),
    }
}

/// The key in an existing file with the stamp of what was read, `None`
/// when there is no file. Refuses a file others may read or write.
pub(super) fn read(path: &Path) -> Result<Option<(KeyBytes, Stamp)>, KeyError> {
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(path)(e)),
    };
    // The stamp of the open file, so it always matches the bytes read even
    // if the file is replaced meanwhile.
    let meta = file.metadata().map_err(io_error(path))?;
    check_mode(path, &meta)?;
    // A key file is 65 bytes; anything much larger is not one.
    let mut text = Zeroizing::new(String::new());
    (&mut file)
        .take(4096)
        .read_to_string(&mut text)
        .map_err(|_| damaged(path))?;
    let text = text.trim();
    let key = Zeroizing::new(hex::decode(text).map_err(|_| damaged(path))?);
    if key.len() < KEY_LEN {
        return Err(damaged(path));
    }
    Ok(Some((key, Stamp::of(&meta))))
}

/// Writes a fresh key to `path`: replacing any key there when `replace`,
/// else only if there is none (when another process made one first, its
/// key is used).
pub(super) fn write_new(path: &Path, replace: bool) -> Result<(KeyBytes, Stamp), KeyError> {
    let dir = parent(path);
    std::fs::create_dir_all(&dir).map_err(io_error(&dir))?;
    let mut key = Zeroizing::new(vec![0u8; KEY_LEN]);
    getrandom::fill(&mut key).map_err(|e| KeyError::Random(e.to_string()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".jwt.key.")
        .tempfile_in(&dir)
        .map_err(io_error(&dir))?;
    restrict(tmp.as_file()).map_err(io_error(path))?;
    let text = Zeroizing::new(format!("{}\n", hex::encode(&key[..])));
    tmp.write_all(text.as_bytes()).map_err(io_error(path))?;
    tmp.as_file().sync_all().map_err(io_error(path))?;
    // Renaming keeps the inode, mtime and length: this is the new file's stamp.
    let stamp = Stamp::of(&tmp.as_file().metadata().map_err(io_error(path))?);
    let persisted = if replace {
        tmp.persist(path).map(drop)
    } else {
        tmp.persist_noclobber(path).map(drop)
    };
    match persisted {
        Ok(()) => {
            sync_dir(&dir);
            Ok((key, stamp))
        }
        Err(e) if !replace && e.error.kind() == std::io::ErrorKind::AlreadyExists => {
            read(path)?.ok_or_else(|| damaged(path))
        }
        Err(e) => Err(io_error(path)(e.error)),
    }
}

fn damaged(path: &Path) -> KeyError {
    KeyError::Damaged {
        path: path.to_path_buf(),
    }
}

fn parent(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(unix)]
fn check_mode(path: &Path, meta: &std::fs::Metadata) -> Result<(), KeyError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(KeyError::Mode {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_mode(_path: &Path, _meta: &std::fs::Metadata) -> Result<(), KeyError> {
    Ok(())
}

#[cfg(unix)]
fn restrict(file: &std::fs::File) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict(_file: &std::fs::File) -> std::io::Result<()> {
    Ok(())
}

/// Makes the renamed entry durable; best effort.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}
