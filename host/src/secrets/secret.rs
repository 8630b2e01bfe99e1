//! The plaintext of a credential, kept out of logs and wiped from memory.

use std::fmt;

use zeroize::Zeroizing;

/// A plaintext credential. It exists so a password can travel through the
/// host without ever being printed: Debug and Display show `<hidden>`, the
/// memory is zeroed on drop, and reading it takes an explicit [`Secret::expose`].
#[derive(Clone, Default)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a plaintext (taking ownership, so no copy is left behind).
    pub fn new(plaintext: String) -> Self {
        Self(Zeroizing::new(plaintext))
    }

    /// The plaintext, for the one place that must use it (filling a request).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether there is no secret at all (e.g. an M3U account without password).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(plaintext: String) -> Self {
        Self::new(plaintext)
    }
}

impl From<&str> for Secret {
    fn from(plaintext: &str) -> Self {
        Self::new(plaintext.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<hidden>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<hidden>")
    }
}
