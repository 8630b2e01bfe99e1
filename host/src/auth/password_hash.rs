//! Password hashes (argon2id, random salt, PHC strings): made once when a
//! password is set, checked at sign-in. The console password and the Xtream
//! door's users use the same two functions.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// The PHC string of `password` with a fresh random salt.
pub fn hash(password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| anyhow::anyhow!("no randomness for a salt: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))?
        .to_string())
}

/// Whether `password` matches the PHC string `stored` (false when `stored` is not one).
pub fn verify(stored: &str, password: &str) -> bool {
    let Ok(hash) = PasswordHash::new(stored.trim()) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &hash)
        .is_ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_hash_checks_its_password_only() {
        let h = super::hash("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$") && !h.contains("correct"));
        assert!(super::verify(&h, "correct horse"));
        assert!(!super::verify(&h, "Correct horse"));
        assert!(!super::verify("not a hash", "correct horse"));
    }
}
