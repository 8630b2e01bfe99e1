//! The `streamforge` command line: parsing and printing only; each command
//! calls into the modules that own the behaviour, through [`backend`] so it
//! works the same with or without a running server.

mod accounts;
mod backend;
mod backup;
mod cameras;
mod config;
mod console;
mod demo;
mod guides;
mod lineup;
mod matching;
mod plugin;
mod progress;
mod serve;
mod serve_config;
mod status;
mod streams;
mod tokens;
mod urls;
mod users;

use crate::data_dir::{DataDir, DEFAULT_DATA_DIR};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Guide-first IPTV lineup served as an HDHomeRun network tuner.
#[derive(Debug, Parser)]
#[command(name = "streamforge", version, about, propagate_version = true)]
pub struct Cli {
    /// Where StreamForge keeps its state.
    #[arg(long, global = true, env = "STREAMFORGE_DATA", default_value = DEFAULT_DATA_DIR)]
    pub data_dir: PathBuf,

    /// The config file with `serve`'s settings (default: streamforge.toml in the data dir, when there is one).
    #[arg(long, global = true, env = "STREAMFORGE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// More log output (-v info, -vv debug); logs go to stderr.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Every command.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the tuner and the admin API on one listener.
    Serve(serve::ServeArgs),
    /// Try StreamForge with nothing to set up: a simulated provider and guide on loopback, served as a tuner.
    Demo(demo::DemoArgs),
    /// Add, list, test and remove provider accounts.
    #[command(subcommand)]
    Account(accounts::AccountCommand),
    /// Add, list and remove XMLTV guides.
    #[command(subcommand)]
    Guide(guides::GuideCommand),
    /// Fetch every catalogue and guide again (or one account's).
    Sync {
        /// Only this account (guides are left alone).
        #[arg(long)]
        account: Option<String>,
    },
    /// Match guide channels to provider streams and print a summary.
    Match {
        /// Show what would change without storing it.
        #[arg(long)]
        dry_run: bool,
    },
    /// Show guide channels and the streams mapped to them.
    Mappings(matching::MappingsArgs),
    /// Pin a provider stream to a guide channel by hand (survives re-matches).
    Map(matching::MapArgs),
    /// Remove one mapping.
    Unmap(matching::UnmapArgs),
    /// Show recent events (syncs, failures, mapping changes).
    Events {
        /// Keep printing new events as they happen (needs a running server).
        #[arg(long)]
        follow: bool,
        /// Print JSON lines.
        #[arg(long)]
        json: bool,
        /// Only events of this kind (e.g. sync-failed, plugin-timeout).
        #[arg(long)]
        kind: Option<String>,
        /// Only events about this account.
        #[arg(long)]
        account: Option<String>,
    },
    /// Print the addresses to paste into Plex (tuner, guide, playlist).
    Urls(serve::ServeArgs),
    /// Show tuners in use, the channels playing and each account's connections.
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// What provider streams really are: measure those that never played.
    #[command(subcommand)]
    Streams(streams::StreamsCommand),
    /// Install, list, inspect and remove plugins (provider adapters, matchers).
    #[command(subcommand)]
    Plugin(plugin::PluginCommand),
    /// Issue tokens for the camera endpoints, or make a new signing key.
    #[command(subcommand)]
    Token(tokens::TokenCommand),
    /// Add, list and remove cameras (RTSP sources served as JPEG frames).
    #[command(subcommand)]
    Camera(cameras::CameraCommand),
    /// Take a channel out of the lineup, or put it back.
    #[command(subcommand)]
    Channel(lineup::ChannelCommand),
    /// Group filters and unmapped channels: what the lineup shows.
    #[command(subcommand)]
    Lineup(lineup::LineupCommand),
    /// Users of the Xtream Codes door: what TiviMate, IPTV Smarters and other players sign in with.
    #[command(subcommand)]
    User(users::UserCommand),
    /// Set up the web console (served under /ui/ by `serve`).
    #[command(subcommand)]
    Console(console::ConsoleCommand),
    /// Write one archive of the data dir (database, guides, plugins; the keys only with --include-key), even while the server runs.
    Backup(backup::BackupArgs),
    /// Restore an archive made by `backup` into a new or empty data dir.
    Restore(backup::RestoreArgs),
    /// Show the effective `serve` settings and where each came from, or check a config file.
    #[command(subcommand)]
    Config(config::ConfigCommand),
}

impl Cli {
    /// Parses the process's arguments (exiting with clap's message when they
    /// are wrong), remembering which `serve` flags were typed: they outrank
    /// the environment and the config file.
    pub fn from_process_args() -> Cli {
        use clap::{CommandFactory, FromArgMatches};
        let matches = Cli::command().get_matches();
        let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
        if let (Command::Serve(args) | Command::Urls(args), Some((_, sub))) =
            (&mut cli.command, matches.subcommand())
        {
            args.typed = serve_config::typed_flags(sub);
        }
        cli
    }
}

/// Runs the parsed command; the error is for `main` to print.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    init_logging(cli.verbose);
    let data = DataDir::new(cli.data_dir);
    let config = cli.config;
    // One thread for the async work of commands and the HTTP server; a
    // server's relay gets one more of its own (`relay::RelayThread`), so the
    // byte path never waits behind an admin answer. Each side only moves
    // bytes and answers requests; CPU-heavy work (plugin calls, parsing
    // catalogues and guides, matching, database scans) runs on the blocking
    // pool (`blocking::run`). Measured by the relay bench, one thread for
    // the relay costs less CPU per GB than a work-stealing pool (no
    // cross-thread wake-up per chunk): 23-34 % less for 1 or 10 viewers,
    // 4-12 % for 50 or 100.
    crate::relay::keep_read_buffers_mapped();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => serve::run(&data, config.as_deref(), args).await,
            Command::Demo(args) => demo::run(args).await,
            Command::Account(cmd) => accounts::run(&data, cmd).await,
            Command::Guide(cmd) => guides::run(&data, cmd).await,
            Command::Sync { account } => accounts::sync(&data, account.as_deref()).await,
            Command::Match { dry_run } => matching::run_match(&data, dry_run).await,
            Command::Mappings(args) => matching::mappings(&data, args).await,
            Command::Map(args) => matching::map(&data, args).await,
            Command::Unmap(args) => matching::unmap(&data, args).await,
            Command::Events {
                follow,
                json,
                kind,
                account,
            } => {
                let filter = matching::EventFilter { kind, account };
                matching::events(&data, follow, json, &filter).await
            }
            Command::Urls(args) => serve::urls(&data, config.as_deref(), args).await,
            Command::Status { json } => status::run(&data, json).await,
            Command::Streams(cmd) => streams::run(&data, cmd).await,
            Command::Plugin(cmd) => plugin::run(&data, cmd).await,
            Command::Token(cmd) => tokens::run(&data, cmd).await,
            Command::Camera(cmd) => cameras::run(&data, cmd).await,
            Command::Channel(cmd) => lineup::channel(&data, cmd).await,
            Command::Lineup(cmd) => lineup::run(&data, cmd).await,
            Command::User(cmd) => users::run(&data, cmd).await,
            Command::Console(cmd) => console::run(&data, cmd),
            Command::Backup(args) => backup::backup(&data, args).await,
            Command::Restore(args) => backup::restore(&data, args).await,
            Command::Config(cmd) => config::run(&data, config.as_deref(), cmd),
        }
    })
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

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// Every flag and argument of every command says what it is for.
    #[test]
    fn every_argument_has_help() {
        fn visit(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let builtin = matches!(arg.get_id().as_str(), "help" | "version");
                if !builtin && arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{path} --{}", arg.get_id()));
                }
            }
            for sub in cmd.get_subcommands() {
                if sub.get_about().is_none() && sub.get_name() != "help" {
                    missing.push(format!("{path} {} (no description)", sub.get_name()));
                }
                visit(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        visit(&Cli::command(), "streamforge", &mut missing);
        assert!(missing.is_empty(), "no help text: {missing:#?}");
    }
}
