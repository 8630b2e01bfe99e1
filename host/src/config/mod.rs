//! The config file (`streamforge.toml`) and every other source of `serve`
//! settings: [`schema`] lists the settings, [`file`] reads the file with line
//! numbers, [`sources`] layers flags > environment > file > defaults,
//! [`reload`] applies a changed file to a running server (SIGHUP).

pub mod error;
pub mod file;
pub mod reload;
pub mod schema;
pub mod sources;

#[cfg(test)]
mod tests;

pub use error::{ConfigError, ConfigErrors};
pub use reload::{Reloader, Report};
pub use sources::{Origin, Resolved, Setting, Sources};

use crate::data_dir::DataDir;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The config file's name in the data dir.
pub const FILE_NAME: &str = "streamforge.toml";

/// The config file to read: `--config` (which must exist), else
/// `streamforge.toml` in the data dir when there is one, else none.
pub fn locate(explicit: Option<&Path>, data: &DataDir) -> anyhow::Result<Option<PathBuf>> {
    if let Some(path) = explicit {
        if !path.is_file() {
            anyhow::bail!(
                "config file {} does not exist; create it (examples/streamforge.toml lists every key) or leave out --config",
                path.display()
            );
        }
        return Ok(Some(path.to_path_buf()));
    }
    let default = data.root().join(FILE_NAME);
    Ok(default.is_file().then_some(default))
}

/// Reloads `reloader`'s file on every SIGHUP until the runtime ends. The
/// handler is in place when this returns (a SIGHUP no longer ends the process).
pub fn reload_on_sighup(reloader: Arc<Reloader>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut hangups) = signal(SignalKind::hangup()) else {
            tracing::warn!("cannot listen for SIGHUP; the config file is read at start only");
            return;
        };
        tokio::spawn(async move {
            while hangups.recv().await.is_some() {
                let r = reloader.clone();
                // The reload records what it did as events (each also a log line).
                if let Err(e) = crate::blocking::run(move || Ok(r.reload())).await {
                    tracing::warn!("config reload failed: {e:#}");
                }
            }
        });
    }
    #[cfg(not(unix))]
    let _ = reloader;
}
