//! Group filters: channels kept or left out of the lineup by the provider
//! group (M3U `group-title`, Xtream category) of their streams, or by the
//! guide categories (XMLTV programme `<category>`) of the guide channel.
//! The rules themselves are `routing::lineup::{group_passes, category_passes}`.

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
    /// Keep only guide channels with an included category (and no excluded one).
    IncludeCategory(String),
    /// Leave out guide channels with this category.
    ExcludeCategory(String),
    /// Forget the filter on this category.
    RemoveCategory(String),
}

/// A guide category of the guides' channels.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CategoryInfo {
    /// The category as the guide writes it.
    pub category: String,
    /// Guide channels with programmes of that category.
    pub channels: usize,
    /// The filter on it: `include`, `exclude`, or none.
    pub filter: Option<String>,
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
    /// Every guide category, by name.
    #[serde(default)]
    pub categories: Vec<CategoryInfo>,
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
        let mut per_category: BTreeMap<String, usize> = BTreeMap::new();
        for guide in self.store.guides()? {
            for c in self.store.guide_channels(&guide.name)? {
                for category in c.categories {
                    *per_category.entry(category).or_default() += 1;
                }
            }
        }
        for r in &rules {
            let counted = if r.category {
                &mut per_category
            } else {
                &mut counts
            };
            counted.entry(r.group.clone()).or_default();
        }
        let filter_of = |g: &str, category: bool| {
            rules
                .iter()
                .find(|r| r.group == g && r.category == category)
                .map(|r| if r.include { "include" } else { "exclude" }.to_string())
        };
        let groups = counts
            .into_iter()
            .map(|(group, streams)| GroupInfo {
                filter: filter_of(&group, false),
                group,
                streams,
            })
            .collect();
        let categories = per_category
            .into_iter()
            .map(|(category, channels)| CategoryInfo {
                filter: filter_of(&category, true),
                category,
                channels,
            })
            .collect();
        Ok(GroupsView {
            rules,
            groups,
            categories,
        })
    }

    /// Adds, replaces or removes a group filter; the lineup follows.
    pub fn change_group(&self, action: &GroupAction) -> anyhow::Result<GroupsView> {
        let mut rules = self.store.lineup_rules()?;
        let before = rules.groups.clone();
        let nothing = String::new();
        let (name, category) = match action {
            GroupAction::Include(g) | GroupAction::Exclude(g) | GroupAction::Remove(g) => {
                (g, false)
            }
            GroupAction::IncludeCategory(c)
            | GroupAction::ExcludeCategory(c)
            | GroupAction::RemoveCategory(c) => (c, true),
            GroupAction::Clear => {
                rules.groups.clear();
                (&nothing, false)
            }
        };
        let same = |r: &GroupRule| &r.group == name && r.category == category;
        match action {
            GroupAction::Include(_)
            | GroupAction::Exclude(_)
            | GroupAction::IncludeCategory(_)
            | GroupAction::ExcludeCategory(_) => {
                let view = self.groups()?;
                let known = if category {
                    view.categories.iter().any(|i| &i.category == name)
                } else {
                    view.groups.iter().any(|i| &i.group == name)
                };
                if !known && category {
                    bail!("no guide channel has programmes of the category `{name}` (see `streamforge lineup groups`; names are as the guide writes them)");
                }
                if !known {
                    bail!("no synced catalogue has a group named `{name}` (see `streamforge lineup groups`; names are as the provider writes them)");
                }
                let include = matches!(
                    action,
                    GroupAction::Include(_) | GroupAction::IncludeCategory(_)
                );
                rules.groups.retain(|r| !same(r));
                rules.groups.push(GroupRule {
                    group: name.clone(),
                    include,
                    category,
                });
            }
            GroupAction::Remove(_) | GroupAction::RemoveCategory(_) => {
                if !rules.groups.iter().any(same) {
                    let what = if category { "category" } else { "group" };
                    bail!(
                        "there is no filter on the {what} `{name}` (see `streamforge lineup groups`)"
                    );
                }
                rules.groups.retain(|r| !same(r));
            }
            GroupAction::Clear => {}
        }
        if rules.groups != before {
            self.store.put_lineup_rules(&rules)?;
            let detail = match action {
                GroupAction::Include(g) => format!("group `{g}` included"),
                GroupAction::Exclude(g) => format!("group `{g}` excluded"),
                GroupAction::Remove(g) => format!("filter on group `{g}` removed"),
                GroupAction::Clear => "every group filter removed".to_string(),
                GroupAction::IncludeCategory(c) => format!("category `{c}` included"),
                GroupAction::ExcludeCategory(c) => format!("category `{c}` excluded"),
                GroupAction::RemoveCategory(c) => format!("filter on category `{c}` removed"),
            };
            self.events.record(Event::new("lineup-groups", detail));
        }
        self.groups()
    }
}
