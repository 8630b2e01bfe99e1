//! `streamforge backup FILE [--include-key]` and `streamforge restore FILE`.

use super::backend::Backend;
use crate::data_dir::DataDir;
use anyhow::{bail, Context};
use clap::Args;
use std::path::{Path, PathBuf};

/// `backup`'s arguments.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where to write the archive (a new file, e.g. streamforge-backup.tar.gz).
    pub file: PathBuf,
    /// Also store the keys (secret.key: provider passwords; jwt.key: camera tokens); keep such a backup as safe as the data dir.
    #[arg(long)]
    pub include_key: bool,
}

/// `restore`'s arguments.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The archive `streamforge backup` wrote; restored into --data-dir, which must be new or empty.
    pub file: PathBuf,
    /// Most bytes the archive may expand to, in all (a larger one is refused before anything is written).
    #[arg(long, default_value = "4GiB", value_parser = byte_size)]
    pub max_size: u64,
    /// Most bytes one file of the archive may hold.
    #[arg(long, default_value = "2GiB", value_parser = byte_size)]
    pub max_file_size: u64,
}

/// A size such as `4GiB`, `512MiB`, `100MB` or a number of bytes.
fn byte_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a size (e.g. 4GiB, 512MiB, 1000000)"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        _ => {
            return Err(format!(
                "`{text}`: unknown unit (use B, KiB, MiB, GiB, KB, MB, GB)"
            ))
        }
    };
    n.checked_mul(factor)
        .ok_or_else(|| format!("`{text}` is too large"))
}

/// Writes the archive beside its final name (owner-only), then moves it
/// there; works with or without a running server.
pub async fn backup(data: &DataDir, args: BackupArgs) -> anyhow::Result<()> {
    let file = &args.file;
    if !data.database().exists() {
        bail!(
            "there is no StreamForge data dir at {} (see --data-dir); nothing to back up",
            data.root().display()
        );
    }
    if file.exists() {
        bail!(
            "{} already exists; give a new file name (a backup never overwrites one)",
            file.display()
        );
    }
    let dir = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // Created owner-only (0600): the archive holds every account's settings.
    let mut tmp = tempfile::Builder::new()
        .prefix(".streamforge-backup-")
        .tempfile_in(&dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    let backend = Backend::connect(data)?;
    backend.backup(args.include_key, tmp.as_file_mut()).await?;
    drop(backend);
    let manifest = crate::backup::verify(tmp.path())
        .context("the backup just written does not check out; it was not kept")?;
    tmp.persist_noclobber(file)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {}", file.display(), e.error))?;
    let bytes = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    println!(
        "backup written to {} ({} files, {} KiB)",
        file.display(),
        manifest.entries.len(),
        bytes.div_ceil(1024)
    );
    if manifest.includes_key {
        println!("it holds the keys: anyone with this file can read the provider passwords; keep it private");
    } else if args.include_key {
        println!(
            "the password key is not in the data dir (it comes from {}); keep it yourself",
            crate::secrets::KEY_ENV
        );
    } else {
        println!("without the keys: after a restore, provider passwords need the old key (keep secret.key, or STREAMFORGE_KEY) or re-entering; use --include-key to keep them in the backup");
    }
    Ok(())
}

/// Restores into the data dir, which must be missing or empty.
pub async fn restore(data: &DataDir, args: RestoreArgs) -> anyhow::Result<()> {
    let (file, target) = (args.file.clone(), data.root().to_path_buf());
    let limits = crate::backup::RestoreLimits {
        total: args.max_size,
        entry: args.max_file_size,
    };
    let report =
        crate::blocking::run(move || crate::backup::restore(&file, &target, limits)).await?;
    println!(
        "restored {} into {} (made by StreamForge {}; {} files)",
        args.file.display(),
        data.root().display(),
        report.manifest.streamforge,
        report.manifest.entries.len()
    );
    if !report.manifest.includes_key {
        print_without_key(data.root(), &report.accounts);
    }
    println!("a new admin token is made when the server starts");
    Ok(())
}

/// What a backup without keys means for the restored data dir.
fn print_without_key(root: &Path, accounts: &[String]) {
    println!(
        "this backup holds no keys (it was made without --include-key): {} gets a new key",
        root.display()
    );
    if !accounts.is_empty() {
        println!(
            "the stored provider passwords cannot be decrypted with it: re-enter each with `streamforge account set NAME --password-stdin` (accounts: {}), or copy the old secret.key into {} (or set STREAMFORGE_KEY to it) before starting the server",
            accounts.join(", "),
            root.display()
        );
    }
    println!("camera tokens issued before the backup stop working (a new signing key is made)");
}
