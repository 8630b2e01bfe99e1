//! Channel logos served by us: each logo URL (a guide's `<icon>`, a
//! provider's `tvg-logo`/`stream_icon`) is fetched once in the background
//! into a size-capped disk cache and served at `/logos/{id}`, so clients
//! never see a provider URL (it may carry credentials) and a dead logo host
//! never slows a lineup, a playlist or a tune.
//!
//! `cache` keeps the files and fetches through [`crate::fetch`] (time, size
//! and redirect bounds, no secrets in errors); [`sniff`] (the
//! `streamforge-httpsafe` crate's) keeps only what the bytes show to be a
//! PNG, JPEG, GIF or WebP (a provider's SVG or HTML would run as a page on
//! the console's origin); `index` decides what to evict; [`spawn_watcher`] asks for the lineup's logos at every new lineup.
//! Lists always point at `/logos/{id}`: it answers 404 until the logo is
//! fetched (or when it could not be), which players show as no logo.

mod cache;
mod index;

pub use cache::{logo_id, Logo, LogoCache, LogoLimits};
pub use streamforge_httpsafe::image::{sniff, ImageKind, NotAnImage};

use crate::routing::Routing;
use std::sync::Arc;

/// The URL a client gets for the logo at `url`.
pub fn served_url(base: &str, url: &str) -> String {
    format!("{base}/logos/{}", logo_id(url))
}

/// Downloads the lineup's logos now and whenever the lineup changes, until
/// the runtime ends. A guide sync (a new programme file) refreshes them all
/// and forgets earlier failures; once a refresh's downloads are done, logos
/// refused for where they pointed are reported in one event.
pub fn spawn_watcher(
    cache: Arc<LogoCache>,
    routing: Arc<Routing>,
    events: Arc<crate::events::EventLog>,
) -> tokio::task::JoinHandle<()> {
    let mut versions = routing.subscribe();
    tokio::spawn(async move {
        let mut guides = None;
        loop {
            versions.borrow_and_update();
            let snapshot = routing.load();
            let refresh = guides.as_ref().is_some_and(|g| *g != snapshot.guides);
            guides = Some(snapshot.guides.clone());
            let logos: std::collections::HashMap<String, Option<String>> = snapshot
                .lineup
                .entries
                .iter()
                .filter_map(|e| Some((e.logo.clone()?, e.logo_source.clone())))
                .filter(|(l, _)| !l.trim().is_empty())
                .collect();
            let started = cache.want(logos, refresh);
            let (cache2, events2) = (cache.clone(), events.clone());
            tokio::spawn(async move {
                for download in started {
                    let _ = download.await;
                }
                report_refusals(&cache2, &events2);
            });
            if versions.changed().await.is_err() {
                return;
            }
        }
    })
}

/// One event for the logos refused since the last report, if any.
fn report_refusals(cache: &LogoCache, events: &crate::events::EventLog) {
    let refused = cache.take_refused();
    if refused > 0 {
        events.record(crate::events::Event::new(
            "logos-refused",
            format!(
                "{refused} logo URL(s) not fetched: they point at loopback, LAN, link-local or \
                 multicast addresses that the guide or playlist naming them is not served from"
            ),
        ));
    }
}
