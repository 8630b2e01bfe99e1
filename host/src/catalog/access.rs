//! Turning a stored account into what the fetcher needs, with the
//! password unsealed only for as long as the requests take.

use crate::fetch::template::{self, Fill};
use crate::fetch::{AccountAccess, AccountHttp};
use crate::secrets::KeyRing;
use crate::secrets::Secret;
use crate::store::AccountRecord;

/// An account's credentials, unsealed.
pub(crate) struct Unsealed {
    pub server: String,
    pub url: String,
    pub username: String,
    pub password: Secret,
    /// The account's name, for errors.
    pub name: String,
    /// The account's CA, User-Agent and headers.
    pub http: AccountHttp,
}

impl Unsealed {
    /// Unseals `account`'s password with the app's key.
    pub fn of(keys: &KeyRing, account: &AccountRecord) -> anyhow::Result<Unsealed> {
        let password = match &account.sealed_password {
            Some(sealed) => keys.open(&account.name, sealed)?,
            None => Secret::new(String::new()),
        };
        Ok(Unsealed::new(account, password))
    }

    /// Credentials of `account` with a password not yet sealed.
    pub fn new(account: &AccountRecord, password: Secret) -> Unsealed {
        let server = server_of(&account.url);
        let username = account.username.clone().unwrap_or_default();
        // The stored URL may hold `{username}`/`{password}` (see `split_credentials`).
        let fill = Fill {
            server: &server,
            url: "",
            username: &username,
            password: password.expose(),
            extra_origins: &[],
        };
        let url = template::fill(&account.url, &fill)
            .map(|u| u.to_string())
            .unwrap_or_else(|_| account.url.clone());
        Unsealed {
            server,
            url,
            username,
            password,
            name: account.name.clone(),
            http: account.http.clone(),
        }
    }

    /// The borrowed form the fetcher takes.
    pub fn access(&self) -> AccountAccess<'_> {
        AccountAccess {
            server: &self.server,
            url: &self.url,
            username: &self.username,
            password: &self.password,
            extra_origins: &[],
            account: &self.name,
            http: &self.http,
        }
    }
}

/// `{server}`: the account URL without query, fragment or trailing slash;
/// for a URL naming a file (`.../get.php`), its folder.
pub(crate) fn server_of(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return url.trim_end_matches('/').to_string();
    };
    parsed.set_query(None);
    parsed.set_fragment(None);
    let path = parsed.path().to_string();
    let last = path.rsplit('/').next().unwrap_or("");
    let folder = if last.contains('.') {
        path[..path.len() - last.len()].to_string()
    } else {
        path
    };
    parsed.set_path(&folder);
    parsed.as_str().trim_end_matches('/').to_string()
}

#[cfg(test)]
mod tests {
    use super::server_of;

    #[test]
    fn server_is_the_url_without_file_query_or_slash() {
        assert_eq!(
            server_of("http://panel.example:8080"),
            "http://panel.example:8080"
        );
        assert_eq!(
            server_of("http://panel.example:8080/"),
            "http://panel.example:8080"
        );
        assert_eq!(
            server_of("http://panel.example/get.php?username=a&password=b"),
            "http://panel.example"
        );
        assert_eq!(
            server_of("https://x.example/iptv/"),
            "https://x.example/iptv"
        );
    }
}
