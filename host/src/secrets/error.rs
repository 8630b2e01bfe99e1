//! What can go wrong with keys and sealed passwords. No message ever carries
//! a key or a plaintext.

use std::path::PathBuf;

/// Why a key could not be loaded or a password could not be opened. Each
/// message is one line telling the user what to do.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// `STREAMFORGE_KEY` is set but is not a 256-bit key.
    #[error(
        "STREAMFORGE_KEY must be 64 hex characters or the base64 of 32 bytes \
         (make one with `openssl rand -hex 32`)"
    )]
    BadEnvKey,
    /// The key file exists but does not hold a 256-bit key.
    #[error(
        "key file {0} must hold 64 hex characters or the base64 of 32 bytes; \
         restore the original key file"
    )]
    BadKeyFile(PathBuf),
    /// The key file is readable or writable by others.
    #[error(
        "key file {path} is accessible by others (mode {mode:03o}); \
         run `chmod 600 {path}` and try again"
    )]
    KeyFileMode {
        /// The key file.
        path: PathBuf,
        /// Its permission bits (`0o644`, ...); owner-only (`0o600`) is required.
        mode: u32,
    },
    /// Reading, creating or writing the key file failed.
    #[error("key file {path}: {source}")]
    KeyFileIo {
        /// The key file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The sealed password was made with another key (or was tampered with).
    #[error(
        "the password of account `{account}` cannot be decrypted with the key in {key}: \
         restore the key that sealed it, or remove and re-add the account"
    )]
    WrongKey {
        /// The account whose password did not open.
        account: String,
        /// Where the key in use came from (`STREAMFORGE_KEY` or the key file's path).
        key: String,
    },
    /// The stored bytes are not a sealed password this version understands.
    #[error(
        "the stored password of account `{account}` is not in a format this version reads; \
         remove and re-add the account"
    )]
    Malformed {
        /// The account whose stored password is unreadable.
        account: String,
    },
}
