//! `account add | list | test | remove`.

use super::access::Unsealed;
use super::status::{check, AccountCheck};
use super::Catalog;
use crate::clock::now_unix as now_secs;
use crate::events::Event;
use crate::fetch::AccountHttp;
use crate::plugins::World;
use crate::secrets::Secret;
use crate::store::AccountRecord;
use anyhow::{anyhow, bail};
use serde::{Deserialize, Serialize};

/// What `account add` asks for. The password travels only here, once.
#[derive(Clone, Serialize, Deserialize)]
pub struct NewAccount {
    /// The user's name for the account; unique, 1-64 of `A-Z a-z 0-9 - _ .`.
    pub name: String,
    /// The provider plugin that speaks to it (`xtream`, `m3u`, an installed one).
    pub provider: String,
    /// Panel address or playlist URL; credentials in its query are moved out and sealed.
    pub url: String,
    /// The provider's user name; none takes the one in the URL, if any.
    pub username: Option<String>,
    /// Plaintext password, sealed before it is stored; none takes the one in the URL.
    pub password: Option<String>,
    /// Connections allowed at once; none takes what the provider reports, else 1.
    pub max_connections: Option<u32>,
    /// Lower is preferred when choosing between equal streams.
    pub priority: i32,
    /// Check the account with the provider before storing it.
    pub check: bool,
    /// An extra CA, a User-Agent and headers for its requests.
    #[serde(default)]
    pub http: AccountHttp,
}

/// What `account set` changes; `None` keeps the current value.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct AccountChange {
    /// Connections allowed at once.
    pub max_connections: Option<u32>,
    /// Lower is preferred between equal streams.
    pub priority: Option<i32>,
    /// A new CA (PEM text, checked again here).
    pub ca_pem: Option<String>,
    /// Forget the stored CA.
    #[serde(default)]
    pub clear_ca: bool,
    /// A new User-Agent; `Some("")` goes back to StreamForge's own.
    pub user_agent: Option<String>,
    /// New extra headers in place of the stored ones.
    pub headers: Option<Vec<(String, String)>>,
    /// A new plaintext password, sealed with the current key before it is
    /// stored (how a restore without the old key gets working accounts back).
    #[serde(default)]
    pub password: Option<String>,
}

impl std::fmt::Debug for AccountChange {
    /// Everything but the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountChange")
            .field("max_connections", &self.max_connections)
            .field("priority", &self.priority)
            .field("ca_pem", &self.ca_pem.as_ref().map(|_| "<pem>"))
            .field("clear_ca", &self.clear_ca)
            .field("user_agent", &self.user_agent)
            .field("headers", &self.headers.as_ref().map(Vec::len))
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .finish()
    }
}

impl NewAccount {
    /// An Xtream Codes account at `url`, checked with the panel before it is
    /// stored, with default limits and priority.
    pub fn xtream(name: &str, url: &str, username: &str, password: &str) -> NewAccount {
        NewAccount {
            name: name.into(),
            provider: "xtream".into(),
            url: url.into(),
            username: Some(username.into()),
            password: Some(password.into()),
            max_connections: None,
            priority: 0,
            check: true,
            http: AccountHttp::default(),
        }
    }
}

impl std::fmt::Debug for NewAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAccount")
            .field("name", &self.name)
            .field("provider", &self.provider)
            .field("url", &self.url)
            .field("password", &"<hidden>")
            .finish_non_exhaustive()
    }
}

/// An account as shown to the user: everything but the password.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AccountView {
    /// The user's name for the account; what `account test`, `map` and the rest take.
    pub name: String,
    /// The provider plugin that speaks to it.
    pub provider: String,
    /// The stored URL with secret-looking query values and userinfo shown as `***`.
    pub url: String,
    /// The provider's user name, if the account has one.
    pub username: Option<String>,
    /// Whether a sealed password is stored; the view never carries the password.
    pub has_password: bool,
    /// Streams the relay opens on this account at once, at most (the
    /// user's limit; see `provider_limit`).
    pub max_connections: u32,
    /// Set when the provider showed it allows fewer connections: the relay
    /// opens at most that many until a quiet time passes or the user sets
    /// `--max-connections` again.
    #[serde(default)]
    pub provider_limit: Option<crate::store::ProviderLimit>,
    /// Lower is preferred when choosing between equal streams.
    pub priority: i32,
    /// Disabled accounts are skipped by sync, match and the relay.
    pub enabled: bool,
    /// Channels in the last synced catalogue.
    pub channels: Option<usize>,
    /// Unix seconds of the last successful sync.
    pub synced_at: Option<u64>,
    /// What the provider said when the account was checked at `add`.
    #[serde(default)]
    pub check: Option<AccountCheck>,
    /// Whether an extra CA is stored for it.
    #[serde(default)]
    pub has_ca: bool,
    /// Its own User-Agent, if set.
    #[serde(default)]
    pub user_agent: Option<String>,
    /// The names of its extra headers (values may be tokens: never shown).
    #[serde(default)]
    pub header_names: Vec<String>,
}

/// Whether `name` is usable as an account name.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

impl Catalog {
    fn view(&self, a: &AccountRecord) -> anyhow::Result<AccountView> {
        let info = self.store.catalog_info(&a.name)?;
        Ok(AccountView {
            name: a.name.clone(),
            provider: a.provider.clone(),
            url: crate::catalog::redact::url(&a.url),
            username: a.username.clone(),
            has_password: a.sealed_password.is_some(),
            max_connections: a.max_connections,
            provider_limit: a.provider_limit.clone(),
            priority: a.priority,
            enabled: a.enabled,
            channels: info.as_ref().map(|i| i.channels),
            synced_at: info.map(|i| i.synced_at),
            check: None,
            has_ca: a.http.ca_pem.is_some(),
            user_agent: a.http.user_agent.clone(),
            header_names: a.http.headers.iter().map(|(n, _)| n.clone()).collect(),
        })
    }

    /// Adds an account after checking it with the provider (unless told
    /// not to). Nothing is stored when anything fails.
    pub async fn add_account(&self, new: NewAccount) -> anyhow::Result<AccountView> {
        if !valid_name(&new.name) {
            bail!("account name {:?} is not usable: use 1-64 characters of A-Z, a-z, 0-9, `-`, `_`, `.`", new.name);
        }
        if self.store.account(&new.name)?.is_some() {
            bail!("an account named `{}` already exists; remove it first (`streamforge account remove {}`)", new.name, new.name);
        }
        let url = url::Url::parse(&new.url).map_err(|_| {
            anyhow!(
                "`{}` is not a URL; give the provider's address, e.g. http://panel.example:8080",
                crate::catalog::redact::url(&new.url)
            )
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            bail!("the account URL must start with http:// or https://");
        }
        let manifest = self.plugins.manifest(&new.provider).map_err(|_| {
            anyhow!(
                "there is no provider plugin `{}` (see `streamforge plugin list`)",
                new.provider
            )
        })?;
        if manifest.world != World::ProviderAdapter {
            bail!(
                "plugin `{}` is a {}, not a provider adapter",
                new.provider,
                manifest.world
            );
        }
        // Credentials written into the URL (M3U links) move into the sealed
        // fields; the stored URL keeps placeholders in their place.
        let (url_template, url_user, url_pass) = split_credentials(&url);
        let mut record = AccountRecord {
            name: new.name.clone(),
            provider: new.provider.clone(),
            url: url_template,
            username: new.username.clone().or(url_user).filter(|u| !u.is_empty()),
            sealed_password: None,
            max_connections: new.max_connections.unwrap_or(1).max(1),
            priority: new.priority,
            enabled: true,
            options: Vec::new(),
            created_at: now_secs(),
            http: checked_http(new.http.clone())?,
            provider_limit: None,
        };
        let password = Secret::new(new.password.clone().or(url_pass).unwrap_or_default());
        let mut checked = None;
        if new.check {
            let creds = Unsealed::new(&record, password.clone());
            let result = check(self, &record, &creds).await?;
            if new.max_connections.is_none() {
                if let Some(n) = result.max_connections.filter(|n| *n > 0) {
                    record.max_connections = n;
                }
            }
            keep_formats(&mut record, &result.formats);
            checked = Some(result);
        }
        if !password.is_empty() {
            record.sealed_password = Some(self.keys.seal(&record.name, password.expose()));
        }
        self.store.put_account(&record)?;
        self.events.record(
            Event::new(
                "account-added",
                format!("added account {} ({})", record.name, record.provider),
            )
            .account(&record.name),
        );
        let mut view = self.view(&record)?;
        view.check = checked;
        Ok(view)
    }

    /// Every account.
    pub fn list_accounts(&self) -> anyhow::Result<Vec<AccountView>> {
        self.store
            .accounts()?
            .iter()
            .map(|a| self.view(a))
            .collect()
    }

    fn existing_account(&self, name: &str) -> anyhow::Result<AccountRecord> {
        self.store.account(name)?.ok_or_else(|| {
            anyhow!("there is no account named `{name}` (see `streamforge account list`)")
        })
    }

    /// Asks the provider about an account.
    pub async fn test_account(&self, name: &str) -> anyhow::Result<AccountCheck> {
        let account = self.existing_account(name)?;
        let creds = Unsealed::of(&self.keys, &account)?;
        let result = check(self, &account, &creds).await;
        match &result {
            Err(err) => self
                .events
                .record(Event::new("account-test-failed", format!("{err:#}")).account(name)),
            Ok(check) => {
                let mut updated = account.clone();
                keep_formats(&mut updated, &check.formats);
                if updated.options != account.options {
                    self.store.put_account(&updated)?;
                }
            }
        }
        result
    }

    /// Changes an account's limits or HTTP settings. Everything is checked
    /// before anything is stored: a bad value keeps the account as it was.
    pub fn set_account(&self, name: &str, change: AccountChange) -> anyhow::Result<AccountView> {
        let mut account = self.existing_account(name)?;
        if let Some(n) = change.max_connections {
            if n == 0 {
                bail!("--max-connections must be at least 1");
            }
            account.max_connections = n;
            // The user says how many: a limit lowered by the provider's
            // behaviour is forgotten (it is lowered again if it recurs).
            account.provider_limit = None;
        }
        if let Some(p) = change.priority {
            account.priority = p;
        }
        let mut http = account.http.clone();
        if change.clear_ca {
            http.ca_pem = None;
        }
        if let Some(pem) = change.ca_pem {
            http.ca_pem = Some(pem);
        }
        if let Some(ua) = change.user_agent {
            http.user_agent = Some(ua).filter(|u| !u.trim().is_empty());
        }
        if let Some(headers) = change.headers {
            http.headers = headers;
        }
        account.http = checked_http(http)?;
        if let Some(password) = change.password.map(Secret::new) {
            if password.is_empty() {
                bail!("the new password is empty; nothing was changed");
            }
            account.sealed_password = Some(self.keys.seal(name, password.expose()));
        }
        self.store.put_account(&account)?;
        self.events
            .record(Event::new("account-changed", format!("changed account {name}")).account(name));
        self.view(&account)
    }

    /// Removes an account, its catalogue and its mappings.
    pub fn remove_account(&self, name: &str) -> anyhow::Result<AccountView> {
        let account = self.existing_account(name)?;
        let view = self.view(&account)?;
        self.store.remove_account(name)?;
        self.events
            .record(Event::new("account-removed", format!("removed account {name}")).account(name));
        Ok(view)
    }
}

/// `http` checked as `account set` and `add` take it; one line on what is wrong.
/// The option that tells the provider plugin which output formats the
/// provider allows (from its last account check), so a panel that serves
/// only HLS gets `.m3u8` candidates.
pub const ALLOWED_FORMATS: &str = "allowed-output-formats";

/// Keeps what the provider said about its formats in the account's options.
fn keep_formats(record: &mut AccountRecord, formats: &[String]) {
    record.options.retain(|(k, _)| k != ALLOWED_FORMATS);
    if !formats.is_empty() {
        let list: Vec<String> = formats
            .iter()
            .map(|f| f.trim().to_ascii_lowercase())
            .collect();
        record
            .options
            .push((ALLOWED_FORMATS.to_string(), list.join(",")));
    }
}

fn checked_http(mut http: AccountHttp) -> anyhow::Result<AccountHttp> {
    if let Some(pem) = &http.ca_pem {
        http.ca_pem = Some(AccountHttp::check_ca(pem.as_bytes()).map_err(|e| anyhow!(e))?);
    }
    if let Some(ua) = &http.user_agent {
        http.user_agent = Some(AccountHttp::check_user_agent(ua).map_err(|e| anyhow!(e))?);
    }
    AccountHttp::check_headers(&http.headers).map_err(|e| anyhow!(e))?;
    Ok(http)
}

/// Moves `username=` / `password=` query values out of `url`, leaving
/// `{username}` / `{password}` placeholders the host fills at request time.
fn split_credentials(url: &url::Url) -> (String, Option<String>, Option<String>) {
    let mut user = None;
    let mut pass = None;
    let mut pairs = Vec::new();
    for (k, v) in url.query_pairs() {
        match k.as_ref() {
            "username" if user.is_none() => {
                user = Some(v.into_owned());
                pairs.push(format!("{k}={{username}}"));
            }
            "password" if pass.is_none() => {
                pass = Some(v.into_owned());
                pairs.push(format!("{k}={{password}}"));
            }
            _ => pairs.push(
                url::form_urlencoded::Serializer::new(String::new())
                    .append_pair(&k, &v)
                    .finish(),
            ),
        }
    }
    if user.is_none() && pass.is_none() {
        return (url.to_string(), None, None);
    }
    let mut base = url.clone();
    base.set_query(None);
    (format!("{}?{}", base.as_str(), pairs.join("&")), user, pass)
}

#[cfg(test)]
mod tests {
    #[test]
    fn credentials_leave_the_url() {
        let url =
            url::Url::parse("http://p.example/get.php?username=al&password=s%40cret&type=m3u_plus")
                .unwrap();
        let (template, user, pass) = super::split_credentials(&url);
        assert_eq!(
            template,
            "http://p.example/get.php?username={username}&password={password}&type=m3u_plus"
        );
        assert_eq!(user.as_deref(), Some("al"));
        assert_eq!(pass.as_deref(), Some("s@cret"));
    }
}
