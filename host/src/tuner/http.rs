//! The HDHomeRun HTTP API exactly as Plex, Jellyfin, Emby and Channels DVR
//! read it (DESIGN.md sections 4 and 5), plus `/playlist.m3u` and `/xmltv.xml`.

use super::door::Door;
use super::TunerState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

/// The tuner's routes: the root device's at the root, each lineup's under
/// `/lineups/{lineup}/`.
pub fn router(state: TunerState) -> Router {
    let device = device_routes();
    Router::new()
        .merge(device.clone())
        .nest("/lineups/{lineup}", device)
        .with_state(state)
}

/// One device's routes.
fn device_routes() -> Router<TunerState> {
    Router::new()
        .route("/discover.json", get(discover))
        .route("/lineup.json", get(lineup))
        .route("/lineup_status.json", get(lineup_status))
        .route("/lineup.post", post(lineup_post).get(lineup_post))
        .route("/device.xml", get(device_xml))
        .route("/capability", get(device_xml))
        .route("/playlist.m3u", get(super::playlist::playlist))
        .route("/xmltv.xml", get(super::xmltv::xmltv))
        .route("/xmltv.xml.gz", get(super::xmltv::xmltv_gz))
        .route("/logos/{id}", get(super::logos::logo))
}

async fn discover(door: Door) -> Response {
    let d = door.device;
    Json(json!({
        "FriendlyName": d.friendly_name,
        "Manufacturer": "Silicondust",
        "ModelNumber": d.model_number,
        "FirmwareName": d.firmware_name,
        "FirmwareVersion": d.firmware_version,
        "DeviceID": super::device_id::format(d.device_id),
        "DeviceAuth": d.device_auth,
        "BaseURL": d.base_url,
        "LineupURL": d.lineup_url(),
        "TunerCount": d.tuner_count,
    }))
    .into_response()
}

async fn lineup(State(s): State<TunerState>, door: Door) -> Response {
    match super::rendered::current(&s, door).await {
        Ok(r) => (
            [(header::CONTENT_TYPE, "application/json")],
            r.lineup_json.clone(),
        )
            .into_response(),
        Err(e) => super::internal(e),
    }
}

async fn lineup_status(_door: Door) -> Response {
    Json(json!({
        "ScanInProgress": 0,
        "ScanPossible": 1,
        "Source": "Cable",
        "SourceList": ["Cable"],
    }))
    .into_response()
}

/// `scan=start|abort` (and anything else): the lineup is always ready.
async fn lineup_post(_door: Door) -> StatusCode {
    StatusCode::OK
}

async fn device_xml(door: Door) -> Response {
    let d = door.device;
    let e = |t: &str| {
        t.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let body = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<root xmlns="urn:schemas-upnp-org:device-1-0">
  <specVersion>
    <major>1</major>
    <minor>0</minor>
  </specVersion>
  <URLBase>{base}</URLBase>
  <device>
    <deviceType>urn:schemas-upnp-org:device:MediaServer:1</deviceType>
    <friendlyName>{name}</friendlyName>
    <manufacturer>Silicondust</manufacturer>
    <modelName>{model}</modelName>
    <modelNumber>{model}</modelNumber>
    <serialNumber>{id}</serialNumber>
    <UDN>{udn}</UDN>
  </device>
</root>
"#,
        base = e(&d.base_url),
        name = e(&d.friendly_name),
        model = e(&d.model_number),
        id = super::device_id::format(d.device_id),
        udn = d.udn(),
    );
    (
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        body,
    )
        .into_response()
}
