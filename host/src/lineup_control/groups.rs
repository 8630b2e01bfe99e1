//! Group filters: channels kept or left out of the lineup by the provider
//! group (M3U `group-title`, Xtream category) of their streams. The rule
//! itself is `routing::lineup::group_passes`.

use super::LineupControl;
use crate::events::Event;
use crate::store::GroupRule;
use anyhow::bail;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What to do with a group filter.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "kebab-case", tag = "action", content = "group")]
pub enum GroupAction {
    /// Keep only channels of included groups (and of no excluded one).
    Include(String),
    /// Leave out channels of this group.
    Exclude(String),
    /// Forget the filter on this group.
    Remove(String),
    /// Forget every group filter.
    Clear,
}

/// A provider group of the enabled accounts' catalogues.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GroupInfo {
    /// The group as the provider wrote it.
    pub group: String,
    /// Streams in it, over all enabled accounts.
    pub streams: usize,
    /// The filter on it: `include`, `exclude`, or none.
    pub filter: Option<String>,
}

/// `lineup groups`: the filters and every group they can name.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GroupsView {
    /// The filters in force, in the order they were added.
    pub rules: Vec<GroupRule>,
    /// Every provider group, by name.
    pub groups: Vec<GroupInfo>,
}

impl LineupControl {
    /// The group filters and the provider groups there are.
    pub fn groups(&self) -> anyhow::Result<GroupsView> {
        let rules = self.store.lineup_rules()?.groups;
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for account in self.store.accounts()?.into_iter().filter(|a| a.enabled) {
            for c in self.store.catalog(&account.name)? {
                if let Some(g) = c.group {
                    *counts.entry(g).or_default() += 1;
                }
            }
        }
        for r in &rules {
            counts.entry(r.group.clone()).or_default();
        }
        let filter_of = |g: &str| {
            rules
                .iter()
                .find(|r| r.group == g)
                .map(|r| if r.include { "include" } else { "exclude" }.to_string())
        };
        let groups = counts
            .into_iter()
            .map(|(group, streams)| GroupInfo {
                filter: filter_of(&group),
                group,
                streams,
            })
            .collect();
        Ok(GroupsView { rules, groups })
    }

    /// Adds, replaces or removes a group filter; the lineup follows.
    pub fn change_group(&self, action: &GroupAction) -> anyhow::Result<GroupsView> {
        let mut rules = self.store.lineup_rules()?;
        let before = rules.groups.clone();
        match action {
            GroupAction::Include(g) | GroupAction::Exclude(g) => {
                let known = self.groups()?.groups.iter().any(|i| &i.group == g);
                if !known {
                    bail!("no synced catalogue has a group named `{g}` (see `streamforge lineup groups`; names are as the provider writes them)");
                }
                let include = matches!(action, GroupAction::Include(_));
                rules.groups.retain(|r| &r.group != g);
                rules.groups.push(GroupRule {
                    group: g.clone(),
                    include,
                });
            }
            GroupAction::Remove(g) => {
                if !rules.groups.iter().any(|r| &r.group == g) {
                    bail!(
                        "there is no filter on the group `{g}` (see `streamforge lineup groups`)"
                    );
                }
                rules.groups.retain(|r| &r.group != g);
            }
            GroupAction::Clear => rules.groups.clear(),
        }
        if rules.groups != before {
            self.store.put_lineup_rules(&rules)?;
            let detail = match action {
                GroupAction::Include(g) => format!("group `{g}` included"),
                GroupAction::Exclude(g) => format!("group `{g}` excluded"),
                GroupAction::Remove(g) => format!("filter on group `{g}` removed"),
                GroupAction::Clear => "every group filter removed".to_string(),
            };
            self.events.record(Event::new("lineup-groups", detail));
        }
        self.groups()
    }
}
