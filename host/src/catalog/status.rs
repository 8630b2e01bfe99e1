//! `account test`: ask the provider, through its plugin, whether the
//! account works, and word the answer for the user.

use super::access::Unsealed;
use super::Catalog;
use crate::blocking::run as blocking;
use crate::clock::now_unix as now_secs;
use crate::model::{AccountStatus, HttpResponse};
use crate::store::AccountRecord;
use anyhow::{anyhow, bail};
use serde::{Deserialize, Serialize};

/// What the provider says about an account that works.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AccountCheck {
    /// The account that was checked.
    pub account: String,
    /// The provider's word for the state ("Active", ...), as it wrote it.
    pub status: String,
    /// Unix seconds; none when the provider gives no expiry.
    pub expires_at: Option<i64>,
    /// Connections the subscription allows, when the provider says.
    pub max_connections: Option<u32>,
    /// Connections open on the account now, when the provider says.
    pub active_connections: Option<u32>,
    /// Output formats the provider allows ("ts", "m3u8").
    pub formats: Vec<String>,
}

/// Runs the provider plugin's account requests for `account` and reads the
/// answer. Every failure is one line naming the account and the cause.
pub(crate) async fn check(
    catalog: &Catalog,
    account: &AccountRecord,
    creds: &Unsealed,
) -> anyhow::Result<AccountCheck> {
    let name = account.name.clone();
    let plugin = catalog.plugins.get(&account.provider)?;
    let provider_plugin = plugin.clone();
    let options = account.options.clone();
    let requests = blocking(move || {
        let provider = provider_plugin
            .provider()
            .ok_or_else(|| anyhow!("not a provider plugin"))?;
        Ok(provider.account_requests(&options)?)
    })
    .await?;

    let mut responses: Vec<HttpResponse> = Vec::with_capacity(requests.len());
    for request in &requests {
        let response = catalog
            .fetcher
            .fetch(request, &creds.access())
            .await
            .map_err(|e| anyhow!("account `{name}`: cannot reach the provider: {e}"))?;
        responses.push(response);
    }
    let parsed = blocking(move || {
        let provider = plugin
            .provider()
            .ok_or_else(|| anyhow!("not a provider plugin"))?;
        Ok(provider.parse_account(&responses)?)
    })
    .await?;
    let status = parsed.map_err(|msg| anyhow!("account `{name}`: {msg}"))?;
    judge(&name, status)
}

/// Turns a provider's status into success or the reason it is unusable.
fn judge(name: &str, s: AccountStatus) -> anyhow::Result<AccountCheck> {
    if !s.authenticated {
        bail!("account `{name}`: the provider refused this user name or password");
    }
    let word = s.status.to_ascii_lowercase();
    if word.contains("expired")
        || s.expires_at
            .is_some_and(|t| t > 0 && (t as u64) < now_secs())
    {
        let when = s
            .expires_at
            .map(|t| format!(" (expiry {t}, Unix time)"))
            .unwrap_or_default();
        bail!("account `{name}`: the subscription has expired{when}; renew it with the provider");
    }
    if word.contains("banned") || word.contains("disabled") {
        bail!(
            "account `{name}`: the provider reports it as {}; contact the provider",
            s.status
        );
    }
    Ok(AccountCheck {
        account: name.to_string(),
        status: s.status,
        expires_at: s.expires_at,
        max_connections: s.max_connections,
        active_connections: s.active_connections,
        formats: s.formats,
    })
}
