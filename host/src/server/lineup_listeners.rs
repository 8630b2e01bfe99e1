//! Lineups' own listeners: a lineup given `--port` is also a whole device at
//! the root of a listener of its own (for clients that take only
//! `host:port`). One task follows the routing snapshot and opens, moves or
//! closes those listeners as lineups get, change or lose their port; a port
//! that cannot be bound is said in an event, and the lineup stays reachable
//! under `/lineups/{name}/` on the main listener.

use super::connections::Registry;
use crate::events::{Event, EventLog};
use crate::relay::{Front, Relay};
use crate::routing::Routing;
use crate::tuner::TunerState;
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use tokio::sync::{oneshot, watch};

/// What the listeners are made from.
pub struct Parts {
    /// The routing snapshot, followed for lineups' ports.
    pub routing: Arc<Routing>,
    /// Plays the lineups' streams.
    pub relay: Arc<Relay>,
    /// The main tuner state (each listener gets its own root lineup).
    pub tuner: TunerState,
    /// The open-connections cap, shared with the main listener.
    pub connections: Arc<Registry>,
    /// Where a port that cannot be bound is said.
    pub events: Arc<EventLog>,
    /// The address the main listener is bound to (lineups listen on the same one).
    pub ip: IpAddr,
    /// The main base URL (a lineup's is the same with its port).
    pub base_url: String,
}

/// Follows the snapshot until `stopped` turns true, then closes every lineup listener.
pub fn spawn(parts: Parts, mut stopped: watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut open: BTreeMap<String, (u16, oneshot::Sender<()>)> = BTreeMap::new();
        let mut versions = parts.routing.subscribe();
        loop {
            let wanted: BTreeMap<String, u16> = parts
                .routing
                .load()
                .lineups
                .values()
                .filter_map(|v| Some((v.record.name.clone(), v.record.port?)))
                .collect();
            open.retain(|name, (port, _)| wanted.get(name) == Some(port));
            for (name, port) in wanted {
                if open.contains_key(&name) {
                    continue;
                }
                match start(&parts, &name, port).await {
                    Ok(stop) => {
                        open.insert(name, (port, stop));
                    }
                    Err(e) => parts.events.record(Event::new(
                        "lineup-port-failed",
                        format!("lineup {name}: cannot listen on port {port}: {e}; it is still reached under /lineups/{name}/ on the main address"),
                    )),
                }
            }
            tokio::select! {
                changed = versions.changed() => if changed.is_err() { break },
                _ = stopped.wait_for(|s| *s) => break,
            }
        }
        // Dropping the senders ends each listener.
        drop(open);
    })
}

/// Opens lineup `name`'s listener on `port`; dropping the sender closes it.
async fn start(parts: &Parts, name: &str, port: u16) -> std::io::Result<oneshot::Sender<()>> {
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(parts.ip, port)).await?;
    crate::fetch::guard::register_own_listener(listener.local_addr()?);
    let base = crate::tuner::port_base(&parts.base_url, port);
    let router = crate::tuner::http::router(parts.tuner.for_lineup(name, base))
        .merge(crate::relay::router(parts.relay.clone(), name));
    let front = Front::for_lineup(
        listener,
        parts.relay.clone(),
        parts.connections.clone(),
        name,
    )?;
    let (stop, stopping) = oneshot::channel::<()>();
    tokio::spawn(super::http::serve(
        front,
        router,
        parts.connections.clone(),
        async move {
            let _ = stopping.await;
        },
    ));
    tracing::info!("lineup {name} listens on port {port}");
    Ok(stop)
}
