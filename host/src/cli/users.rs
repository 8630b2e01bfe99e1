//! `user add|list|set|disable|enable|remove`: the users of the Xtream Codes
//! door (players such as TiviMate sign in as one); the actions are in
//! `crate::users`.

use super::backend::Backend;
use crate::data_dir::DataDir;
use crate::users::{UserChange, UserView};
use clap::Subcommand;

/// What `user add` and `user set` may say.
#[derive(Debug, clap::Args)]
pub struct UserOptions {
    /// Read the password from stdin (players put it in URLs: no `/ ? # % &`).
    #[arg(long)]
    password_stdin: bool,
    /// The lineup the user sees (default `main`).
    #[arg(long)]
    lineup: Option<String>,
    /// Channels the user may watch at once (default 1; one channel on two screens counts once).
    #[arg(long)]
    max_connections: Option<u32>,
    /// Added to the lineup's priority for this user's tunes (default 0);
    /// higher goes first when provider accounts are full and the lineup
    /// may preempt.
    #[arg(long, allow_hyphen_values = true)]
    priority: Option<i32>,
    /// The last day the user may sign in (YYYY-MM-DD, UTC; "" for never).
    #[arg(long)]
    expires: Option<String>,
}

/// `user ...`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user of the Xtream Codes door (for TiviMate, IPTV Smarters and other players).
    Add {
        /// The user name players sign in with.
        name: String,
        #[command(flatten)]
        options: UserOptions,
    },
    /// List the users.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Change a user.
    Set {
        /// The user's name.
        name: String,
        #[command(flatten)]
        options: UserOptions,
    },
    /// Stop a user from signing in (kept, with their settings).
    Disable {
        /// The user's name.
        name: String,
    },
    /// Let a disabled user sign in again.
    Enable {
        /// The user's name.
        name: String,
    },
    /// Remove a user.
    Remove {
        /// The user's name.
        name: String,
    },
}

fn change(o: UserOptions) -> anyhow::Result<UserChange> {
    let password = if o.password_stdin {
        Some(super::cameras::read_password()?)
    } else {
        None
    };
    Ok(UserChange {
        password,
        lineup: o.lineup,
        max_connections: o.max_connections,
        priority: o.priority,
        expires: o.expires,
        enabled: None,
    })
}

fn print(u: &UserView) {
    let expires = u
        .expires
        .map_or("never".to_string(), crate::console::date_time);
    println!(
        "{:<16} lineup {:<12} {} connection(s)  priority {}  expires {expires}{}",
        u.name,
        u.lineup,
        u.max_connections,
        u.priority,
        if u.enabled { "" } else { "  (disabled)" }
    );
}

/// Runs one `user` command.
pub async fn run(data: &DataDir, cmd: UserCommand) -> anyhow::Result<()> {
    let backend = Backend::connect(data)?;
    match cmd {
        UserCommand::Add { name, options } => {
            if !options.password_stdin {
                anyhow::bail!("a new user needs a password: pipe it in with --password-stdin");
            }
            print(&backend.add_user(&name, change(options)?).await?);
        }
        UserCommand::Set { name, options } => {
            print(&backend.set_user(&name, change(options)?).await?)
        }
        UserCommand::Disable { name } => {
            let c = UserChange {
                enabled: Some(false),
                ..Default::default()
            };
            print(&backend.set_user(&name, c).await?);
        }
        UserCommand::Enable { name } => {
            let c = UserChange {
                enabled: Some(true),
                ..Default::default()
            };
            print(&backend.set_user(&name, c).await?);
        }
        UserCommand::Remove { name } => {
            let u = backend.remove_user(&name).await?;
            println!("user {} removed", u.name);
        }
        UserCommand::List { json } => {
            let all = backend.users().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&all)?);
            } else if all.is_empty() {
                println!("no user yet (add one with `streamforge user add NAME --password-stdin`)");
            } else {
                all.iter().for_each(print);
            }
        }
    }
    Ok(())
}
