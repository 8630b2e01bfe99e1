//! `lineup create|list|show|set|remove|split`: the lineups besides `main`,
//! each a whole HDHomeRun device of its own over a chosen set of channels
//! (see `crate::routing::lineups`). `main` is today's lineup; it is listed
//! and shown here, and changed where it always was (`lineup include-group`,
//! `--friendly-name`, `--tuner-count`).

use super::LineupControl;
use crate::events::Event;
use crate::routing::lineup::{universe, Lineup};
use crate::routing::lineups::selects;
use crate::store::{valid_lineup_name, GroupRule, LineupRecord, MAIN_LINEUP};
use anyhow::{anyhow, bail};
use serde::{Deserialize, Serialize};

/// What `lineup create` and `lineup set` change (absent: unchanged).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LineupChange {
    /// The `FriendlyName` media servers show.
    pub friendly_name: Option<String>,
    /// Tuners it advertises and may hold (0: as many as `main`).
    pub tuners: Option<u32>,
    /// Higher goes first when accounts are full.
    pub priority: Option<i32>,
    /// Whether its tunes may end a lower-priority lineup's oldest session.
    pub preempt: Option<bool>,
    /// A listener of its own on this port (0: none).
    pub port: Option<u16>,
    /// Guide numbers to add to its channel list.
    pub add_channels: Vec<String>,
    /// Guide numbers to take off its channel list.
    pub remove_channels: Vec<String>,
    /// The first number of its range (empty: open).
    pub first: Option<String>,
    /// The last number of its range (empty: open).
    pub last: Option<String>,
    /// Provider groups to include.
    pub include_groups: Vec<String>,
    /// Provider groups to leave out.
    pub exclude_groups: Vec<String>,
    /// Guide categories to include.
    pub include_categories: Vec<String>,
    /// Guide categories to leave out.
    pub exclude_categories: Vec<String>,
    /// Forget its group and category filters first.
    pub clear_groups: bool,
    /// The provider groups it includes, replacing those it included (its
    /// exclusions and category filters stay): what the console's form says.
    pub included_groups: Option<Vec<String>>,
    /// Forget its channel list and range first.
    pub clear_channels: bool,
}

/// A lineup as `lineup list|show` print it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LineupInfo {
    /// Its name (`main` or another).
    pub name: String,
    /// Its DeviceID (`main`'s when not configured: see `streamforge urls`).
    pub device_id: Option<String>,
    /// Its `FriendlyName` (`None` for `main`: the server's).
    pub friendly_name: Option<String>,
    /// Its own tuner count (`None`: `main`'s).
    pub tuners: Option<u32>,
    /// Its priority.
    pub priority: i32,
    /// Whether it may preempt.
    pub preempt: bool,
    /// Its own listener's port.
    pub port: Option<u16>,
    /// Where it is reached under the main address (`/` or `/lineups/NAME`).
    pub path: String,
    /// Its group and category filters.
    pub groups: Vec<GroupRule>,
    /// Its channel list.
    pub channels: Vec<String>,
    /// Its range.
    pub first: Option<String>,
    /// Its range's end.
    pub last: Option<String>,
    /// How many channels it holds now.
    pub channel_count: usize,
    /// Its first and last channel now.
    pub numbers: Option<(String, String)>,
}

impl LineupControl {
    /// Every lineup, `main` first.
    pub fn lineups(&self) -> anyhow::Result<Vec<LineupInfo>> {
        let rules = self.store.lineup_rules()?;
        let all = universe(&self.store, &rules)?;
        let main = all.select(&rules.groups, |_| true);
        let mut out = vec![LineupInfo {
            name: MAIN_LINEUP.into(),
            device_id: self.store.setting("device-id")?,
            friendly_name: None,
            tuners: None,
            priority: 0,
            preempt: false,
            port: None,
            path: "/".into(),
            groups: rules.groups.clone(),
            channels: Vec::new(),
            first: None,
            last: None,
            channel_count: main.entries.len(),
            numbers: span(&main),
        }];
        for record in self.store.lineups()? {
            let lineup = all.select(&record.groups, |n| selects(&record, n));
            out.push(info(record, &lineup));
        }
        Ok(out)
    }

    /// Lineup `name`.
    pub fn lineup_info(&self, name: &str) -> anyhow::Result<LineupInfo> {
        self.lineups()?
            .into_iter()
            .find(|l| l.name == name)
            .ok_or_else(|| no_such(name))
    }

    /// Makes lineup `name` with a new DeviceID, then applies `change`.
    pub fn create_lineup(&self, name: &str, change: &LineupChange) -> anyhow::Result<LineupInfo> {
        if name == MAIN_LINEUP {
            bail!("`main` is the lineup every server has; give the new one another name");
        }
        if !valid_lineup_name(name) {
            bail!("a lineup name is 1 to 32 lowercase letters, digits and `-` (it goes into URLs): `{name}` is not one");
        }
        if self.store.lineup(name)?.is_some() {
            bail!("there is already a lineup `{name}` (see `streamforge lineup list`; change it with `streamforge lineup set {name}`)");
        }
        let record = LineupRecord {
            name: name.to_string(),
            device_id: self.new_device_id()?,
            friendly_name: format!("StreamForge {name}"),
            ..Default::default()
        };
        let record = self.changed(record, change)?;
        self.store.put_lineup(&record)?;
        self.events.record(Event::new(
            "lineup-created",
            format!("lineup {name}: DeviceID {}", record.device_id),
        ));
        self.lineup_info(name)
    }

    /// Applies `change` to lineup `name`.
    pub fn set_lineup(&self, name: &str, change: &LineupChange) -> anyhow::Result<LineupInfo> {
        if name == MAIN_LINEUP {
            bail!("`main` is changed where it always was: `streamforge lineup include-group|exclude-group`, and `--friendly-name` / `--tuner-count` of `streamforge serve` (or the config file)");
        }
        let record = self.store.lineup(name)?.ok_or_else(|| no_such(name))?;
        let record = self.changed(record, change)?;
        self.store.put_lineup(&record)?;
        self.events
            .record(Event::new("lineup-changed", format!("lineup {name}")));
        self.lineup_info(name)
    }

    /// Removes lineup `name` (its DeviceID goes with it).
    pub fn remove_lineup(&self, name: &str) -> anyhow::Result<LineupInfo> {
        if name == MAIN_LINEUP {
            bail!("`main` cannot be removed");
        }
        let shown = self.lineup_info(name)?;
        self.store.remove_lineup(name)?;
        self.events
            .record(Event::new("lineup-removed", format!("lineup {name}")));
        Ok(shown)
    }

    /// Makes lineups `NAME-1`, `NAME-2`, … that together hold lineup
    /// `name`'s channels in number order, at most `max` each (a split made
    /// again keeps the DeviceIDs and removes parts no longer needed).
    pub fn split_lineup(&self, name: &str, max: usize) -> anyhow::Result<Vec<LineupInfo>> {
        if max == 0 {
            bail!("--max must be at least 1");
        }
        let source = self
            .lineups()?
            .into_iter()
            .find(|l| l.name == name)
            .ok_or_else(|| no_such(name))?;
        let rules = self.store.lineup_rules()?;
        let all = universe(&self.store, &rules)?;
        let channels = match self.store.lineup(name)? {
            Some(record) => all.select(&record.groups, |n| selects(&record, n)),
            None => all.select(&rules.groups, |_| true),
        };
        let parts: Vec<&[crate::routing::lineup::LineupEntry]> =
            channels.entries.chunks(max).collect();
        let part_name = |i: usize| format!("{name}-{}", i + 1);
        if parts
            .iter()
            .enumerate()
            .any(|(i, _)| !valid_lineup_name(&part_name(i)))
        {
            bail!("the parts of `{name}` would be named `{}`, longer than 32 characters; split a lineup with a shorter name", part_name(parts.len()));
        }
        let mut made = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            let part_name = part_name(i);
            let mut record = match self.store.lineup(&part_name)? {
                Some(existing) => existing,
                None => LineupRecord {
                    name: part_name.clone(),
                    device_id: self.new_device_id()?,
                    friendly_name: format!("StreamForge {part_name}"),
                    ..Default::default()
                },
            };
            record.channels = part.iter().map(|e| e.number.clone()).collect();
            record.groups.clear();
            record.first = None;
            record.last = None;
            record.priority = source.priority;
            self.store.put_lineup(&record)?;
            made.push(part_name);
        }
        // Parts of an earlier, bigger split.
        for record in self.store.lineups()? {
            let old_part = record
                .name
                .strip_prefix(&format!("{name}-"))
                .and_then(|n| n.parse::<usize>().ok())
                .is_some_and(|n| n > parts.len());
            if old_part {
                self.store.remove_lineup(&record.name)?;
            }
        }
        self.events.record(Event::new(
            "lineup-split",
            format!(
                "lineup {name}: {} channels into {} lineups of at most {max}",
                channels.entries.len(),
                made.len()
            ),
        ));
        let all = self.lineups()?;
        Ok(all.into_iter().filter(|l| made.contains(&l.name)).collect())
    }

    /// `record` with `change` applied, checked.
    fn changed(
        &self,
        mut record: LineupRecord,
        change: &LineupChange,
    ) -> anyhow::Result<LineupRecord> {
        if let Some(name) = &change.friendly_name {
            let name = name.trim();
            if name.is_empty() || name.len() > 64 || name.chars().any(char::is_control) {
                bail!("a friendly name is 1 to 64 printable characters");
            }
            record.friendly_name = name.to_string();
        }
        if let Some(n) = change.tuners {
            if n > 255 {
                bail!("--tuners must be from 1 to 255 (0: as many as `main`)");
            }
            record.tuners = (n > 0).then_some(n);
        }
        if let Some(p) = change.priority {
            record.priority = p;
        }
        if let Some(p) = change.preempt {
            record.preempt = p;
        }
        if let Some(port) = change.port {
            record.port = (port > 0).then_some(port);
            if let Some(port) = record.port {
                for other in self.store.lineups()? {
                    if other.name != record.name && other.port == Some(port) {
                        bail!("lineup {} already listens on port {port}", other.name);
                    }
                }
            }
        }
        if change.clear_channels {
            record.channels.clear();
            record.first = None;
            record.last = None;
        }
        let number = |n: &str| -> anyhow::Result<String> {
            if crate::store::valid_guide_number(n) {
                Ok(n.to_string())
            } else {
                bail!("`{n}` is not a channel number (digits, maybe one dot: 101, 5.1)")
            }
        };
        for n in &change.add_channels {
            record.channels.insert(number(n)?);
        }
        for n in &change.remove_channels {
            record.channels.remove(n);
        }
        let bound = |b: &Option<String>, field: &mut Option<String>| -> anyhow::Result<()> {
            match b.as_deref() {
                None => {}
                Some("") => *field = None,
                Some(n) => *field = Some(number(n)?),
            }
            Ok(())
        };
        bound(&change.first, &mut record.first)?;
        bound(&change.last, &mut record.last)?;
        if change.clear_groups {
            record.groups.clear();
        }
        if let Some(groups) = &change.included_groups {
            record.groups.retain(|r| !r.include || r.category);
            record.groups.extend(groups.iter().map(|g| GroupRule {
                group: g.clone(),
                include: true,
                category: false,
            }));
        }
        let mut rule = |group: &String, include: bool, category: bool| {
            record
                .groups
                .retain(|r| !(r.group == *group && r.category == category));
            record.groups.push(GroupRule {
                group: group.clone(),
                include,
                category,
            });
        };
        change
            .include_groups
            .iter()
            .for_each(|g| rule(g, true, false));
        change
            .exclude_groups
            .iter()
            .for_each(|g| rule(g, false, false));
        change
            .include_categories
            .iter()
            .for_each(|g| rule(g, true, true));
        change
            .exclude_categories
            .iter()
            .for_each(|g| rule(g, false, true));
        Ok(record)
    }

    /// A DeviceID no other lineup (nor `main`) has.
    fn new_device_id(&self) -> anyhow::Result<String> {
        let mut taken: Vec<String> = self
            .store
            .lineups()?
            .into_iter()
            .map(|l| l.device_id)
            .collect();
        taken.extend(self.store.setting("device-id")?);
        for _ in 0..16 {
            let id = crate::tuner::device_id::format(crate::tuner::settings::random_device_id()?);
            if !taken.contains(&id) {
                return Ok(id);
            }
        }
        Err(anyhow!("no free DeviceID could be made; try again"))
    }
}

fn no_such(name: &str) -> anyhow::Error {
    anyhow!("there is no lineup named `{name}` (see `streamforge lineup list`)")
}

fn span(lineup: &Lineup) -> Option<(String, String)> {
    Some((
        lineup.entries.first()?.number.clone(),
        lineup.entries.last()?.number.clone(),
    ))
}

fn info(record: LineupRecord, lineup: &Lineup) -> LineupInfo {
    LineupInfo {
        path: format!("/lineups/{}", record.name),
        device_id: Some(record.device_id),
        friendly_name: Some(record.friendly_name),
        tuners: record.tuners,
        priority: record.priority,
        preempt: record.preempt,
        port: record.port,
        groups: record.groups,
        channels: record.channels.into_iter().collect(),
        first: record.first,
        last: record.last,
        channel_count: lineup.entries.len(),
        numbers: span(lineup),
        name: record.name,
    }
}
