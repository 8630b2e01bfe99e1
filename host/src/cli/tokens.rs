//! `token issue | rotate-key`: camera tokens, made from the key file in the
//! data dir directly, so they work whether or not a server runs (a running
//! server notices a rotated key within a second).

use crate::data_dir::DataDir;
use crate::tokens::{self, Scope, TokenKeys};
use clap::Subcommand;
use std::time::Duration;

/// Token commands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Print a token (JWT) for the camera endpoints; it is the only line on stdout.
    Issue {
        /// A camera the token opens (repeat for more); without it, every camera.
        #[arg(long = "camera", value_name = "ID")]
        cameras: Vec<String>,
        /// How long the token works, e.g. 10m, 12h, 30d (1 second to 365 days).
        #[arg(long, default_value = "1h", value_parser = parse_ttl)]
        ttl: Duration,
    },
    /// Make a new signing key: every token issued so far stops working.
    RotateKey,
}

/// Runs one token command.
pub async fn run(data: &DataDir, cmd: TokenCommand) -> anyhow::Result<()> {
    let data = data.clone();
    // Key files are read and written on the blocking pool.
    crate::blocking::run(move || match cmd {
        TokenCommand::Issue { cameras, ttl } => issue(&data, cameras, ttl),
        TokenCommand::RotateKey => {
            let path = tokens::rotate_key(&data)?;
            println!(
                "new camera token key in {}: every token issued before stopped working \
                 (a running server sees it within a second)",
                path.display()
            );
            Ok(())
        }
    })
    .await
}

fn issue(data: &DataDir, cameras: Vec<String>, ttl: Duration) -> anyhow::Result<()> {
    let scope = if cameras.is_empty() {
        Scope::All
    } else {
        Scope::Cameras(cameras)
    };
    let token = TokenKeys::open(data)?.issue(&scope, ttl, "cli")?;
    println!("{token}");
    Ok(())
}

/// `--ttl`: a humantime duration between [`tokens::MIN_TTL`] and [`tokens::MAX_TTL`].
fn parse_ttl(text: &str) -> Result<Duration, String> {
    let ttl = humantime::parse_duration(text)
        .map_err(|_| format!("`{text}` is not a duration; write it like 10m, 12h or 30d"))?;
    if ttl < tokens::MIN_TTL || ttl > tokens::MAX_TTL {
        return Err(format!(
            "a token must live at least 1s and at most 365d, not {text}"
        ));
    }
    Ok(ttl)
}

#[cfg(test)]
mod tests {
    use super::parse_ttl;
    use std::time::Duration;

    #[test]
    fn ttl_is_a_duration_within_bounds() {
        assert_eq!(parse_ttl("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_ttl("365d"), Ok(Duration::from_secs(365 * 86_400)));
        for bad in ["0s", "500ms", "366d", "abc", "-1h", ""] {
            assert!(parse_ttl(bad).is_err(), "{bad} should be refused");
        }
    }
}
