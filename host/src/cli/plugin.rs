//! `streamforge plugin install|list|inspect|remove`.

use super::backend::Backend;
use crate::data_dir::DataDir;
use crate::events::EventLog;
use crate::plugins::download::{fetch_verified, is_url};
use crate::plugins::registry::verify_sha256;
use crate::plugins::{Manifest, PluginRegistry};
use anyhow::{bail, Context};
use clap::Subcommand;
use std::path::Path;
use std::sync::Arc;

/// Plugin commands.
#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// Validate, precompile and install a plugin from a `.wasm` file or an https URL.
    Install {
        /// A `.wasm` component file, or an https:// URL (needs --sha256).
        source: String,
        /// Expected sha256 of the file (hex); required for URLs.
        #[arg(long)]
        sha256: Option<String>,
    },
    /// List installed plugins.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show what a plugin is: an installed plugin's name, or a `.wasm` file (not installed).
    Inspect {
        /// Plugin name or path to a `.wasm` file.
        target: String,
    },
    /// Remove an installed plugin.
    Remove {
        /// Plugin name.
        name: String,
    },
}

/// Runs one plugin command.
pub async fn run(data: &DataDir, cmd: PluginCommand) -> anyhow::Result<()> {
    match cmd {
        PluginCommand::Install { source, sha256 } => {
            let bytes = if is_url(&source) {
                let Some(sha) = sha256.as_deref() else {
                    bail!("installing from a URL needs --sha256 HEX (the checksum its author published)");
                };
                fetch_verified(&source, sha).await?
            } else {
                let bytes = std::fs::read(&source)
                    .with_context(|| format!("cannot install {source}: cannot read it"))?;
                verify_sha256(&bytes, sha256.as_deref())
                    .with_context(|| format!("cannot install {source}"))?;
                bytes
            };
            let origin = if is_url(&source) {
                source.clone()
            } else {
                std::fs::canonicalize(&source)
                    .map(|p| p.display().to_string())
                    .unwrap_or(source.clone())
            };
            let manifest = Backend::connect(data)?
                .install_plugin(bytes, &origin)
                .await
                .with_context(|| format!("cannot install {source}"))?;
            println!(
                "installed {} {} ({}, contract {}, sha256 {})",
                manifest.name, manifest.version, manifest.world, manifest.contract, manifest.sha256
            );
        }
        PluginCommand::List { json } => {
            let list = Backend::connect(data)?.list_plugins().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                print_table(&list);
            }
        }
        PluginCommand::Inspect { target } => {
            let path = Path::new(&target);
            if target.ends_with(".wasm") || path.is_file() {
                let bytes = std::fs::read(path).with_context(|| format!("cannot read {target}"))?;
                let inspector =
                    PluginRegistry::for_inspection(data.cache(), Arc::new(EventLog::default()));
                let (inspection, info) = inspector
                    .check(&bytes)
                    .with_context(|| format!("{target} cannot be used"))?;
                println!("file:        {target} (not installed)");
                println!("name:        {}", info.name);
                println!("version:     {}", info.version);
                println!("description: {}", info.description);
                println!("world:       {}", inspection.world);
                println!("contract:    streamforge:plugin@{}", inspection.contract);
                println!(
                    "sha256:      {}",
                    crate::plugins::manifest::sha256_hex(&bytes)
                );
                println!("exports:     {}", inspection.exports.join(", "));
                println!("imports:     {}", list_or_none(&inspection.imports));
            } else {
                let m = Backend::connect(data)?.plugin_manifest(&target).await?;
                println!("name:        {}", m.name);
                println!("version:     {}", m.version);
                println!("description: {}", m.description);
                println!("world:       {}", m.world);
                println!("contract:    streamforge:plugin@{}", m.contract);
                println!("sha256:      {}", m.sha256);
                println!("source:      {}", m.source);
                println!("built-in:    {}", if m.builtin { "yes" } else { "no" });
                println!("imports:     {}", list_or_none(&m.imports));
            }
        }
        PluginCommand::Remove { name } => {
            let m = Backend::connect(data)?.remove_plugin(&name).await?;
            println!("removed {} {}", m.name, m.version);
        }
    }
    Ok(())
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

fn print_table(list: &[Manifest]) {
    println!(
        "{:<16} {:<10} {:<17} {:<9} SOURCE",
        "NAME", "VERSION", "WORLD", "CONTRACT"
    );
    for m in list {
        let source = if m.builtin {
            "built-in"
        } else {
            m.source.as_str()
        };
        println!(
            "{:<16} {:<10} {:<17} {:<9} {}",
            m.name,
            m.version,
            m.world.as_str(),
            m.contract,
            source
        );
    }
}
