//! Lineup control: what the user decides about the lineup beyond mappings.
//! Channels taken out and put back (`channel disable|enable`), accounts
//! switched off and on (`account disable|enable`), group filters (`lineup
//! include-group|exclude-group|remove-group|clear-groups|groups`) and
//! unmapped provider channels shown by option (`lineup expose-unmapped`).
//!
//! Each action is one method here, called by the CLI when no server runs,
//! by the admin API when one does (and later by the web console). Each
//! writes the store, which moves its version, so the routing snapshot (the
//! lineup, the playlist, the guide and the relay's table) rebuilds.

mod groups;
mod lineups;

pub use groups::{CategoryInfo, GroupAction, GroupInfo, GroupsView};
pub use lineups::{LineupChange, LineupInfo};

use crate::events::{Event, EventLog};
use crate::store::Store;
use anyhow::{anyhow, bail};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The lineup control service, on the parts of the app it needs.
pub struct LineupControl {
    store: Store,
    events: Arc<EventLog>,
}

/// A guide channel's place in the lineup, after `channel disable|enable`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ChannelState {
    /// The guide channel's XMLTV id.
    pub guide_id: String,
    /// Its first display name in the guide.
    pub name: String,
    /// Its GuideNumber, kept while it is disabled.
    pub number: Option<String>,
    /// Whether it may be in the lineup.
    pub enabled: bool,
    /// Whether it was already so (nothing changed).
    pub unchanged: bool,
}

/// An account's state, after `account disable|enable`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AccountState {
    /// The account's name.
    pub name: String,
    /// Whether its streams may be tuned (and its connections count as tuners).
    pub enabled: bool,
    /// Whether it was already so (nothing changed).
    pub unchanged: bool,
}

/// The lineup options, after `lineup expose-unmapped`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UnmappedState {
    /// Whether unmapped provider channels are in the lineup (numbers from 10000).
    pub expose_unmapped: bool,
}

impl LineupControl {
    /// The service over these parts (the app builds it once).
    pub fn new(store: Store, events: Arc<EventLog>) -> Self {
        LineupControl { store, events }
    }

    /// Takes guide channel `guide_id` out of the lineup, the playlist and
    /// the guide (its number is kept), or puts it back.
    pub fn set_channel_enabled(
        &self,
        guide_id: &str,
        enabled: bool,
    ) -> anyhow::Result<ChannelState> {
        let name = self.guide_channel_name(guide_id)?;
        let mut rules = self.store.lineup_rules()?;
        let unchanged = if enabled {
            !rules.disabled_channels.remove(guide_id)
        } else {
            !rules.disabled_channels.insert(guide_id.to_string())
        };
        if !unchanged {
            self.store.put_lineup_rules(&rules)?;
            let kind = if enabled {
                "channel-enabled"
            } else {
                "channel-disabled"
            };
            self.events
                .record(Event::new(kind, format!("{guide_id} ({name})")).channel(guide_id));
        }
        let number = self
            .store
            .lineup_numbers()?
            .into_iter()
            .find(|n| n.guide_id == guide_id)
            .map(|n| n.number);
        Ok(ChannelState {
            guide_id: guide_id.to_string(),
            name,
            number,
            enabled,
            unchanged,
        })
    }

    /// Switches account `name` off (its streams are never tuned, its
    /// connections are not advertised as tuners) or back on.
    pub fn set_account_enabled(&self, name: &str, enabled: bool) -> anyhow::Result<AccountState> {
        let mut account = self.store.account(name)?.ok_or_else(|| {
            anyhow!("there is no account named `{name}` (see `streamforge account list`)")
        })?;
        let unchanged = account.enabled == enabled;
        if !unchanged {
            account.enabled = enabled;
            self.store.put_account(&account)?;
            let (kind, detail) = if enabled {
                ("account-enabled", "its streams are used again")
            } else {
                (
                    "account-disabled",
                    "its streams are not used and its connections not counted as tuners",
                )
            };
            self.events
                .record(Event::new(kind, format!("{name}: {detail}")).account(name));
        }
        Ok(AccountState {
            name: name.to_string(),
            enabled,
            unchanged,
        })
    }

    /// Shows unmapped provider channels in the lineup (numbers from 10000
    /// up, kept across syncs), or stops showing them.
    pub fn set_expose_unmapped(&self, on: bool) -> anyhow::Result<UnmappedState> {
        let mut rules = self.store.lineup_rules()?;
        if rules.expose_unmapped != on {
            rules.expose_unmapped = on;
            self.store.put_lineup_rules(&rules)?;
            let state = if on { "shown" } else { "hidden" };
            self.events.record(Event::new(
                "lineup-unmapped",
                format!("unmapped provider channels are {state}"),
            ));
        }
        Ok(UnmappedState {
            expose_unmapped: on,
        })
    }

    /// The first display name of guide channel `guide_id`, or an error
    /// that says where to find the ids.
    fn guide_channel_name(&self, guide_id: &str) -> anyhow::Result<String> {
        for g in self.store.guides()? {
            if let Some(c) = self
                .store
                .guide_channels(&g.name)?
                .into_iter()
                .find(|c| c.id == guide_id)
            {
                return Ok(c.names.first().cloned().unwrap_or_else(|| c.id.clone()));
            }
        }
        bail!("no guide channel has the id `{guide_id}` (see `streamforge mappings`)")
    }
}

/// Body of `POST /api/v1/lineup/channels`: `channel disable|enable`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChannelToggle {
    /// The guide channel's XMLTV id (as in `streamforge mappings`).
    pub guide_id: String,
    /// Put it back (true) or take it out (false).
    pub enabled: bool,
}

/// Body of `POST /api/v1/accounts/{name}/enabled`: `account disable|enable`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountToggle {
    /// Use the account (true) or not (false).
    pub enabled: bool,
}

/// Body of `POST /api/v1/lineup/unmapped`: `lineup expose-unmapped on|off`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnmappedToggle {
    /// Show unmapped provider channels (true) or not (false).
    pub on: bool,
}
