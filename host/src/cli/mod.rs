//! The `streamforge` command line: parsing only, each command calls into
//! the modules that own the behaviour.

mod plugin;

use crate::config::{DataDir, DEFAULT_DATA_DIR};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Guide-first IPTV lineup served as an HDHomeRun network tuner.
#[derive(Debug, Parser)]
#[command(name = "streamforge", version, about, propagate_version = true)]
pub struct Cli {
    /// Where StreamForge keeps its state.
    #[arg(long, global = true, env = "STREAMFORGE_DATA", default_value = DEFAULT_DATA_DIR)]
    pub data_dir: PathBuf,

    /// More log output (-v info, -vv debug); logs go to stderr.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

/// Every command.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Install, list, inspect and remove plugins (provider adapters, matchers).
    #[command(subcommand)]
    Plugin(plugin::PluginCommand),
}

/// Parses the arguments and runs the command; the error is for `main` to print.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    init_logging(cli.verbose);
    let data = DataDir::new(cli.data_dir);
    match cli.command {
        Command::Plugin(cmd) => plugin::run(&data, cmd),
    }
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("STREAMFORGE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}
