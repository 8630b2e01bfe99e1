//! Where the key comes from: `STREAMFORGE_KEY`, else `<data dir>/secret.key`,
//! created on first use with owner-only permissions.

use crate::data_dir::private::{self, Existing, Written};
use std::fmt;
use std::path::{Path, PathBuf};

use aes_gcm::aead::{Generate, KeyInit};
use aes_gcm::Aes256Gcm;
use base64::Engine;
use zeroize::Zeroizing;

use super::SecretError;

/// Environment variable that holds the key (64 hex chars or base64 of 32 bytes).
pub const KEY_ENV: &str = "STREAMFORGE_KEY";
/// Name of the key file inside the data dir, used when `STREAMFORGE_KEY` is unset.
pub const KEY_FILE: &str = "secret.key";

/// Raw key bytes, wiped when dropped.
type KeyBytes = Zeroizing<[u8; 32]>;

/// Where a [`KeyRing`]'s key was read from, so errors can tell the user which
/// key to restore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// The `STREAMFORGE_KEY` environment variable.
    Env,
    /// A key file at this path.
    File(PathBuf),
}

impl fmt::Display for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySource::Env => f.write_str(KEY_ENV),
            KeySource::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// The loaded AES-256-GCM key; seals and opens account passwords
/// (see [`KeyRing::seal`] and [`KeyRing::open`]). It exists so the key is read
/// once and never handed around as bytes.
pub struct KeyRing {
    pub(super) cipher: Aes256Gcm,
    pub(super) source: KeySource,
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl KeyRing {
    /// The key from `STREAMFORGE_KEY` when set, else from `<data_dir>/secret.key`
    /// (created on first use).
    pub fn load(data_dir: &Path) -> Result<Self, SecretError> {
        match std::env::var_os(KEY_ENV) {
            Some(value) => Self::from_env_value(value.to_str().ok_or(SecretError::BadEnvKey)?),
            None => Self::from_key_file(data_dir),
        }
    }

    /// A key given as `STREAMFORGE_KEY` would give it: 64 hex characters or
    /// the base64 (standard or URL-safe, padded or not) of 32 bytes.
    pub fn from_env_value(value: &str) -> Result<Self, SecretError> {
        let key = parse_key(value).ok_or(SecretError::BadEnvKey)?;
        Ok(Self::new(&key, KeySource::Env))
    }

    /// The key in `<data_dir>/secret.key`, created (mode 0600) if missing.
    /// Refuses a key file that others may read or write.
    pub fn from_key_file(data_dir: &Path) -> Result<Self, SecretError> {
        let path = data_dir.join(KEY_FILE);
        let key = match read_key_file(&path)? {
            Some(key) => key,
            None => create_key_file(data_dir, &path)?,
        };
        Ok(Self::new(&key, KeySource::File(path)))
    }

    /// Where the key was read from.
    pub fn source(&self) -> &KeySource {
        &self.source
    }

    fn new(key: &KeyBytes, source: KeySource) -> Self {
        let cipher = Aes256Gcm::new_from_slice(&key[..]).expect("a 32-byte key");
        Self { cipher, source }
    }
}

/// 64 hex characters, or base64 of exactly 32 bytes. Surrounding whitespace
/// (a trailing newline in a file) is ignored.
fn parse_key(text: &str) -> Option<KeyBytes> {
    let text = text.trim();
    let mut key = Zeroizing::new([0u8; 32]);
    if text.len() == 64 && hex::decode_to_slice(text, &mut key[..]).is_ok() {
        return Some(key);
    }
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    for engine in [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD] {
        if let Ok(bytes) = engine.decode(text).map(Zeroizing::new) {
            if bytes.len() == 32 {
                key.copy_from_slice(&bytes);
                return Some(key);
            }
        }
    }
    None
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> SecretError + '_ {
    move |source| SecretError::KeyFileIo {
        path: path.to_path_buf(),
        source,
    }
}

/// The key in an existing file, `None` when there is no file.
fn read_key_file(path: &Path) -> Result<Option<KeyBytes>, SecretError> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(path)(e)),
    };
    check_mode(path, &meta)?;
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(io_error(path))?);
    parse_key(&text)
        .map(Some)
        .ok_or_else(|| SecretError::BadKeyFile(path.to_path_buf()))
}

fn check_mode(path: &Path, meta: &std::fs::Metadata) -> Result<(), SecretError> {
    match crate::data_dir::private::too_open(meta) {
        Some(mode) => Err(SecretError::KeyFileMode {
            path: path.to_path_buf(),
            mode,
        }),
        None => Ok(()),
    }
}

/// Writes a fresh key, owner-only and whole, only if no key file exists yet
/// (the same guarantee as `create_new`, and nobody ever reads a
/// half-written key). When another process won the race, its key is used.
fn create_key_file(dir: &Path, path: &Path) -> Result<KeyBytes, SecretError> {
    std::fs::create_dir_all(dir).map_err(io_error(dir))?;
    let key: KeyBytes = Zeroizing::new(
        <[u8; 32]>::try_generate()
            .map_err(|e| io_error(path)(std::io::Error::other(e.to_string())))?,
    );
    let text = Zeroizing::new(format!("{}\n", hex::encode(&key[..])));
    match private::write(path, text.as_bytes(), Existing::Keep).map_err(io_error(path))? {
        Written::New(_) => Ok(key),
        Written::Kept => {
            read_key_file(path)?.ok_or_else(|| SecretError::BadKeyFile(path.to_path_buf()))
        }
    }
}
