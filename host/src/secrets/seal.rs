//! Sealing and opening account passwords.

use aes_gcm::aead::{Aead, Generate, Nonce, Payload};
use aes_gcm::Aes256Gcm;

use super::{KeyRing, Secret, SecretError};

/// First byte of every sealed password; a later format gets a new number.
const VERSION: u8 = 1;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// Domain separation: these bytes and the account name are the associated data.
const AAD_PREFIX: &[u8] = b"streamforge/account-password/v1\0";

fn associated_data(account: &str) -> Vec<u8> {
    [AAD_PREFIX, account.as_bytes()].concat()
}

impl KeyRing {
    /// Seals `plaintext` for `account` under a fresh random 96-bit nonce.
    /// The result holds no plaintext and opens only for the same account.
    ///
    /// # Panics
    /// If the operating system's random number generator fails, which modern
    /// systems do not do once booted.
    pub fn seal(&self, account: &str, plaintext: &str) -> Vec<u8> {
        let nonce = Nonce::<Aes256Gcm>::generate();
        let aad = associated_data(account);
        let sealed = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: &aad,
                },
            )
            .expect("AES-GCM encrypts any password-sized input");
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// Opens what [`KeyRing::seal`] made for `account`. Another key, another
    /// account or a changed byte gives [`SecretError::WrongKey`], never garbage.
    pub fn open(&self, account: &str, sealed: &[u8]) -> Result<Secret, SecretError> {
        let malformed = || SecretError::Malformed {
            account: account.to_string(),
        };
        if sealed.len() < 1 + NONCE_LEN + TAG_LEN || sealed[0] != VERSION {
            return Err(malformed());
        }
        let nonce =
            Nonce::<Aes256Gcm>::try_from(&sealed[1..1 + NONCE_LEN]).map_err(|_| malformed())?;
        let aad = associated_data(account);
        let plain = self
            .cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: &sealed[1 + NONCE_LEN..],
                    aad: &aad,
                },
            )
            .map_err(|_| SecretError::WrongKey {
                account: account.to_string(),
                key: self.source.to_string(),
            })?;
        String::from_utf8(plain).map(Secret::new).map_err(|e| {
            zeroize::Zeroize::zeroize(&mut e.into_bytes());
            malformed()
        })
    }
}
