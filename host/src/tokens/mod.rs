//! Tokens for the camera endpoints: HS256 JWTs signed with `jwt.key` in the
//! data dir, so a dashboard or a script can watch chosen cameras without
//! holding the admin token.
//!
//! `key_file` keeps the key on disk (owner-only, replaced atomically),
//! `keys` signs and verifies and notices a rotated key without a restart,
//! `claims` is what a token says, `access` turns a request into a decision
//! (all cameras, some, or a 401/403 answer). A token is a secret: it is
//! printed once by `streamforge token issue` and appears in no log, event,
//! error or other answer.

mod access;
mod claims;
mod error;
mod key_file;
mod keys;

pub use access::{presented_token, ws_auth_token, Access, AccessError, CameraAccess};
pub use claims::{Claims, Scope};
pub use error::{IssueError, KeyError, TokenError};
pub use keys::{rotate_key, TokenKeys};

use std::time::Duration;

/// The shortest life a token may be given: anything shorter would be
/// expired before anyone could use it.
pub const MIN_TTL: Duration = Duration::from_secs(1);

/// The longest life a token may be given: a token cannot be revoked on its
/// own (only `token rotate-key` revokes, and it revokes all), so none should
/// outlive a year.
pub const MAX_TTL: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// The life of a token when none is asked for.
pub const DEFAULT_TTL: Duration = Duration::from_secs(60 * 60);

#[cfg(test)]
mod tests;
