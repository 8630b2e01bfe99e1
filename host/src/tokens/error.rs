//! What can go wrong with the token key, with issuing and with checking a
//! token. No message ever carries a token or key bytes.

use axum::http::StatusCode;
use std::path::PathBuf;
use std::sync::Arc;

/// Why the signing key could not be read or written. Each message is one
/// line telling the user what to do.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The key file does not hold a key (64+ hex characters).
    #[error(
        "the camera token key {} is damaged; run `streamforge token rotate-key` to make \
         a new one (tokens issued before stop working)",
        path.display()
    )]
    Damaged {
        /// The key file.
        path: PathBuf,
    },
    /// The key file is readable or writable by others.
    #[error(
        "the camera token key {} is accessible by others (mode {mode:03o}); run `chmod 600 {}` \
         (or `streamforge token rotate-key` if others may have read it)",
        path.display(), path.display()
    )]
    Mode {
        /// The key file.
        path: PathBuf,
        /// Its permission bits; owner-only (`0o600`) is required.
        mode: u32,
    },
    /// The key file was removed while the server runs: every token is
    /// refused until a new key exists.
    #[error(
        "the camera token key {} is gone, so every token is refused; `streamforge token \
         rotate-key` makes a new one",
        path.display()
    )]
    Missing {
        /// The key file.
        path: PathBuf,
    },
    /// Reading, creating or replacing the key file failed.
    #[error("camera token key {}: {source}", path.display())]
    Io {
        /// The key file (or the data dir, when creating it failed).
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The operating system gave no random bytes for a new key.
    #[error("no randomness for a new camera token key: {0}")]
    Random(String),
}

/// Why no token was issued.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    /// The asked-for life is zero, under a second or over a year.
    #[error(
        "a token must live at least 1 second and at most 365 days (asked for {0}); \
         use e.g. --ttl 10m, 12h or 30d"
    )]
    Ttl(String),
    /// A camera id that cannot be one (empty, `*`, or not URL-safe).
    #[error(
        "`{0}` is not a camera id (ids are letters, digits, `-`, `_`, `.` and `~`, as shown \
         by `streamforge camera list`); leave out --camera for a token good for every camera"
    )]
    CameraId(String),
    /// The key could not be read or made.
    #[error(transparent)]
    Key(#[from] Arc<KeyError>),
    /// The JWT library refused to sign (never expected with an HMAC key).
    #[error("signing the token failed: {0}")]
    Signing(String),
}

impl From<KeyError> for IssueError {
    fn from(e: KeyError) -> Self {
        IssueError::Key(Arc::new(e))
    }
}

/// Why a presented token was refused. Missing, malformed, forged and expired
/// are the client's to fix (HTTP 401); a key the server cannot read is the
/// server's trouble (HTTP 500, the log says why). Messages are fixed text:
/// the token itself is never echoed.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// No token in the header, the query or the first WebSocket message.
    #[error("no camera token was sent")]
    Missing,
    /// Not three base64url parts of JSON with the claims we expect (this
    /// includes a header naming no algorithm or `none`).
    #[error("the camera token is not a well-formed token")]
    Malformed,
    /// Signed with another key (or signed before a key rotation), altered
    /// after signing, or signed with another algorithm than HS256.
    #[error("the camera token was not signed by this server's current key")]
    Forged,
    /// Its `exp` has passed.
    #[error("the camera token has expired; issue a new one with `streamforge token issue`")]
    Expired,
    /// The server's key cannot be read: nothing can be verified.
    #[error(transparent)]
    Key(Arc<KeyError>),
}

impl TokenError {
    /// The HTTP status this refusal answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            TokenError::Key(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::UNAUTHORIZED,
        }
    }

    /// The short reason sent to the client: fixed text, no token, no path.
    pub fn reason(&self) -> &'static str {
        match self {
            TokenError::Missing => "missing token",
            TokenError::Malformed => "malformed token",
            TokenError::Forged => "invalid token signature",
            TokenError::Expired => "token expired",
            TokenError::Key(_) => "the server cannot check tokens; its log says why",
        }
    }
}

impl From<KeyError> for TokenError {
    fn from(e: KeyError) -> Self {
        TokenError::Key(Arc::new(e))
    }
}
