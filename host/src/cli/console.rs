//! `console password`: sets the web console's sign-in password (stored as
//! an argon2 hash in the data dir; a running server takes it at once).

use crate::data_dir::DataDir;
use clap::Subcommand;

/// `console` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConsoleCommand {
    /// Set the console's password (read from standard input, one line; at least 8 characters).
    Password,
}

/// Runs a `console` command.
pub fn run(data: &DataDir, cmd: ConsoleCommand) -> anyhow::Result<()> {
    match cmd {
        ConsoleCommand::Password => {
            if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                eprintln!("Type the new console password, then Enter and Ctrl-D:");
            }
            let password = zeroize::Zeroizing::new(super::cameras::read_password().map_err(
                |_| anyhow::anyhow!("give the password on standard input, e.g. `echo 'my password' | streamforge console password`"),
            )?);
            crate::console::password::set(data.root(), &password)?;
            println!(
                "console password set ({}); sign in at /ui/login on the server",
                crate::console::password::path(data.root()).display()
            );
            Ok(())
        }
    }
}
