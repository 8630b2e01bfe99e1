//! The signing key on disk: `jwt.key` in the data dir, 32 random bytes as
//! hex, owner-only (0600). It is only ever replaced whole (a private
//! temporary file renamed over it), so no reader sees half a key.

use crate::data_dir::private::{self, Existing, Written};
use std::io::Read;
use std::path::Path;

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
    let mut key = Zeroizing::new(vec![0u8; KEY_LEN]);
    getrandom::fill(&mut key).map_err(|e| KeyError::Random(e.to_string()))?;
    let text = Zeroizing::new(format!("{}\n", hex::encode(&key[..])));
    let existing = if replace {
        Existing::Replace
    } else {
        Existing::Keep
    };
    match private::write(path, text.as_bytes(), existing).map_err(io_error(path))? {
        Written::New(meta) => Ok((key, Stamp::of(&meta))),
        Written::Kept => read(path)?.ok_or_else(|| damaged(path)),
    }
}

fn damaged(path: &Path) -> KeyError {
    KeyError::Damaged {
        path: path.to_path_buf(),
    }
}

fn check_mode(path: &Path, meta: &std::fs::Metadata) -> Result<(), KeyError> {
    match private::too_open(meta) {
        Some(mode) => Err(KeyError::Mode {
            path: path.to_path_buf(),
            mode,
        }),
        None => Ok(()),
    }
}
