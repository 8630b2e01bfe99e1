//! The users of the Xtream Codes door (`crate::users`): each with an argon2
//! password hash, the one lineup they see, their connection limit and an
//! optional expiry.

use super::{decode, encode, Result, Store};
use serde::{Deserialize, Serialize};

/// One user of the Xtream door.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct UserRecord {
    /// The user name players send.
    pub name: String,
    /// argon2id PHC string of the password (never the password).
    pub password_hash: String,
    /// The lineup whose channels the user sees (`main` or another).
    pub lineup: String,
    /// Channels the user may watch at once (one channel watched twice counts once).
    pub max_connections: u32,
    /// Added to its lineup's priority for the user's tunes (0: the lineup's
    /// own); higher goes first when accounts are full.
    pub priority: i32,
    /// Unix seconds after which the user is refused as expired.
    pub expires: Option<i64>,
    /// Whether the user may sign in.
    pub enabled: bool,
    /// Unix seconds when the user was made.
    pub created: i64,
}

impl Store {
    /// Every user, by name.
    pub fn users(&self) -> Result<Vec<UserRecord>> {
        self.users
            .iter()
            .values()
            .map(|v| decode("user", &v?))
            .collect()
    }

    /// User `name`, if there is one.
    pub fn user(&self, name: &str) -> Result<Option<UserRecord>> {
        self.users
            .get(name.as_bytes())?
            .map(|v| decode("user", &v))
            .transpose()
    }

    /// Adds or replaces a user.
    pub fn put_user(&self, user: &UserRecord) -> Result<()> {
        self.users.insert(user.name.as_bytes(), encode(user))?;
        self.users.flush()?;
        self.changed()
    }

    /// Removes a user; the old record if there was one.
    pub fn remove_user(&self, name: &str) -> Result<Option<UserRecord>> {
        let old = self.users.remove(name.as_bytes())?;
        self.users.flush()?;
        self.changed()?;
        old.map(|v| decode("user", &v)).transpose()
    }
}
