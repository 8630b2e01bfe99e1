//! `sync`: fetch each account's catalogue through its provider plugin and
//! replace the stored one atomically. A provider that answers garbage keeps
//! its previous catalogue, and an event says why.

use super::access::Unsealed;
use super::too_large;
use super::Catalog;
use crate::blocking::run as blocking;
use crate::clock::now_unix as now_secs;
use crate::events::Event;
use crate::model::{HttpResponse, ProviderChannel};
use crate::plugins::budget::responses_size;
use anyhow::{anyhow, bail};
use serde::{Deserialize, Serialize};

/// How one account's sync went.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AccountSync {
    /// The account that was synced.
    pub account: String,
    /// Channels now stored (on failure: the kept previous count).
    pub channels: usize,
    /// Set when the sync failed; the previous catalogue was kept.
    pub error: Option<String>,
}

/// Where a long operation reports progress (bars on a terminal, lines
/// otherwise, nothing in the server).
pub trait Progress: Send + Sync {
    /// A step of `what` begins.
    fn step(&self, what: &str);
    /// `what` ended with `outcome`.
    fn done(&self, what: &str, outcome: &str);
}

/// Progress that goes nowhere.
pub struct SilentProgress;

impl Progress for SilentProgress {
    fn step(&self, _: &str) {}
    fn done(&self, _: &str, _: &str) {}
}

impl Catalog {
    /// Syncs one account, or every enabled account.
    pub async fn sync_accounts(
        &self,
        only: Option<&str>,
        progress: &dyn Progress,
    ) -> anyhow::Result<Vec<AccountSync>> {
        let accounts = match only {
            Some(name) => vec![self.store.account(name)?.ok_or_else(|| {
                anyhow!("there is no account named `{name}` (see `streamforge account list`)")
            })?],
            None => self
                .store
                .accounts()?
                .into_iter()
                .filter(|a| a.enabled)
                .collect(),
        };
        let mut results = Vec::new();
        for account in accounts {
            let label = format!("account {}", account.name);
            progress.step(&label);
            let outcome = self.sync_account(&account).await;
            let result = match outcome {
                Ok(n) => {
                    progress.done(&label, &format!("{n} channels"));
                    self.events.record(
                        Event::new("sync-ok", format!("account {}: {n} channels", account.name))
                            .account(&account.name),
                    );
                    AccountSync {
                        account: account.name.clone(),
                        channels: n,
                        error: None,
                    }
                }
                Err(err) => {
                    let message = format!("{err:#}");
                    progress.done(&label, &format!("failed: {message}"));
                    self.events.record(
                        Event::new(
                            "sync-failed",
                            format!(
                                "account {}: {message}; previous catalogue kept",
                                account.name
                            ),
                        )
                        .account(&account.name),
                    );
                    let kept = self
                        .store
                        .catalog_info(&account.name)?
                        .map(|i| i.channels)
                        .unwrap_or(0);
                    AccountSync {
                        account: account.name.clone(),
                        channels: kept,
                        error: Some(message),
                    }
                }
            };
            results.push(result);
            crate::memory::give_back();
        }
        Ok(results)
    }

    async fn sync_account(&self, account: &crate::store::AccountRecord) -> anyhow::Result<usize> {
        let plugin = self.plugins.get(&account.provider)?;
        let creds = Unsealed::of(&self.keys, account)?;
        let options = account.options.clone();
        let p = plugin.clone();
        let requests = blocking(move || {
            let provider = p
                .provider()
                .ok_or_else(|| anyhow!("plugin `{}` is not a provider", p.name()))?;
            Ok(provider.catalog_requests(&options)?)
        })
        .await?;
        let mut responses: Vec<HttpResponse> = Vec::with_capacity(requests.len());
        for request in &requests {
            let response = self
                .fetcher
                .fetch(request, &creds.access())
                .await
                .map_err(|e| anyhow!("fetching {}: {e}", request.purpose))?;
            responses.push(response);
        }
        let bytes = responses_size(&responses);
        let name = account.name.clone();
        let channels = blocking(move || {
            let provider = plugin.provider().ok_or_else(|| anyhow!("not a provider"))?;
            let parsed = provider
                .parse_catalog(responses)
                .map_err(|e| too_large::worded(e, &name, bytes))?;
            parsed.map_err(|msg| anyhow!("the provider's catalogue could not be read: {msg}"))
        })
        .await?;
        let channels = checked(channels)?;
        let store = self.store.clone();
        let name = account.name.clone();
        let n = channels.len();
        blocking(move || {
            let started = std::time::Instant::now();
            store.replace_catalog(&name, &channels, now_secs())?;
            let ms = started.elapsed().as_millis() as u64;
            tracing::debug!(account = name, channels = n, ms, "catalogue stored");
            Ok(())
        })
        .await?;
        Ok(n)
    }
}

/// Refuses a catalogue the relay could not route by: empty or duplicate keys.
fn checked(channels: Vec<ProviderChannel>) -> anyhow::Result<Vec<ProviderChannel>> {
    if channels.is_empty() {
        bail!("the provider's catalogue is empty");
    }
    let mut seen = std::collections::HashSet::with_capacity(channels.len());
    for c in &channels {
        if c.key.is_empty() || c.key.len() > 256 {
            bail!("the provider plugin returned a channel with an unusable key");
        }
        if !seen.insert(c.key.as_str()) {
            bail!(
                "the provider plugin returned the channel key `{}` twice",
                c.key
            );
        }
    }
    Ok(channels)
}
