//! `streamforge plugin install|list|inspect|remove`.

use super::backend::Backend;
use crate::data_dir::DataDir;
use crate::events::EventLog;
use crate::plugins::registry::verify_sha256;
use crate::plugins::{Manifest, PluginRegistry};
use anyhow::{bail, Context};
use clap::Subcommand;
use std::path::Path;
use std::sync::Arc;

/// Largest plugin accepted from a URL.
const MAX_DOWNLOAD: usize = 64 << 20;

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
                let bytes = download(&source).await?;
                verify_sha256(&bytes, Some(sha))
                    .with_context(|| format!("cannot install {source}"))?;
                bytes
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

fn is_url(source: &str) -> bool {
    source.starts_with("https://") || source.starts_with("http://")
}

/// Fetches a plugin over https (plain http only from this machine), bounded in size and time.
async fn download(source: &str) -> anyhow::Result<Vec<u8>> {
    let url = url::Url::parse(source).with_context(|| format!("{source} is not a valid URL"))?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    };
    if url.scheme() != "https" && !loopback {
        bail!(
            "refusing to download a plugin over plain http from {}; use https",
            url.host_str().unwrap_or("?")
        );
    }
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .build()?;
    let mut response = client
        .get(url.clone())
        .send()
        .await
        .with_context(|| format!("cannot download {source}"))?;
    if !response.status().is_success() {
        bail!("downloading {source} failed: HTTP {}", response.status());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_DOWNLOAD {
            bail!(
                "{source} is larger than {} MiB; refusing",
                MAX_DOWNLOAD >> 20
            );
        }
    }
    Ok(body)
}
