//! `channel disable|enable`, `lineup ...` (group filters, unmapped
//! channels) and the printing of `account disable|enable`; the actions
//! themselves are in `lineup_control`.

use super::backend::Backend;
use crate::data_dir::DataDir;
use crate::lineup_control::GroupAction;
use clap::{Subcommand, ValueEnum};

/// `channel ...`.
#[derive(Debug, Subcommand)]
pub enum ChannelCommand {
    /// Take a channel out of the lineup, playlist and guide (its number is kept).
    Disable {
        /// Guide channel id (as in `streamforge mappings`).
        guide_id: String,
    },
    /// Put a disabled channel back, with its number.
    Enable {
        /// Guide channel id (as in `streamforge mappings`).
        guide_id: String,
    },
}

/// On or off.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Switch {
    /// Switched on.
    On,
    /// Switched off.
    Off,
}

/// `lineup ...`.
#[derive(Debug, Subcommand)]
pub enum LineupCommand {
    /// Keep only channels of included provider groups (group-title / category), or with --category of included guide categories.
    IncludeGroup {
        /// The group as the provider writes it, or the category as the guide does (see `streamforge lineup groups`).
        name: String,
        /// NAME is a guide category (XMLTV programme <category>), not a provider group.
        #[arg(long)]
        category: bool,
    },
    /// Leave channels of a provider group (or with --category, of a guide category) out of the lineup.
    ExcludeGroup {
        /// The group as the provider writes it, or the category as the guide does (see `streamforge lineup groups`).
        name: String,
        /// NAME is a guide category (XMLTV programme <category>), not a provider group.
        #[arg(long)]
        category: bool,
    },
    /// Forget the filter on one group (or with --category, on one guide category).
    RemoveGroup {
        /// The group or category as in `streamforge lineup groups`.
        name: String,
        /// NAME is a guide category, not a provider group.
        #[arg(long)]
        category: bool,
    },
    /// Forget every group filter.
    ClearGroups,
    /// List provider groups and guide categories, and the filters on them.
    Groups {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show provider channels no guide channel is mapped to (numbers from 10000, kept).
    ExposeUnmapped {
        /// `on` or `off` (off by default).
        state: Switch,
    },
}

/// Runs one `channel` command.
pub async fn channel(data: &DataDir, cmd: ChannelCommand) -> anyhow::Result<()> {
    let (guide_id, enabled) = match cmd {
        ChannelCommand::Disable { guide_id } => (guide_id, false),
        ChannelCommand::Enable { guide_id } => (guide_id, true),
    };
    let c = Backend::connect(data)?
        .set_channel_enabled(&guide_id, enabled)
        .await?;
    let state = if c.enabled { "enabled" } else { "disabled" };
    let already = if c.unchanged { " (already)" } else { "" };
    println!(
        "channel {} ({}) {state}{already}; number {}",
        c.guide_id,
        c.name,
        c.number.as_deref().unwrap_or("-")
    );
    Ok(())
}

/// `account disable|enable NAME`.
pub async fn account(data: &DataDir, name: &str, enabled: bool) -> anyhow::Result<()> {
    let a = Backend::connect(data)?
        .set_account_enabled(name, enabled)
        .await?;
    let state = if a.enabled { "enabled" } else { "disabled" };
    let already = if a.unchanged { " (already)" } else { "" };
    println!("account {} {state}{already}", a.name);
    Ok(())
}

/// Runs one `lineup` command.
pub async fn run(data: &DataDir, cmd: LineupCommand) -> anyhow::Result<()> {
    let backend = Backend::connect(data)?;
    let action = match cmd {
        LineupCommand::IncludeGroup { name, category } if category => {
            GroupAction::IncludeCategory(name)
        }
        LineupCommand::ExcludeGroup { name, category } if category => {
            GroupAction::ExcludeCategory(name)
        }
        LineupCommand::RemoveGroup { name, category } if category => {
            GroupAction::RemoveCategory(name)
        }
        LineupCommand::IncludeGroup { name, .. } => GroupAction::Include(name),
        LineupCommand::ExcludeGroup { name, .. } => GroupAction::Exclude(name),
        LineupCommand::RemoveGroup { name, .. } => GroupAction::Remove(name),
        LineupCommand::ClearGroups => GroupAction::Clear,
        LineupCommand::Groups { json } => {
            let view = backend.lineup_groups().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&view)?);
                return Ok(());
            }
            if view.rules.is_empty() {
                println!("no group filter: every mapped channel is in the lineup");
            }
            println!("{:<8} {:>7}  GROUP", "FILTER", "STREAMS");
            for g in &view.groups {
                let filter = g.filter.as_deref().unwrap_or("-");
                println!("{filter:<8} {:>7}  {}", g.streams, g.group);
            }
            if !view.categories.is_empty() {
                println!();
                println!(
                    "{:<8} {:>7}  GUIDE CATEGORY (--category)",
                    "FILTER", "CHANNELS"
                );
                for c in &view.categories {
                    let filter = c.filter.as_deref().unwrap_or("-");
                    println!("{filter:<8} {:>7}  {}", c.channels, c.category);
                }
            }
            return Ok(());
        }
        LineupCommand::ExposeUnmapped { state } => {
            let on = matches!(state, Switch::On);
            let s = backend.set_expose_unmapped(on).await?;
            if s.expose_unmapped {
                println!("unmapped provider channels are in the lineup (numbers from 10000)");
            } else {
                println!("unmapped provider channels are not in the lineup");
            }
            return Ok(());
        }
    };
    let view = backend.change_group(&action).await?;
    let filters: Vec<String> = view
        .rules
        .iter()
        .map(|r| {
            format!(
                "{} {}{}",
                if r.include { "include" } else { "exclude" },
                if r.category { "category " } else { "" },
                r.group
            )
        })
        .collect();
    if filters.is_empty() {
        println!("group filters: none");
    } else {
        println!("group filters: {}", filters.join("; "));
    }
    Ok(())
}
