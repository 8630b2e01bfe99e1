//! What the host knows about an account when it fills a request.

use std::fmt;

use super::AccountHttp;
use crate::fetch::template::Fill;
use crate::secrets::Secret;

/// The account values a request template may use. It exists so the fetcher
/// gets the credentials as a [`Secret`] (never printed) together with the
/// origins they may be sent to.
#[derive(Clone, Copy)]
pub struct AccountAccess<'a> {
    /// The account's server URL (`{server}`), e.g. `http://panel.example:8080`.
    pub server: &'a str,
    /// The account URL as the user gave it (`{url}`, e.g. an M3U playlist).
    pub url: &'a str,
    /// The user name (`{username}`); empty when the account has none.
    pub username: &'a str,
    /// The password (`{password}`); empty when the account has none.
    pub password: &'a Secret,
    /// Origins besides the server's that this account's URLs may use.
    pub extra_origins: &'a [String],
    /// The account's name, for errors that tell the user what to fix
    /// (empty when the request is not an account's).
    pub account: &'a str,
    /// The account's CA, User-Agent and headers.
    pub http: &'a AccountHttp,
}

impl<'a> AccountAccess<'a> {
    /// An account whose URL is its server and that allows no other origin.
    pub fn new(server: &'a str, username: &'a str, password: &'a Secret) -> Self {
        Self {
            server,
            url: server,
            username,
            password,
            extra_origins: &[],
            account: "",
            http: &super::NO_ACCOUNT_HTTP,
        }
    }

    /// The values in the form [`crate::fetch::template::fill`] takes.
    pub fn fill(&self) -> Fill<'a> {
        Fill {
            server: self.server,
            url: self.url,
            username: self.username,
            password: self.password.expose(),
            extra_origins: self.extra_origins,
        }
    }
}

impl fmt::Debug for AccountAccess<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountAccess")
            .field("server", &self.server)
            .field("username", &"<hidden>")
            .field("password", &"<hidden>")
            .field("extra_origins", &self.extra_origins)
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}
