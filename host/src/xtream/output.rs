//! `get.php` (the user's lineup as an M3U with Xtream stream URLs) and
//! `xmltv.php` (its guide, channel ids equal to `epg_channel_id`).

use super::api::{base_url, client, group_of, lineup_of};
use super::auth::{sign_in, Denied};
use super::{stream_id, XtreamState};
use crate::auth::ClientAddr;
use crate::tuner::rendered::attr;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use std::fmt::Write;

/// How a refusal reads outside `player_api.php`: no body a player could
/// take for a playlist.
pub(super) fn refused(denied: Denied) -> Response {
    match denied {
        Denied::Wrong => StatusCode::UNAUTHORIZED.into_response(),
        Denied::Disabled | Denied::Expired => StatusCode::FORBIDDEN.into_response(),
        Denied::Limited(_) => StatusCode::TOO_MANY_REQUESTS.into_response(),
    }
}

/// `GET|POST /get.php?username&password&type=m3u_plus&output=ts|m3u8`.
pub(super) async fn playlist(
    State(state): State<XtreamState>,
    addr: Option<Extension<ClientAddr>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (authed, password, output) =
        match sign_in(&state, client(addr), query.as_deref(), &body).await {
            Ok(s) => {
                let output = s.fields.get("output").cloned().unwrap_or_default();
                (s.authed, s.password, output)
            }
            Err(denied) => return refused(denied),
        };
    // `output=m3u8` (or `hls`): live HLS URLs; anything else MPEG-TS.
    let extension = match output.as_str() {
        "m3u8" | "hls" => "m3u8",
        _ => "ts",
    };
    let name = authed.user.name.clone();
    let base = base_url(&state, &headers);
    let guide = format!("{base}/xmltv.php?username={name}&password={password}");
    let mut out = format!("#EXTM3U url-tvg=\"{guide}\" x-tvg-url=\"{guide}\"\n");
    for e in &lineup_of(&authed).entries {
        let Some(id) = stream_id(&e.number) else {
            continue;
        };
        let logo = e
            .logo
            .as_deref()
            .filter(|l| !l.trim().is_empty())
            .map(|l| crate::logos::served_url(&base, l))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "#EXTINF:-1 tvg-id=\"{id_attr}\" tvg-name=\"{name_attr}\" tvg-logo=\"{logo}\" tvg-chno=\"{num}\" group-title=\"{group}\",{title}\n{base}/live/{name}/{password}/{id}.{extension}",
            id_attr = attr(&e.xmltv_id),
            name_attr = attr(&e.name),
            num = e.number,
            group = attr(group_of(e)),
            title = attr(&e.name).replace(',', " "),
        );
    }
    (
        [(header::CONTENT_TYPE, "audio/x-mpegurl; charset=utf-8")],
        out,
    )
        .into_response()
}

/// `GET|POST /xmltv.php?username&password`.
pub(super) async fn guide(
    State(state): State<XtreamState>,
    addr: Option<Extension<ClientAddr>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let authed = match sign_in(&state, client(addr), query.as_deref(), &body).await {
        Ok(s) => s.authed,
        Err(denied) => return refused(denied),
    };
    let base = base_url(&state, &headers);
    let mut device = crate::tuner::current(&state.device);
    device.base_url = base;
    let lineup = authed.user.lineup.clone();
    if authed.snapshot.lineup_named(&lineup).is_none() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let door = crate::tuner::Door {
        name: lineup,
        device,
        snapshot: authed.snapshot,
    };
    let gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    crate::tuner::xmltv::respond(door, gzip, false)
}
