//! The users of the Xtream Codes door: `user add|list|set|disable|enable|remove`
//! (CLI, admin API). Each sees one lineup, has a connection limit, maybe an
//! expiry; passwords are kept as argon2 hashes only. Each action writes the
//! store, which moves its version, so the routing snapshot (where the door
//! reads users) rebuilds.

use crate::events::{Event, EventLog};
use crate::store::{valid_lineup_name, Store, UserRecord, MAIN_LINEUP};
use anyhow::{anyhow, bail};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The users service.
pub struct Users {
    store: Store,
    events: Arc<EventLog>,
}

/// What `user add` and `user set` say (absent: unchanged, or the default for a new user).
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct UserChange {
    /// A new password (hashed here; never stored or logged as given).
    pub password: Option<String>,
    /// The lineup the user sees.
    pub lineup: Option<String>,
    /// Channels at once (at least 1).
    pub max_connections: Option<u32>,
    /// Priority when accounts are full.
    pub priority: Option<i32>,
    /// Expiry as `YYYY-MM-DD` (UTC, end of that day), or "" for none.
    pub expires: Option<String>,
    /// Allowed to sign in or not.
    pub enabled: Option<bool>,
}

impl std::fmt::Debug for UserChange {
    /// Everything but the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserChange")
            .field("password", &self.password.as_ref().map(|_| "(hidden)"))
            .field("lineup", &self.lineup)
            .field("max_connections", &self.max_connections)
            .field("priority", &self.priority)
            .field("expires", &self.expires)
            .field("enabled", &self.enabled)
            .finish()
    }
}

/// A user as listed (no password, no hash).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UserView {
    /// The user name.
    pub name: String,
    /// The lineup the user sees.
    pub lineup: String,
    /// Channels at once.
    pub max_connections: u32,
    /// Priority.
    pub priority: i32,
    /// Unix seconds of expiry.
    pub expires: Option<i64>,
    /// Allowed to sign in.
    pub enabled: bool,
    /// Unix seconds when made.
    pub created: i64,
}

impl From<&UserRecord> for UserView {
    fn from(u: &UserRecord) -> UserView {
        UserView {
            name: u.name.clone(),
            lineup: u.lineup.clone(),
            max_connections: u.max_connections,
            priority: u.priority,
            expires: u.expires,
            enabled: u.enabled,
            created: u.created,
        }
    }
}

/// Whether `name` can be a user name (it goes into stream URLs unescaped).
pub fn valid_user_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// `YYYY-MM-DD` as the unix second its day ends (UTC).
fn end_of_day(date: &str) -> anyhow::Result<i64> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let day = time::Date::parse(date.trim(), &format)
        .map_err(|_| anyhow!("`{date}` is not a date like 2027-01-31"))?;
    Ok(day.midnight().assume_utc().unix_timestamp() + 86_399)
}

impl Users {
    /// The service over these parts (the app builds it once).
    pub fn new(store: Store, events: Arc<EventLog>) -> Self {
        Users { store, events }
    }

    /// Every user.
    pub fn list(&self) -> anyhow::Result<Vec<UserView>> {
        Ok(self.store.users()?.iter().map(UserView::from).collect())
    }

    /// Makes user `name` (a password is required).
    pub fn add(&self, name: &str, change: &UserChange) -> anyhow::Result<UserView> {
        if !valid_user_name(name) {
            bail!("a user name is 1 to 64 letters, digits, `-`, `_` or `.` (players put it in URLs): `{name}` is not one");
        }
        if self.store.user(name)?.is_some() {
            bail!(
                "there is already a user `{name}` (change it with `streamforge user set {name}`)"
            );
        }
        if change.password.is_none() {
            bail!("a new user needs a password (`--password-stdin`)");
        }
        let user = UserRecord {
            name: name.to_string(),
            lineup: MAIN_LINEUP.into(),
            max_connections: 1,
            enabled: true,
            created: crate::clock::now_unix() as i64,
            ..Default::default()
        };
        let user = self.changed(user, change)?;
        self.store.put_user(&user)?;
        self.events.record(Event::new(
            "user-added",
            format!(
                "user {name}: lineup {}, {} connection(s)",
                user.lineup, user.max_connections
            ),
        ));
        Ok(UserView::from(&user))
    }

    /// Changes user `name`.
    pub fn set(&self, name: &str, change: &UserChange) -> anyhow::Result<UserView> {
        let user = self.store.user(name)?.ok_or_else(|| no_such(name))?;
        let user = self.changed(user, change)?;
        self.store.put_user(&user)?;
        self.events
            .record(Event::new("user-changed", format!("user {name}")));
        Ok(UserView::from(&user))
    }

    /// Removes user `name`.
    pub fn remove(&self, name: &str) -> anyhow::Result<UserView> {
        let old = self.store.remove_user(name)?.ok_or_else(|| no_such(name))?;
        self.events
            .record(Event::new("user-removed", format!("user {name}")));
        Ok(UserView::from(&old))
    }

    fn changed(&self, mut user: UserRecord, change: &UserChange) -> anyhow::Result<UserRecord> {
        if let Some(password) = &change.password {
            if password.is_empty() || password.len() > 256 || password.chars().any(char::is_control)
            {
                bail!("a password is 1 to 256 printable characters");
            }
            if password.contains(['/', '?', '#', '%', '&']) {
                bail!("a password players put into URLs cannot hold `/ ? # % &`");
            }
            user.password_hash = crate::auth::password_hash::hash(password)?;
        }
        if let Some(lineup) = &change.lineup {
            let exists = lineup == MAIN_LINEUP
                || (valid_lineup_name(lineup) && self.store.lineup(lineup)?.is_some());
            if !exists {
                bail!("there is no lineup named `{lineup}` (see `streamforge lineup list`)");
            }
            user.lineup = lineup.clone();
        }
        if let Some(n) = change.max_connections {
            if n == 0 || n > 100 {
                bail!("--max-connections must be from 1 to 100");
            }
            user.max_connections = n;
        }
        if let Some(p) = change.priority {
            user.priority = p;
        }
        if let Some(date) = &change.expires {
            user.expires = match date.trim() {
                "" => None,
                d => Some(end_of_day(d)?),
            };
        }
        if let Some(e) = change.enabled {
            user.enabled = e;
        }
        Ok(user)
    }
}

fn no_such(name: &str) -> anyhow::Error {
    anyhow!("there is no user named `{name}` (see `streamforge user list`)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_and_dates() {
        assert!(valid_user_name("alice.b-2_x"));
        assert!(!valid_user_name("a/b") && !valid_user_name("") && !valid_user_name("a b"));
        assert_eq!(end_of_day("1970-01-02").unwrap(), 86_400 + 86_399);
        assert!(end_of_day("tomorrow").is_err());
    }
}
