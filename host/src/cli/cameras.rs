//! `streamforge camera add|list|remove`: cameras added by hand. With a
//! server running, the command goes through its API, so the server picks the
//! change up at once.

use super::backend::Backend;
use crate::camera::book::{CameraInfo, NewCamera};
use crate::camera::registry::CameraView;
use crate::data_dir::DataDir;
use anyhow::{bail, Context};
use clap::Subcommand;
use std::io::Read;

/// The `camera` subcommands.
#[derive(Debug, Subcommand)]
pub enum CameraCommand {
    /// Add a camera by hand (its NAME is its id in URLs).
    Add {
        /// Letters, digits, '-' and '_'.
        name: String,
        /// rtsp://HOST:PORT/PATH (credentials in it are taken out and sealed).
        #[arg(long)]
        url: String,
        /// The camera's user name.
        #[arg(long)]
        username: Option<String>,
        /// Read the camera's password from standard input (never from the command line).
        #[arg(long)]
        password_stdin: bool,
    },
    /// List cameras (with their state when a server runs).
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove a camera.
    Remove {
        /// The camera's id (as in `streamforge camera list`).
        name: String,
    },
}

/// Runs one camera command.
pub async fn run(data: &DataDir, cmd: CameraCommand) -> anyhow::Result<()> {
    let backend = Backend::connect(data)?;
    match cmd {
        CameraCommand::Add {
            name,
            url,
            username,
            password_stdin,
        } => {
            let password = if password_stdin {
                let mut text = String::new();
                std::io::stdin()
                    .read_to_string(&mut text)
                    .context("reading the password from standard input")?;
                let text = text.trim_end_matches(['\r', '\n']).to_string();
                if text.is_empty() {
                    bail!("--password-stdin was given but standard input was empty");
                }
                Some(text)
            } else {
                None
            };
            let new = NewCamera {
                name,
                url,
                username,
                password,
            };
            let info: CameraInfo = match &backend {
                Backend::Local(app) => {
                    let book = app.cameras.clone();
                    crate::blocking::run(move || book.add(new)).await?
                }
                Backend::Remote(api) => api.post("cameras", &new).await?,
            };
            println!("added camera {} ({})", info.id, info.url);
            println!(
                "  watch it: /cameras/{} (a token: streamforge token issue --camera {})",
                info.id, info.id
            );
        }
        CameraCommand::List { json } => match &backend {
            Backend::Local(app) => {
                let list = app.cameras.list()?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&list)?);
                } else if list.is_empty() {
                    println!(
                        "no cameras; add one with `streamforge camera add NAME --url rtsp://…`"
                    );
                } else {
                    for c in list {
                        println!(
                            "{:<20} {}{}",
                            c.id,
                            c.url,
                            if c.has_password {
                                " (with password)"
                            } else {
                                ""
                            }
                        );
                    }
                }
            }
            Backend::Remote(api) => {
                let list: Vec<CameraView> = api.get("cameras", &[]).await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&list)?);
                } else if list.is_empty() {
                    println!(
                        "no cameras; add one with `streamforge camera add NAME --url rtsp://…`"
                    );
                } else {
                    for c in list {
                        let state = match (c.streaming, c.online) {
                            (false, _) => "idle".to_string(),
                            (true, true) => "streaming".to_string(),
                            (true, false) => format!(
                                "offline ({})",
                                c.reason.unwrap_or_else(|| "connecting".into())
                            ),
                        };
                        println!("{:<20} {:<10} {} viewer(s)", c.id, state, c.viewers);
                    }
                }
            }
        },
        CameraCommand::Remove { name } => {
            let info: CameraInfo = match &backend {
                Backend::Local(app) => {
                    let book = app.cameras.clone();
                    crate::blocking::run(move || book.remove(&name)).await?
                }
                Backend::Remote(api) => api.delete(&format!("cameras/{name}")).await?,
            };
            println!("removed camera {}", info.id);
        }
    }
    Ok(())
}
