//! The console password: set by `streamforge console password`, kept as an
//! argon2 hash in the data dir (owner-only), checked at sign-in. The file is
//! read at each sign-in, so a new password works without a restart.

use anyhow::{bail, Context};
use std::path::{Path, PathBuf};

/// Shortest password accepted: a console password guards every account.
pub const MIN_LEN: usize = 8;

/// Where the hash lives in the data dir.
pub fn path(data_root: &Path) -> PathBuf {
    data_root.join("console.password")
}

/// Hashes `password` (argon2id, random salt) and stores it, owner-only,
/// replacing any previous one atomically.
pub fn set(data_root: &Path, password: &str) -> anyhow::Result<()> {
    if password.chars().count() < MIN_LEN {
        bail!("the console password needs at least {MIN_LEN} characters");
    }
    let hash = crate::auth::password_hash::hash(password)?;
    let target = path(data_root);
    crate::data_dir::private::write(
        &target,
        hash.as_bytes(),
        crate::data_dir::private::Existing::Replace,
    )
    .with_context(|| format!("cannot write {}", target.display()))?;
    Ok(())
}

/// Whether `password` is the console password (false when none is set).
pub fn verify(data_root: &Path, password: &str) -> bool {
    let Ok(stored) = std::fs::read_to_string(path(data_root)) else {
        return false;
    };
    if argon2::password_hash::PasswordHash::new(stored.trim()).is_err() {
        tracing::warn!(
            "the console password file {} is unreadable; set it again with `streamforge console password`",
            path(data_root).display()
        );
        return false;
    }
    crate::auth::password_hash::verify(&stored, password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_password_verifies_and_nothing_else_does() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!verify(dir.path(), "anything-at-all"), "none set yet");
        set(dir.path(), "correct horse").unwrap();
        assert!(verify(dir.path(), "correct horse"));
        assert!(!verify(dir.path(), "correct horsf"));
        let stored = std::fs::read_to_string(path(dir.path())).unwrap();
        assert!(stored.starts_with("$argon2id$") && !stored.contains("correct"));
        let err = set(dir.path(), "short").unwrap_err().to_string();
        assert!(err.contains("at least 8"), "{err}");
        assert!(
            verify(dir.path(), "correct horse"),
            "a refused one keeps the old"
        );
    }
}
