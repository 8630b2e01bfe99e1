//! `streams probe [CHANNEL]`: measures the streams that never played, so
//! their ranking follows what they are rather than what they are called.

use super::backend::Backend;
use crate::data_dir::DataDir;
use clap::Subcommand;

/// `streams ...`.
#[derive(Debug, Subcommand)]
pub enum StreamsCommand {
    /// Measure the streams that never played (a few seconds each, one at a
    /// time, within the tuner and account limits, giving way to any viewer).
    Probe {
        /// Only this lineup channel (its number); every channel otherwise.
        channel: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a `streams` command.
pub async fn run(data: &DataDir, cmd: StreamsCommand) -> anyhow::Result<()> {
    match cmd {
        StreamsCommand::Probe { channel, json } => {
            let reports = Backend::connect(data)?.probe_streams(channel).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&reports)?);
                return Ok(());
            }
            if reports.is_empty() {
                println!(
                    "every stream has been measured already (see `streamforge mappings --stats`)"
                );
            }
            for r in &reports {
                println!(
                    "{:>6}  {:<32} {}: {}",
                    r.channel, r.stream, r.outcome, r.detail
                );
            }
            Ok(())
        }
    }
}
