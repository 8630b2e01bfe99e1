//! `config show | check`: the settings `serve` would use and where each came
//! from, and a config file checked line by line. Neither needs a running
//! server: both read the sources `serve` reads.

use crate::config::{file, Resolved, Sources};
use crate::data_dir::DataDir;
use clap::Subcommand;
use std::path::{Path, PathBuf};

/// Config commands.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print every `serve` setting in effect and where it came from (env, file:line, default).
    Show {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check a config file: each problem on its own line with its line number; exits non-zero if any.
    Check {
        /// The file to check (e.g. streamforge.toml).
        file: PathBuf,
    },
}

/// Runs one config command.
pub fn run(data: &DataDir, config: Option<&Path>, cmd: ConfigCommand) -> anyhow::Result<()> {
    match cmd {
        ConfigCommand::Show { json } => {
            let path = crate::config::locate(config, data)?;
            let sources = Sources {
                flags: Vec::new(),
                env: Sources::process_env(),
                file: path.clone(),
            };
            let resolved = sources.resolve()?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&to_json(&path, &resolved))?
                );
            } else {
                print_table(&path, &resolved);
            }
            Ok(())
        }
        ConfigCommand::Check { file } => match file::read(&file) {
            Ok(values) => {
                println!("{}: ok ({} settings)", file.display(), values.len());
                Ok(())
            }
            Err(errors) => {
                for e in &errors.0 {
                    eprintln!("{e}");
                }
                let n = errors.0.len();
                let s = if n == 1 { "" } else { "s" };
                anyhow::bail!("{n} problem{s} in {}", file.display())
            }
        },
    }
}

fn shown(setting: &crate::config::Setting) -> String {
    match &setting.value {
        Some(v) => v.to_string(),
        None => format!("(unset: {})", setting.key.unset),
    }
}

fn print_table(path: &Option<PathBuf>, resolved: &Resolved) {
    match path {
        Some(p) => println!("config file: {}", p.display()),
        None => println!("config file: none (no --config, no streamforge.toml in the data dir)"),
    }
    let width = |f: &dyn Fn(&crate::config::Setting) -> usize| {
        resolved.settings.iter().map(f).max().unwrap_or(0)
    };
    let key_w = width(&|s| s.key.path.len());
    let value_w = width(&|s| shown(s).chars().count()).min(40);
    for s in &resolved.settings {
        let value = shown(s);
        println!("{:key_w$}  {value:value_w$}  {}", s.key.path, s.origin);
    }
}

fn to_json(path: &Option<PathBuf>, resolved: &Resolved) -> serde_json::Value {
    let settings: Vec<serde_json::Value> = resolved
        .settings
        .iter()
        .map(|s| {
            serde_json::json!({
                "key": s.key.path,
                "value": s.value.as_ref().map(|v| v.to_json()),
                "origin": s.origin,
                "env": s.key.env(),
                "live": s.key.live,
            })
        })
        .collect();
    serde_json::json!({
        "file": path.as_ref().map(|p| p.display().to_string()),
        "settings": settings,
    })
}
