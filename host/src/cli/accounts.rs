//! `account ...` and `sync`.

use super::backend::Backend;
use super::progress::TermProgress;
use crate::catalog::NewAccount;
use crate::data_dir::DataDir;
use anyhow::bail;
use clap::Subcommand;

/// Account commands.
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Add a provider account (checked with the provider first).
    Add {
        /// Your name for the account.
        name: String,
        /// Provider plugin: xtream, m3u, or an installed one.
        #[arg(long, default_value = "xtream")]
        provider: String,
        /// The panel address (http://host:port) or the playlist URL.
        #[arg(long)]
        url: String,
        /// The user name the provider gave you (not needed for most M3U links).
        #[arg(long)]
        username: Option<String>,
        /// Read the password from standard input (never from the command line).
        #[arg(long)]
        password_stdin: bool,
        /// Connections the provider allows at once (default: what it reports, else 1).
        #[arg(long)]
        max_connections: Option<u32>,
        /// Lower is preferred between equal streams.
        #[arg(long, default_value_t = 0)]
        priority: i32,
        /// Store it without asking the provider.
        #[arg(long)]
        no_check: bool,
    },
    /// List accounts.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Ask the provider whether an account works (status, expiry, connections).
    Test {
        /// The account's name (as in `streamforge account list`).
        name: String,
    },
    /// Stop using an account: its streams are not tuned, its connections not counted as tuners.
    Disable {
        /// The account's name (as in `streamforge account list`).
        name: String,
    },
    /// Use a disabled account again.
    Enable {
        /// The account's name (as in `streamforge account list`).
        name: String,
    },
    /// Remove an account, its catalogue and its mappings.
    Remove {
        /// The account's name (as in `streamforge account list`).
        name: String,
    },
}

/// Runs one account command.
pub async fn run(data: &DataDir, cmd: AccountCommand) -> anyhow::Result<()> {
    match cmd {
        AccountCommand::Add {
            name,
            provider,
            url,
            username,
            password_stdin,
            max_connections,
            priority,
            no_check,
        } => {
            let password = if password_stdin {
                Some(super::cameras::read_password()?)
            } else {
                None
            };
            let new = NewAccount {
                name,
                provider,
                url,
                username,
                password,
                max_connections,
                priority,
                check: !no_check,
            };
            let view = Backend::connect(data)?.add_account(new).await?;
            println!(
                "added account {} ({}, {} connections)",
                view.name, view.provider, view.max_connections
            );
            if let Some(check) = view.check {
                println!(
                    "  provider says: {}{}",
                    check.status,
                    expiry(check.expires_at)
                );
            }
        }
        AccountCommand::List { json } => {
            let list = Backend::connect(data)?.list_accounts().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
                return Ok(());
            }
            println!(
                "{:<16} {:<8} {:<8} {:>5} {:>4} {:>9}  URL",
                "NAME", "PROVIDER", "STATE", "CONNS", "PRIO", "CHANNELS"
            );
            for a in list {
                let channels = a
                    .channels
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "-".into());
                let state = if a.enabled { "enabled" } else { "disabled" };
                println!(
                    "{:<16} {:<8} {:<8} {:>5} {:>4} {:>9}  {}",
                    a.name, a.provider, state, a.max_connections, a.priority, channels, a.url
                );
            }
        }
        AccountCommand::Test { name } => {
            let c = Backend::connect(data)?.test_account(&name).await?;
            println!(
                "account {}: {}{}",
                c.account,
                c.status,
                expiry(c.expires_at)
            );
            let n = |v: Option<u32>| v.map(|n| n.to_string()).unwrap_or_else(|| "?".into());
            println!(
                "  connections: {} active of {} allowed",
                n(c.active_connections),
                n(c.max_connections)
            );
            if !c.formats.is_empty() {
                println!("  formats: {}", c.formats.join(", "));
            }
        }
        AccountCommand::Disable { name } => super::lineup::account(data, &name, false).await?,
        AccountCommand::Enable { name } => super::lineup::account(data, &name, true).await?,
        AccountCommand::Remove { name } => {
            let a = Backend::connect(data)?.remove_account(&name).await?;
            println!("removed account {}", a.name);
        }
    }
    Ok(())
}

fn expiry(at: Option<i64>) -> String {
    match at {
        Some(t) if t > 0 => format!(", expires {}", crate::cli::matching::date(t)),
        _ => String::new(),
    }
}

/// `sync`: every catalogue and guide, or one account.
pub async fn sync(data: &DataDir, account: Option<&str>) -> anyhow::Result<()> {
    let report = Backend::connect(data)?
        .sync(account, &TermProgress::new())
        .await?;
    let mut failed = 0;
    for a in &report.accounts {
        match &a.error {
            None => println!("account {}: {} channels", a.account, a.channels),
            Some(e) => {
                failed += 1;
                println!(
                    "account {}: FAILED, kept {} channels: {e}",
                    a.account, a.channels
                );
            }
        }
    }
    for g in &report.guides {
        match &g.error {
            None => println!(
                "guide {}: {} channels, {} programmes",
                g.guide, g.channels, g.programmes
            ),
            Some(e) => {
                failed += 1;
                println!("guide {}: FAILED, kept the previous guide: {e}", g.guide);
            }
        }
    }
    if report.accounts.is_empty() && report.guides.is_empty() {
        println!("nothing to sync: add an account (`streamforge account add`) or a guide (`streamforge guide add`)");
    }
    if failed > 0 {
        bail!("{failed} of {} sources failed to sync (details above; `streamforge events` has them too)", report.accounts.len() + report.guides.len());
    }
    Ok(())
}
