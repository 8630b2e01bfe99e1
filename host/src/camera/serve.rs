//! Cameras in a running server: the registry built from the stored
//! cameras and the controllers' listed cameras, kept in step with the store
//! (controllers listed again every ten minutes), idle cameras and levels stopped
//! once a second, and everything torn down at shutdown. The registry's
//! blocking work (joining threads, reading the store) runs on the blocking
//! pool, never on the async thread.

use super::http::CameraRoutes;
use super::registry::{Cameras, Settings};
use crate::app::App;
use crate::data_dir::DataDir;
use crate::events::Event;
use crate::tokens::{CameraAccess, TokenKeys};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// The running camera service.
pub struct Running {
    /// The routes' state.
    pub routes: CameraRoutes,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// Starts the camera service for `app`: `admin_token` also sees every
/// camera; `stopping` turns true at shutdown.
pub async fn start(
    app: &Arc<App>,
    data: &DataDir,
    admin_token: &crate::auth::AdminToken,
    settings: Settings,
    stopping: watch::Receiver<bool>,
) -> anyhow::Result<Running> {
    let owned = data.clone();
    let keys = crate::blocking::run(move || Ok(TokenKeys::open(&owned)?)).await?;
    let access = Arc::new(CameraAccess::with_admin(
        Arc::new(keys),
        admin_token.clone(),
    ));
    let events = app.events.clone();
    let cameras = Cameras::new(
        settings,
        Arc::new(move |kind: &str, _id: &str, text: String| events.record(Event::new(kind, text))),
    );
    let book = app.cameras.clone();
    let controllers = app.controllers.clone();
    let mut tasks = vec![];
    // The registry follows the store: at start and after every change; the
    // controllers are listed in the background (new or changed ones after a
    // change, all of them every ten minutes).
    {
        let (cameras, book, controllers) = (cameras.clone(), book.clone(), controllers.clone());
        let mut version = app.store.watch_version();
        load(&cameras, &book, &controllers).await;
        tasks.push(tokio::spawn(async move {
            controllers.refresh(false).await;
            load(&cameras, &book, &controllers).await;
            let every = super::controllers::RELIST_EVERY;
            let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            loop {
                let all = tokio::select! {
                    changed = version.changed() => {
                        if changed.is_err() {
                            break;
                        }
                        false
                    }
                    _ = tick.tick() => true,
                };
                controllers.refresh(all).await;
                load(&cameras, &book, &controllers).await;
            }
        }));
    }
    // Once a second: stop levels nobody watches and cameras past their grace.
    {
        let cameras = cameras.clone();
        tasks.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                let c = cameras.clone();
                let _ = crate::blocking::run(move || {
                    c.reap();
                    Ok(())
                })
                .await;
            }
        }));
    }
    Ok(Running {
        routes: CameraRoutes {
            cameras,
            access,
            book,
            controllers,
            stopping,
        },
        tasks,
    })
}

/// Gives the registry the stored cameras and the controllers' cameras as
/// last listed.
async fn load(
    cameras: &Arc<Cameras>,
    book: &super::book::CameraBook,
    controllers: &super::controllers::CameraControllers,
) {
    let (cameras, book, listed) = (cameras.clone(), book.clone(), controllers.defs());
    let result = crate::blocking::run(move || {
        let mut defs = listed;
        defs.extend(book.defs()?);
        cameras.set(defs);
        Ok(())
    })
    .await;
    if let Err(e) = result {
        tracing::error!("cameras: could not load the stored cameras: {e:#}");
    }
}

impl Running {
    /// Stops every camera and the service's tasks.
    pub async fn stop(self) {
        for t in &self.tasks {
            t.abort();
        }
        let cameras = self.routes.cameras.clone();
        let _ = crate::blocking::run(move || {
            cameras.shutdown();
            Ok(())
        })
        .await;
    }
}
