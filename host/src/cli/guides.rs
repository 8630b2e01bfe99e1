//! `guide add | set | list | remove`.

use super::backend::Backend;
use crate::data_dir::DataDir;
use crate::guide::GuideShift;
use clap::Subcommand;

/// Guide commands.
#[derive(Debug, Subcommand)]
pub enum GuideCommand {
    /// Add an XMLTV guide (.xml or .xml.gz, a URL or a file) and read it now.
    Add {
        /// Your name for the guide.
        name: String,
        /// URL or path.
        source: String,
        /// Move every programme by this much (`+2h`, `-1h30m`, `45m`; at most 24h),
        /// for guides whose times are off.
        #[arg(long, value_parser = GuideShift::parse, allow_hyphen_values = true, default_value = "0")]
        shift: GuideShift,
    },
    /// Change a guide's settings; applied at once, without downloading it again.
    Set {
        /// The guide's name (as in `streamforge guide list`).
        name: String,
        /// Move every programme by this much (`+2h`, `-1h30m`, `45m`, `0` for none).
        #[arg(long, value_parser = GuideShift::parse, allow_hyphen_values = true)]
        shift: GuideShift,
    },
    /// List guides.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove a guide and its programmes.
    Remove {
        /// The guide's name (as in `streamforge guide list`).
        name: String,
    },
}

/// Runs one guide command.
pub async fn run(data: &DataDir, cmd: GuideCommand) -> anyhow::Result<()> {
    let backend = Backend::connect(data)?;
    match cmd {
        GuideCommand::Add {
            name,
            source,
            shift,
        } => {
            let g = backend.add_guide(&name, &source, shift).await?;
            let shifted = match g.shift.as_str() {
                "0" | "" => String::new(),
                s => format!(", times shifted by {s}"),
            };
            println!(
                "added guide {}: {} channels, {} programmes{shifted}",
                g.name, g.channels, g.programmes
            );
        }
        GuideCommand::Set { name, shift } => {
            let g = backend.set_guide_shift(&name, shift).await?;
            println!("guide {}: programme times shifted by {}", g.name, g.shift);
        }
        GuideCommand::List { json } => {
            let list = backend.list_guides().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
                return Ok(());
            }
            println!(
                "{:<16} {:>8} {:>10} {:>7}  SOURCE",
                "NAME", "CHANNELS", "PROGRAMMES", "SHIFT"
            );
            for g in list {
                println!(
                    "{:<16} {:>8} {:>10} {:>7}  {}",
                    g.name, g.channels, g.programmes, g.shift, g.source
                );
            }
        }
        GuideCommand::Remove { name } => {
            let g = backend.remove_guide(&name).await?;
            println!("removed guide {}", g.name);
        }
    }
    Ok(())
}
