//! `player_api.php`: account and server info, live categories and streams,
//! the short EPG and the full day's table; VOD and series answer empty lists
//! so clients open. JSON types follow real panels (numbers they send as
//! strings stay strings), since clients parse them strictly.

use super::auth::{sign_in, Authed, Denied};
use super::{stream_id, XtreamState};
use crate::auth::ClientAddr;
use crate::routing::lineup::{Lineup, LineupEntry};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use base64::Engine;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::IpAddr;

/// Query and form fields together (the form wins), as panels read them.
pub(super) fn params(query: Option<&str>, body: &[u8]) -> HashMap<String, String> {
    let mut all: HashMap<String, String> = HashMap::new();
    for source in [query.unwrap_or_default().as_bytes(), body] {
        for (k, v) in url::form_urlencoded::parse(source) {
            all.insert(k.into_owned(), v.into_owned());
        }
    }
    all
}

/// The client's address (loopback when the router runs without the layer).
pub(super) fn client(addr: Option<Extension<ClientAddr>>) -> IpAddr {
    addr.map_or(IpAddr::from([127, 0, 0, 1]), |Extension(ClientAddr(ip))| ip)
}

/// The base URL the client used (its Host header), else the server's.
pub(super) fn base_url(state: &XtreamState, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic()) && !h.contains(['/', '@'])
        });
    match host {
        Some(host) => format!("http://{host}"),
        None => crate::tuner::current(&state.device).base_url,
    }
}

/// The user's lineup (empty when it is gone).
pub(super) fn lineup_of(authed: &Authed) -> Lineup {
    authed
        .snapshot
        .lineup_named(&authed.user.lineup)
        .cloned()
        .unwrap_or_default()
}

/// A stable category id for a group name (FNV-1a, 31 bits, never 0).
pub(super) fn category_id(group: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in group.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    (h & 0x7fff_ffff).max(1)
}

/// The group a channel is listed under.
pub(super) fn group_of(e: &LineupEntry) -> &str {
    e.group.as_deref().unwrap_or("StreamForge")
}

/// How a refusal reads in `player_api.php`.
fn refused(denied: Denied) -> Response {
    let (status, info) = match denied {
        Denied::Wrong => (StatusCode::OK, json!({"auth": 0})),
        Denied::Disabled => (
            StatusCode::OK,
            json!({"auth": 0, "status": "Disabled", "message": "this user is disabled"}),
        ),
        Denied::Expired => (
            StatusCode::OK,
            json!({"auth": 0, "status": "Expired", "message": "this user's subscription has expired"}),
        ),
        Denied::Limited(why) => (
            StatusCode::TOO_MANY_REQUESTS,
            json!({"auth": 0, "message": why.to_string()}),
        ),
    };
    (status, Json(json!({ "user_info": info }))).into_response()
}

/// `user_info` and `server_info`, as real panels shape them.
fn account(state: &XtreamState, authed: &Authed, password: &str, headers: &HeaderMap) -> Value {
    let u = &authed.user;
    let base = base_url(state, headers);
    let url = url::Url::parse(&base).ok();
    let host = url
        .as_ref()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    let port = url
        .as_ref()
        .and_then(|u| u.port_or_known_default())
        .unwrap_or(80);
    let now = time::OffsetDateTime::now_utc();
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    json!({
        "user_info": {
            "username": u.name,
            "password": password,
            "message": "",
            "auth": 1,
            "status": "Active",
            "exp_date": u.expires.map(|t| t.to_string()),
            "is_trial": "0",
            "active_cons": state.slots.active(&u.name).to_string(),
            "created_at": u.created.to_string(),
            "max_connections": u.max_connections.to_string(),
            "allowed_output_formats": ["m3u8", "ts"],
        },
        "server_info": {
            "url": host,
            "port": port.to_string(),
            "https_port": "",
            "server_protocol": "http",
            "rtmp_port": "",
            "timezone": "UTC",
            "timestamp_now": now.unix_timestamp(),
            "time_now": now.format(&format).unwrap_or_default(),
            "process": true,
        },
    })
}

fn categories(lineup: &Lineup) -> Value {
    let mut seen = std::collections::BTreeSet::new();
    let list: Vec<Value> = lineup
        .entries
        .iter()
        .map(group_of)
        .filter(|g| seen.insert(g.to_string()))
        .map(|g| json!({"category_id": category_id(g).to_string(), "category_name": g, "parent_id": 0}))
        .collect();
    Value::Array(list)
}

/// Days of catch-up channel `number` has (its streams' most).
fn archive_days(snapshot: &crate::routing::Snapshot, number: &str) -> u32 {
    snapshot
        .table
        .channels
        .get(number)
        .map_or(0, |route| route.archive_days())
}

fn streams(
    lineup: &Lineup,
    snapshot: &crate::routing::Snapshot,
    base: &str,
    category: Option<&str>,
) -> Value {
    let list: Vec<Value> = lineup
        .entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let id = stream_id(&e.number)?;
            let cat = category_id(group_of(e));
            if category.is_some_and(|c| c != cat.to_string()) {
                return None;
            }
            let icon = e
                .logo
                .as_deref()
                .filter(|l| !l.trim().is_empty())
                .map(|l| crate::logos::served_url(base, l))
                .unwrap_or_default();
            let days = archive_days(snapshot, &e.number);
            Some(json!({
                "num": i + 1,
                "name": e.name,
                "stream_type": "live",
                "stream_id": id,
                "stream_icon": icon,
                "epg_channel_id": e.xmltv_id,
                "added": "0",
                "is_adult": 0,
                "category_id": cat.to_string(),
                "category_ids": [cat],
                "custom_sid": "",
                "tv_archive": i32::from(days > 0),
                "direct_source": "",
                "tv_archive_duration": days,
                "thumbnail": "",
            }))
        })
        .collect();
    Value::Array(list)
}

/// The programmes of `entry` from its guide's prepared file: from now on
/// (`limit` of them), or all of them with `now_playing` marks.
fn programmes(authed: &Authed, entry: &LineupEntry, limit: Option<usize>) -> Value {
    let Some(path) = authed.snapshot.guides.get(&entry.guide) else {
        return json!({"epg_listings": []});
    };
    let now = crate::clock::now_unix() as i64;
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    let at = |t: i64| {
        time::OffsetDateTime::from_unix_timestamp(t)
            .ok()
            .and_then(|d| d.format(&format).ok())
            .unwrap_or_default()
    };
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s.as_bytes());
    let mut listings = Vec::new();
    // Past programmes inside the archive window can be played back.
    let archive_from = now - i64::from(archive_days(&authed.snapshot, &entry.number)) * 86_400;
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(_) => return json!({"epg_listings": []}),
    };
    let Ok(mut reader) = crate::guide::ProgrammeReader::new(std::io::BufReader::new(file)) else {
        return json!({"epg_listings": []});
    };
    while let Ok(Some(record)) = reader.next_record() {
        if record.channel() != entry.guide_id.as_str() {
            continue;
        }
        let Some(p) = record.summary() else { continue };
        if limit.is_some() && p.stop <= now {
            continue;
        }
        let mut item = json!({
            "id": (listings.len() + 1).to_string(),
            "epg_id": "",
            "title": b64(&p.title),
            "lang": "",
            "start": at(p.start),
            "end": at(p.stop),
            "description": b64(&p.description),
            "channel_id": entry.xmltv_id,
            "start_timestamp": p.start.to_string(),
            "stop_timestamp": p.stop.to_string(),
        });
        if limit.is_none() {
            item["now_playing"] = json!(i32::from(p.start <= now && now < p.stop));
            item["has_archive"] = json!(i32::from(p.stop <= now && p.start >= archive_from));
        }
        listings.push(item);
        if limit.is_some_and(|n| listings.len() >= n) {
            break;
        }
    }
    json!({"epg_listings": listings})
}

/// `GET|POST /player_api.php`.
pub(super) async fn player_api(
    State(state): State<XtreamState>,
    addr: Option<Extension<ClientAddr>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (authed, password, p) = match sign_in(&state, client(addr), query.as_deref(), &body).await {
        Ok(s) => (s.authed, s.password, s.fields),
        Err(denied) => return refused(denied),
    };
    let action = p.get("action").map(String::as_str).unwrap_or_default();
    let base = base_url(&state, &headers);
    let answer = match action {
        "" | "get_account_info" | "get_profile" | "get_server_info" => {
            account(&state, &authed, &password, &headers)
        }
        "get_live_categories" => categories(&lineup_of(&authed)),
        "get_live_streams" => streams(
            &lineup_of(&authed),
            &authed.snapshot,
            &base,
            p.get("category_id")
                .map(String::as_str)
                .filter(|c| !c.is_empty()),
        ),
        "get_short_epg" | "get_simple_data_table" => {
            let lineup = lineup_of(&authed);
            let entry = p
                .get("stream_id")
                .and_then(|id| id.parse::<u32>().ok())
                .map(super::number_of_stream)
                .and_then(|n| lineup.entries.iter().find(|e| e.number == n).cloned());
            let Some(entry) = entry else {
                return Json(json!({"epg_listings": []})).into_response();
            };
            let limit = (action == "get_short_epg").then(|| {
                p.get("limit")
                    .and_then(|l| l.parse().ok())
                    .unwrap_or(4usize)
                    .clamp(1, 100)
            });
            let authed = std::sync::Arc::new(authed);
            match tokio::task::spawn_blocking(move || programmes(&authed, &entry, limit)).await {
                Ok(v) => v,
                Err(_) => json!({"epg_listings": []}),
            }
        }
        "get_vod_info" => json!({"info": [], "movie_data": []}),
        "get_series_info" => json!({"seasons": [], "info": {"name": null}, "episodes": {}}),
        // VOD and series lists, and anything else: empty, never an error.
        _ => json!([]),
    };
    Json(answer).into_response()
}
