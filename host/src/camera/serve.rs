//! Cameras in a running server: the registry built from the stored
//! cameras, kept in step with the store, idle cameras and levels stopped
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
    admin_token: &str,
    settings: Settings,
    stopping: watch::Receiver<bool>,
) -> anyhow::Result<Running> {
    let owned = data.clone();
    let keys = crate::blocking::run(move || Ok(TokenKeys::open(&owned)?)).await?;
    let access = Arc::new(CameraAccess::new(Arc::new(keys), admin_token.to_string()));
    let events = app.events.clone();
    let cameras = Cameras::new(
        settings,
        Arc::new(move |kind: &str, _id: &str, text: String| events.record(Event::new(kind, text))),
    );
    let book = app.cameras.clone();
    let mut tasks = vec![];
    // The registry follows the store: at start and after every change.
    {
        let (cameras, book) = (cameras.clone(), book.clone());
        let mut version = app.store.watch_version();
        load(&cameras, &book).await;
        tasks.push(tokio::spawn(async move {
            while version.changed().await.is_ok() {
                load(&cameras, &book).await;
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
            stopping,
        },
        tasks,
    })
}

/// Gives the registry the stored cameras.
async fn load(cameras: &Arc<Cameras>, book: &super::book::CameraBook) {
    let (cameras, book) = (cameras.clone(), book.clone());
    let result = crate::blocking::run(move || {
        let defs = book.defs()?;
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
