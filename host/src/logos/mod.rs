//! Channel logos served by us: each logo URL (a guide's `<icon>`, a
//! provider's `tvg-logo`/`stream_icon`) is fetched once in the background
//! into a size-capped disk cache and served at `/logos/{id}`, so clients
//! never see a provider URL (it may carry credentials) and a dead logo host
//! never slows a lineup, a playlist or a tune.
//!
//! `cache` keeps the files and fetches through [`crate::fetch`] (time, size
//! and redirect bounds, no secrets in errors); `index` decides what to
//! evict; [`spawn_watcher`] asks for the lineup's logos at every new lineup.
//! Lists always point at `/logos/{id}`: it answers 404 until the logo is
//! fetched (or when it could not be), which players show as no logo.

mod cache;
mod index;

pub use cache::{logo_id, Logo, LogoCache, LogoLimits};

use crate::routing::Routing;
use std::sync::Arc;

/// The URL a client gets for the logo at `url`.
pub fn served_url(base: &str, url: &str) -> String {
    format!("{base}/logos/{}", logo_id(url))
}

/// Downloads the lineup's logos now and whenever the lineup changes, until
/// the runtime ends. A guide sync (a new programme file) refreshes them all
/// and forgets earlier failures.
pub fn spawn_watcher(cache: Arc<LogoCache>, routing: Arc<Routing>) -> tokio::task::JoinHandle<()> {
    let mut versions = routing.subscribe();
    tokio::spawn(async move {
        let mut guides = None;
        loop {
            versions.borrow_and_update();
            let snapshot = routing.load();
            let refresh = guides.as_ref().is_some_and(|g| *g != snapshot.guides);
            guides = Some(snapshot.guides.clone());
            let urls: std::collections::HashSet<String> = snapshot
                .lineup
                .entries
                .iter()
                .filter_map(|e| e.logo.clone())
                .filter(|l| !l.trim().is_empty())
                .collect();
            cache.want(urls, refresh);
            if versions.changed().await.is_err() {
                return;
            }
        }
    })
}
