//! `guide add | list | remove`.

use super::backend::Backend;
use crate::data_dir::DataDir;
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
        GuideCommand::Add { name, source } => {
            let g = backend.add_guide(&name, &source).await?;
            println!(
                "added guide {}: {} channels, {} programmes",
                g.name, g.channels, g.programmes
            );
        }
        GuideCommand::List { json } => {
            let list = backend.list_guides().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
                return Ok(());
            }
            println!(
                "{:<16} {:>8} {:>10}  SOURCE",
                "NAME", "CHANNELS", "PROGRAMMES"
            );
            for g in list {
                println!(
                    "{:<16} {:>8} {:>10}  {}",
                    g.name, g.channels, g.programmes, g.source
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
