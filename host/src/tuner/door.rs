//! Which device a tuner request is for: `main`, or a lineup of its own at
//! `/lineups/{name}/` (or at the root of that lineup's own listener). Each
//! is a whole HDHomeRun device: its DeviceID, name, tuner count, channels,
//! and a `BaseURL` under which every URL it gives stays.

use super::{DeviceInfo, TunerState};
use crate::routing::lineup::Lineup;
use crate::routing::lineups::LineupView;
use crate::routing::{Routing, Snapshot};
use crate::store::MAIN_LINEUP;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// The device a request is for, with the snapshot it answers from.
pub(crate) struct Door {
    /// The lineup's name (`main` or another).
    pub name: String,
    /// The device as this request sees it (its `BaseURL` where it was reached).
    pub device: DeviceInfo,
    /// The routing snapshot in force.
    pub snapshot: Arc<Snapshot>,
}

impl Door {
    /// The lineup's channels.
    pub fn lineup(&self) -> &Lineup {
        self.snapshot
            .lineup_named(&self.name)
            .expect("a door exists only for a lineup of its snapshot")
    }
}

impl FromRequestParts<TunerState> for Door {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &TunerState,
    ) -> Result<Self, Self::Rejection> {
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let named = params
            .iter()
            .find(|(k, _)| *k == "lineup")
            .map(|(_, v)| v.to_string());
        state.door(named.as_deref()).ok_or_else(|| {
            (
                StatusCode::NOT_FOUND,
                "no such lineup (see `streamforge lineup list`)\n",
            )
                .into_response()
        })
    }
}

impl TunerState {
    /// The device for lineup `named` in the path, else the one this
    /// listener serves at its root.
    pub(crate) fn door(&self, named: Option<&str>) -> Option<Door> {
        let main = self.refreshed_device();
        let snapshot = self.routing.load();
        let name = named.unwrap_or(&self.root).to_string();
        if name == MAIN_LINEUP {
            return Some(Door {
                name,
                device: main,
                snapshot,
            });
        }
        let view = snapshot.lineups.get(&name)?.clone();
        let base = match (&self.root_base, named) {
            (Some(base), None) => base.clone(),
            _ => path_base(&main.base_url, &name),
        };
        Some(Door {
            name,
            device: lineup_device(&main, &view, base),
            snapshot,
        })
    }
}

/// Where lineup `name` is reached on the main listener.
pub fn path_base(main_base: &str, name: &str) -> String {
    format!("{}/lineups/{name}", main_base.trim_end_matches('/'))
}

/// Where a lineup with a listener of its own on `port` is reached: the
/// main address with that port.
pub fn port_base(main_base: &str, port: u16) -> String {
    let Ok(mut url) = url::Url::parse(main_base) else {
        return main_base.to_string();
    };
    match url.set_port(Some(port)) {
        Ok(()) => url.as_str().trim_end_matches('/').to_string(),
        Err(()) => main_base.to_string(),
    }
}

/// Lineup `view` as a device, reached at `base_url`; what it does not say
/// for itself (model, firmware) is `main`'s.
pub fn lineup_device(main: &DeviceInfo, view: &LineupView, base_url: String) -> DeviceInfo {
    let id = super::device_id::parse(&view.record.device_id).unwrap_or(main.device_id);
    DeviceInfo {
        device_id: id,
        friendly_name: view.record.friendly_name.clone(),
        device_auth: format!("streamforge{}", super::device_id::format(id).to_lowercase()),
        base_url,
        tuner_count: view.tuner_count,
        ..main.clone()
    }
}

/// Every device the server is, for discovery: `main`, then each lineup
/// (at its own port when it has one, else under `/lineups/{name}`).
#[derive(Clone)]
pub struct Devices {
    main: super::SharedDevice,
    routing: Option<Arc<Routing>>,
}

impl Devices {
    /// `main` and the lineups of `routing`'s snapshot in force.
    pub fn new(main: super::SharedDevice, routing: Arc<Routing>) -> Devices {
        Devices {
            main,
            routing: Some(routing),
        }
    }

    /// Each device, read afresh (a lineup made or changed shows at once).
    pub fn all(&self) -> Vec<DeviceInfo> {
        let main = super::current(&self.main);
        let mut all = Vec::new();
        if let Some(routing) = &self.routing {
            for view in routing.load().lineups.values() {
                let base = match view.record.port {
                    Some(port) => port_base(&main.base_url, port),
                    None => path_base(&main.base_url, &view.record.name),
                };
                all.push(lineup_device(&main, view, base));
            }
        }
        all.insert(0, main);
        all
    }
}

impl From<super::SharedDevice> for Devices {
    /// The one device `main` (tests of discovery alone).
    fn from(main: super::SharedDevice) -> Devices {
        Devices {
            main,
            routing: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lineup_is_reached_under_the_main_address() {
        assert_eq!(
            path_base("http://10.0.0.2:5004", "kids"),
            "http://10.0.0.2:5004/lineups/kids"
        );
        assert_eq!(
            port_base("http://10.0.0.2:5004", 5005),
            "http://10.0.0.2:5005"
        );
        assert_eq!(port_base("http://tv.example/", 81), "http://tv.example:81");
        assert_eq!(port_base("http://[::1]:5004", 5010), "http://[::1]:5010");
    }
}
