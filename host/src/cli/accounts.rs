//! `account ...` and `sync`.

use super::backend::Backend;
use super::progress::TermProgress;
use crate::catalog::{AccountChange, NewAccount};
use crate::data_dir::DataDir;
use crate::fetch::AccountHttp;
use anyhow::bail;
use clap::Subcommand;

/// Account commands.
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Add a provider account (checked with the provider first).
    Add(AddArgs),
    /// Change an account's limits, CA, User-Agent, headers or password.
    Set(SetArgs),
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

/// `account add`'s arguments.
#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// Your name for the account.
    pub name: String,
    /// Provider plugin: xtream, m3u, or an installed one.
    #[arg(long, default_value = "xtream")]
    pub provider: String,
    /// The panel address (http://host:port) or the playlist URL.
    #[arg(long)]
    pub url: String,
    /// The user name the provider gave you (not needed for most M3U links).
    #[arg(long)]
    pub username: Option<String>,
    /// Read the password from standard input (never from the command line).
    #[arg(long)]
    pub password_stdin: bool,
    /// Connections the provider allows at once (default: what it reports, else 1).
    #[arg(long)]
    pub max_connections: Option<u32>,
    /// Lower is preferred between equal streams.
    #[arg(long, default_value_t = 0)]
    pub priority: i32,
    /// Store it without asking the provider.
    #[arg(long)]
    pub no_check: bool,
    #[command(flatten)]
    pub http: HttpArgs,
}

/// `account set`'s arguments.
#[derive(Debug, clap::Args)]
pub struct SetArgs {
    /// The account's name (as in `streamforge account list`).
    pub name: String,
    /// Connections the provider allows at once.
    #[arg(long)]
    pub max_connections: Option<u32>,
    /// Lower is preferred between equal streams.
    #[arg(long)]
    pub priority: Option<i32>,
    /// Forget the stored CA (the system's roots only).
    #[arg(long, conflicts_with = "ca_file")]
    pub no_ca: bool,
    /// Remove every extra header.
    #[arg(long, conflicts_with = "header")]
    pub no_headers: bool,
    /// Read a new password from standard input (e.g. after a restore without the key).
    #[arg(long)]
    pub password_stdin: bool,
    #[command(flatten)]
    pub http: HttpArgs,
}

/// Extra headers as `(name, value)`.
type Headers = Vec<(String, String)>;

/// An account's own HTTP settings on the command line.
#[derive(Debug, clap::Args)]
pub struct HttpArgs {
    /// A PEM file with the CA that signed the panel's certificate; it is
    /// stored with the account (the file may go away) and trusted for this
    /// account only, besides the system's roots.
    #[arg(long, value_name = "PATH")]
    ca_file: Option<std::path::PathBuf>,
    /// Sent as User-Agent to the panel and its streams ("" for StreamForge's own).
    #[arg(long, value_name = "UA")]
    user_agent: Option<String>,
    /// An extra header for the panel and its streams, 'Name: value'; repeat
    /// for more (`account set` replaces the stored ones).
    #[arg(long, value_name = "'NAME: VALUE'")]
    header: Vec<String>,
}

impl HttpArgs {
    /// The CA's text (checked), and the headers parsed; one clear line on error.
    fn read(&self) -> anyhow::Result<(Option<String>, Headers)> {
        let ca = match &self.ca_file {
            Some(path) => {
                let bytes = std::fs::read(path).map_err(|e| {
                    anyhow::anyhow!("cannot read the CA file {}: {e}", path.display())
                })?;
                let pem = AccountHttp::check_ca(&bytes)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
                Some(pem)
            }
            None => None,
        };
        let headers = self
            .header
            .iter()
            .map(|h| AccountHttp::parse_header(h).map_err(|e| anyhow::anyhow!("--header: {e}")))
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok((ca, headers))
    }
}

/// Runs one account command.
pub async fn run(data: &DataDir, cmd: AccountCommand) -> anyhow::Result<()> {
    match cmd {
        AccountCommand::Add(args) => add(data, args).await,
        AccountCommand::Set(args) => set(data, args).await,
        AccountCommand::List { json } => list(data, json).await,
        AccountCommand::Test { name } => test(data, &name).await,
        AccountCommand::Disable { name } => super::lineup::account(data, &name, false).await,
        AccountCommand::Enable { name } => super::lineup::account(data, &name, true).await,
        AccountCommand::Remove { name } => {
            let a = Backend::connect(data)?.remove_account(&name).await?;
            println!("removed account {}", a.name);
            Ok(())
        }
    }
}

/// `account add`: checked with the provider (unless told not to), then stored.
async fn add(data: &DataDir, args: AddArgs) -> anyhow::Result<()> {
    let AddArgs {
        name,
        provider,
        url,
        username,
        password_stdin,
        max_connections,
        priority,
        no_check,
        http,
    } = args;
    let (ca_pem, headers) = http.read()?;
    let http = AccountHttp {
        ca_pem,
        user_agent: http.user_agent.filter(|u| !u.trim().is_empty()),
        headers,
    };
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
        http,
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
    Ok(())
}

/// `account set`: what is given changes, the rest stays.
async fn set(data: &DataDir, args: SetArgs) -> anyhow::Result<()> {
    let SetArgs {
        name,
        max_connections,
        priority,
        no_ca,
        no_headers,
        password_stdin,
        http,
    } = args;
    let (ca_pem, headers) = http.read()?;
    let password = if password_stdin {
        Some(super::cameras::read_password()?)
    } else {
        None
    };
    let change = AccountChange {
        max_connections,
        priority,
        ca_pem,
        clear_ca: no_ca,
        user_agent: http.user_agent,
        headers: if no_headers {
            Some(Vec::new())
        } else {
            Some(headers).filter(|h| !h.is_empty())
        },
        password,
    };
    let a = Backend::connect(data)?.set_account(&name, change).await?;
    println!(
        "account {}: {} connections, priority {}, CA {}, User-Agent {}, headers [{}]",
        a.name,
        a.max_connections,
        a.priority,
        if a.has_ca {
            "stored"
        } else {
            "system roots only"
        },
        a.user_agent.as_deref().unwrap_or("StreamForge's own"),
        a.header_names.join(", ")
    );
    Ok(())
}

/// `account list`: a table, or JSON.
async fn list(data: &DataDir, json: bool) -> anyhow::Result<()> {
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
            a.name,
            a.provider,
            state,
            connections(&a),
            a.priority,
            channels,
            a.url
        );
    }
    Ok(())
}

/// `account test`: the provider's answer beside StreamForge's own count.
async fn test(data: &DataDir, name: &str) -> anyhow::Result<()> {
    let backend = Backend::connect(data)?;
    let c = backend.test_account(name).await?;
    // StreamForge's own count beside the provider's (the running
    // server's, else none open).
    let ours = backend
        .status()
        .await?
        .accounts
        .into_iter()
        .find(|a| a.name == name);
    println!(
        "account {}: {}{}",
        c.account,
        c.status,
        expiry(c.expires_at)
    );
    let n = |v: Option<u32>| v.map(|n| n.to_string()).unwrap_or_else(|| "?".into());
    println!(
        "  connections: {} active of {} allowed (the provider's count)",
        n(c.active_connections),
        n(c.max_connections)
    );
    if let Some(ours) = ours {
        println!(
            "  StreamForge: {} open of its limit of {}",
            ours.in_use, ours.limit
        );
    }
    if !c.formats.is_empty() {
        println!("  formats: {}", c.formats.join(", "));
    }
    Ok(())
}

/// `2`, or `2 (provider allows 1 — lowered 10:42 UTC after an eviction)`
/// when the provider showed it allows fewer.
fn connections(a: &crate::catalog::AccountView) -> String {
    match &a.provider_limit {
        Some(p) if p.limit < a.max_connections => format!(
            "{} (provider allows {} — lowered {} after {})",
            a.max_connections,
            p.limit,
            crate::relay::hh_mm(p.lowered_at),
            p.reason
        ),
        _ => a.max_connections.to_string(),
    }
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
    for line in report.lines() {
        println!("{line}");
    }
    let failed = report.failed();
    if report.accounts.is_empty() && report.guides.is_empty() {
        println!("nothing to sync: add an account (`streamforge account add`) or a guide (`streamforge guide add`)");
    }
    if failed > 0 {
        bail!("{failed} of {} sources failed to sync (details above; `streamforge events` has them too)", report.accounts.len() + report.guides.len());
    }
    Ok(())
}
