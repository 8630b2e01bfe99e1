//! Provider passwords sealed with AES-256-GCM.
//!
//! The store keeps only sealed bytes; the plaintext exists in memory as a
//! [`Secret`] (zeroized on drop, printed as `<hidden>`) for as long as a
//! request needs it. The key comes from `STREAMFORGE_KEY` or from a key file
//! created once in the data dir with owner-only permissions ([`KeyRing::load`]).
//!
//! Sealed format: `version (1 byte) ‖ nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes)`,
//! with the account name bound in as associated data, so a sealed password
//! copied to another account does not open.

mod error;
mod key;
mod seal;
mod secret;

pub use error::SecretError;
pub use key::{KeyRing, KeySource, KEY_ENV, KEY_FILE};
pub use secret::Secret;

#[cfg(test)]
mod tests;
