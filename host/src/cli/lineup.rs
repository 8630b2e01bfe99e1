//! `channel disable|enable`, `lineup ...` (group filters, unmapped
//! channels) and the printing of `account disable|enable`; the actions
//! themselves are in `lineup_control`.

use super::backend::Backend;
use crate::data_dir::DataDir;
use crate::lineup_control::{GroupAction, LineupChange, LineupInfo};
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
    /// Make another lineup: a whole HDHomeRun device of its own (DeviceID, name, tuners) over a chosen set of channels, at /lineups/NAME/.
    Create {
        /// Its name: lowercase letters, digits and `-` (it goes into URLs).
        name: String,
        #[command(flatten)]
        options: LineupOptions,
    },
    /// List the lineups (`main` and the others).
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show one lineup: its device, filters and channels.
    Show {
        /// The lineup's name.
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Change a lineup made with `lineup create`.
    Set {
        /// The lineup's name.
        name: String,
        #[command(flatten)]
        options: LineupOptions,
    },
    /// Remove a lineup made with `lineup create` (its DeviceID goes with it).
    Remove {
        /// The lineup's name.
        name: String,
    },
    /// Make lineups NAME-1, NAME-2, ... that together hold NAME's channels in number order, at most --max each (Plex shows at most 480 channels of a tuner).
    Split {
        /// The lineup to split (`main` or another).
        name: String,
        /// Channels per lineup at most.
        #[arg(long, default_value_t = 480)]
        max: usize,
    },
}

/// What `lineup create` and `lineup set` may say.
#[derive(Debug, clap::Args)]
pub struct LineupOptions {
    /// The name media servers show (default "StreamForge NAME").
    #[arg(long)]
    friendly_name: Option<String>,
    /// Tuners it advertises and may hold at once (0: as many as `main`).
    #[arg(long)]
    tuners: Option<u32>,
    /// Higher goes first when provider accounts are full.
    #[arg(long, allow_hyphen_values = true)]
    priority: Option<i32>,
    /// Whether its tunes may end the oldest session of a lower-priority lineup on a full account.
    #[arg(long)]
    preempt: Option<bool>,
    /// Also serve it at the root of a listener of its own on this port (0: none), for clients that take only host:port.
    #[arg(long)]
    port: Option<u16>,
    /// Add channels by number (repeat, or separate with commas).
    #[arg(long = "channel", value_delimiter = ',')]
    channels: Vec<String>,
    /// Take channels off its list by number.
    #[arg(long = "no-channel", value_delimiter = ',')]
    no_channels: Vec<String>,
    /// Hold every channel from this number on ("" for open).
    #[arg(long)]
    from: Option<String>,
    /// Hold every channel up to this number ("" for open).
    #[arg(long)]
    to: Option<String>,
    /// Keep only channels of this provider group (repeatable).
    #[arg(long)]
    include_group: Vec<String>,
    /// Leave channels of this provider group out (repeatable).
    #[arg(long)]
    exclude_group: Vec<String>,
    /// Keep only channels with programmes of this guide category (repeatable).
    #[arg(long)]
    include_category: Vec<String>,
    /// Leave channels with programmes of this guide category out (repeatable).
    #[arg(long)]
    exclude_category: Vec<String>,
    /// Forget its group and category filters first.
    #[arg(long)]
    clear_groups: bool,
    /// Forget its channel list and range first.
    #[arg(long)]
    clear_channels: bool,
}

impl From<LineupOptions> for LineupChange {
    fn from(o: LineupOptions) -> LineupChange {
        LineupChange {
            friendly_name: o.friendly_name,
            tuners: o.tuners,
            priority: o.priority,
            preempt: o.preempt,
            port: o.port,
            add_channels: o.channels,
            remove_channels: o.no_channels,
            first: o.from,
            last: o.to,
            include_groups: o.include_group,
            exclude_groups: o.exclude_group,
            include_categories: o.include_category,
            exclude_categories: o.exclude_category,
            clear_groups: o.clear_groups,
            clear_channels: o.clear_channels,
            included_groups: None,
        }
    }
}

/// Prints one lineup the way `list`, `show`, `create` and `set` do.
fn print_lineup(l: &LineupInfo, detail: bool) {
    let span = l
        .numbers
        .as_ref()
        .map(|(a, b)| format!(" ({a}–{b})"))
        .unwrap_or_default();
    let device = l.device_id.as_deref().unwrap_or("(made at first start)");
    let name = l.friendly_name.as_deref().unwrap_or("the server's name");
    let tuners = l.tuners.map_or("as main".to_string(), |t| t.to_string());
    let port = l.port.map(|p| format!(", port {p}")).unwrap_or_default();
    println!(
        "{:<16} DeviceID {device}  {} channels{span}  tuners {tuners}  priority {}{}  at {}{port}  \"{name}\"",
        l.name,
        l.channel_count,
        l.priority,
        if l.preempt { " (preempts)" } else { "" },
        l.path
    );
    if !detail {
        return;
    }
    for r in &l.groups {
        let kind = if r.category { "category" } else { "group" };
        let how = if r.include { "include" } else { "exclude" };
        println!("  {how} {kind} {}", r.group);
    }
    if !l.channels.is_empty() {
        println!("  channels: {}", l.channels.join(", "));
    }
    if l.first.is_some() || l.last.is_some() {
        println!(
            "  range: {} to {}",
            l.first.as_deref().unwrap_or("the first"),
            l.last.as_deref().unwrap_or("the last")
        );
    }
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
        LineupCommand::Create { name, options } => {
            let l = backend.create_lineup(&name, options.into()).await?;
            print_lineup(&l, true);
            println!(
                "  add it to a media server as a tuner at BASE_URL{}",
                l.path
            );
            return Ok(());
        }
        LineupCommand::Set { name, options } => {
            print_lineup(&backend.set_lineup(&name, options.into()).await?, true);
            return Ok(());
        }
        LineupCommand::List { json } => {
            let all = backend.lineups().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&all)?);
            } else {
                all.iter().for_each(|l| print_lineup(l, false));
            }
            return Ok(());
        }
        LineupCommand::Show { name, json } => {
            let l = backend.lineup_info(&name).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&l)?);
            } else {
                print_lineup(&l, true);
            }
            return Ok(());
        }
        LineupCommand::Remove { name } => {
            let l = backend.remove_lineup(&name).await?;
            println!(
                "lineup {} removed (DeviceID {})",
                l.name,
                l.device_id.unwrap_or_default()
            );
            return Ok(());
        }
        LineupCommand::Split { name, max } => {
            let parts = backend.split_lineup(&name, max).await?;
            println!(
                "lineup {name} split into {} lineups of at most {max} channels:",
                parts.len()
            );
            parts.iter().for_each(|l| print_lineup(l, false));
            return Ok(());
        }
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
