//! `streamforge camera add|add-controller|list|remove`: cameras added by
//! hand and camera controllers whose cameras are listed. With a server running, the command goes through its API, so the server picks the
//! change up at once.

use super::backend::Backend;
use crate::camera::book::{CameraInfo, NewCamera};
use crate::camera::controllers::{ControllerInfo, NewController};
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
    /// Add a camera controller (UniFi-Protect-style): its cameras become
    /// cameras `NAME-KEY`, listed again every ten minutes by a running server.
    AddController {
        /// Letters, digits, '-' and '_'.
        name: String,
        /// The camera-source plugin (`protect`).
        #[arg(long)]
        provider: String,
        /// The controller's address, https://HOST[:PORT].
        #[arg(long)]
        url: String,
        /// The user name to log in with.
        #[arg(long)]
        username: String,
        /// Read the password from standard input (never from the command line).
        #[arg(long)]
        password_stdin: bool,
        /// A plugin option KEY=VALUE (e.g. rtsp-port=7447); repeatable.
        #[arg(long = "option", value_name = "KEY=VALUE")]
        options: Vec<String>,
    },
    /// List cameras (with their state when a server runs).
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove a camera, or a controller and so its cameras.
    Remove {
        /// The camera's id or the controller's name (as in `streamforge camera list`).
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
            let password = password_stdin.then(read_password).transpose()?;
            let new = NewCamera {
                name,
                url,
                username,
                password,
            };
            add(&backend, new).await
        }
        CameraCommand::AddController {
            name,
            provider,
            url,
            username,
            password_stdin,
            options,
        } => {
            if !password_stdin {
                bail!("give the controller's password on standard input with --password-stdin");
            }
            let new = NewController {
                name,
                provider,
                url,
                username,
                password: read_password()?,
                options: parse_options(&options)?,
            };
            add_controller(&backend, new).await
        }
        CameraCommand::List { json } => list(&backend, json).await,
        CameraCommand::Remove { name } => remove(&backend, &name).await,
    }
}

/// `KEY=VALUE` options as pairs; the error names the one that is not.
fn parse_options(options: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    options
        .iter()
        .map(|o| {
            o.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .with_context(|| format!("option {o:?} must be KEY=VALUE"))
        })
        .collect()
}

/// `camera add`.
async fn add(backend: &Backend, new: NewCamera) -> anyhow::Result<()> {
    let info = backend.add_camera(new).await?;
    println!("added camera {} ({})", info.id, info.url);
    println!(
        "  watch it: /cameras/{} (a token: streamforge token issue --camera {})",
        info.id, info.id
    );
    Ok(())
}

/// `camera add-controller`.
async fn add_controller(backend: &Backend, new: NewController) -> anyhow::Result<()> {
    let info = backend.add_camera_controller(new).await?;
    println!(
        "added camera controller {} ({} via {}): {} camera(s)",
        info.name,
        info.url,
        info.provider,
        info.cameras.len()
    );
    for c in &info.cameras {
        println!("  {:<24} {}", c.id, c.name);
    }
    Ok(())
}

/// What `camera list` prints when there is nothing.
const NO_CAMERAS: &str = "no cameras; add one with `streamforge camera add NAME --url rtsp://…`";

/// `camera list`: what is stored without a server, their state with one.
async fn list(backend: &Backend, json: bool) -> anyhow::Result<()> {
    match backend {
        Backend::Local(app) => {
            let mut list = app.cameras.list()?;
            // Without a server the controllers' cameras are listed now.
            app.controllers.refresh(true).await;
            let controllers = app.controllers.controllers()?;
            list.extend(controllers.iter().flat_map(|c| c.cameras.iter().cloned()));
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else if list.is_empty() && controllers.is_empty() {
                println!("{NO_CAMERAS}");
            } else {
                for c in list {
                    let from = match &c.controller {
                        Some(name) => format!(" ({}, from controller {name})", c.name),
                        None if c.has_password => " (with password)".to_string(),
                        None => String::new(),
                    };
                    println!("{:<20} {}{from}", c.id, c.url);
                }
                print_controllers(&controllers);
            }
        }
        Backend::Remote(api) => {
            let list: Vec<CameraView> = api.get("cameras", &[]).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else if list.is_empty() {
                println!("{NO_CAMERAS}");
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
                let controllers: Vec<ControllerInfo> = api.get("camera-controllers", &[]).await?;
                print_controllers(&controllers);
            }
        }
    }
    Ok(())
}

/// `camera remove`: a camera, or a controller and its cameras.
async fn remove(backend: &Backend, name: &str) -> anyhow::Result<()> {
    let gone = backend.remove_camera(name).await?;
    if gone.get("provider").is_some() {
        let info: ControllerInfo = serde_json::from_value(gone)?;
        println!("removed camera controller {} and its cameras", info.name);
    } else {
        let info: CameraInfo = serde_json::from_value(gone)?;
        println!("removed camera {}", info.id);
    }
    Ok(())
}

/// The password from standard input, without its line end (`--password-stdin`
/// of `account add`, `camera add`, `camera add-controller`).
pub(super) fn read_password() -> anyhow::Result<String> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .context("reading the password from standard input")?;
    let text = text.trim_end_matches(['\r', '\n']).to_string();
    if text.is_empty() {
        bail!("--password-stdin was given but standard input was empty");
    }
    Ok(text)
}

/// One line per controller (no password).
fn print_controllers(controllers: &[ControllerInfo]) {
    for c in controllers {
        println!(
            "controller {:<9} {} via {}, user {}, {} camera(s)",
            c.name,
            c.url,
            c.provider,
            c.username,
            c.cameras.len()
        );
    }
}
