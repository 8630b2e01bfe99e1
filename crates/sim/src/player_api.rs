//! `player_api.php`: account info (no action), `get_live_categories` and
//! `get_live_streams`, with the field-type mess real panels produce.

use super::clock::{now_unix, panel_time};
use super::config::{AccountStatus, BadLoginReply, SimChannel, SimConfig};
use super::deliver::{deliver, Reply};
use super::faults::Endpoint;
use super::listener::ConnTag;
use super::params::Params;
use super::state::{SimShared, SimState};
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use serde_json::json;

/// `GET /player_api.php`.
pub(crate) async fn handle(
    State(state): State<SimState>,
    ConnectInfo(conn): ConnectInfo<ConnTag>,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::parse(query.as_deref());
    let endpoint = match params.action.as_deref() {
        Some("get_live_categories") => Endpoint::Categories,
        Some("get_live_streams") => Endpoint::Streams,
        _ => Endpoint::Account,
    };
    let config = state.config();
    deliver(state.fault(endpoint), &conn, &state.shutdown, || {
        answer(&state, &config, endpoint, &params)
    })
}

/// The healthy answer.
fn answer(state: &SimShared, config: &SimConfig, endpoint: Endpoint, params: &Params) -> Reply {
    if !config.accepts(params.username.as_deref(), params.password.as_deref()) {
        return bad_login(config.bad_login);
    }
    let listing = config.status == AccountStatus::Active;
    match (endpoint, params.action.as_deref()) {
        (Endpoint::Account, None) => Reply::json(account(state, config)),
        (Endpoint::Categories, _) if listing => Reply::json(categories(config)),
        (Endpoint::Streams, _) if listing => Reply::json(streams(config, params)),
        // Unknown actions (VOD, series, ...) and accounts that are not active.
        _ => Reply::json(b"[]".to_vec()),
    }
}

/// Answer to wrong credentials on `player_api.php`.
fn bad_login(style: BadLoginReply) -> Reply {
    match style {
        BadLoginReply::AuthZero => Reply::json(br#"{"user_info":{"auth":0}}"#.to_vec()),
        BadLoginReply::Unauthorized => Reply::empty(StatusCode::UNAUTHORIZED),
        BadLoginReply::NotFound => Reply::status_page(StatusCode::NOT_FOUND),
    }
}

/// `{"user_info":{...},"server_info":{...}}`.
fn account(state: &SimShared, config: &SimConfig) -> Vec<u8> {
    let now = now_unix();
    let value = json!({
        "user_info": {
            "username": config.username,
            "password": config.password,
            "message": config.message,
            "auth": 1,
            "status": config.status.as_str(),
            "exp_date": config.exp_date.map(|t| t.to_string()),
            "is_trial": "0",
            "active_cons": (config.active_cons as usize + state.streams.count()).to_string(),
            "created_at": config.created_at.to_string(),
            "max_connections": config.max_connections.to_string(),
            "allowed_output_formats": if config.hls_only.is_some() {
                serde_json::json!(["m3u8"])
            } else {
                serde_json::json!(["m3u8", "ts", "rtmp"])
            },
        },
        "server_info": {
            "url": "127.0.0.1",
            "port": state.port.to_string(),
            "https_port": "25463",
            "server_protocol": "http",
            "rtmp_port": "25462",
            "timezone": config.timezone,
            "timestamp_now": now,
            "time_now": panel_time(now),
            "process": true,
        },
    });
    serde_json::to_vec(&value).unwrap_or_default()
}

/// `[{"category_id":"1","category_name":"...","parent_id":0}, ...]`.
fn categories(config: &SimConfig) -> Vec<u8> {
    let list: Vec<_> = config
        .categories
        .iter()
        .map(|c| json!({"category_id": c.id.to_string(), "category_name": c.name, "parent_id": 0}))
        .collect();
    serde_json::to_vec(&list).unwrap_or_default()
}

/// A number some panels send as a JSON string.
#[derive(Serialize)]
#[serde(untagged)]
enum Flex {
    Num(u64),
    Text(String),
}

impl Flex {
    fn new(value: u64, as_text: bool) -> Flex {
        if as_text {
            Flex::Text(value.to_string())
        } else {
            Flex::Num(value)
        }
    }
}

/// One element of `get_live_streams`.
#[derive(Serialize)]
struct StreamRow<'a> {
    num: Flex,
    name: &'a str,
    stream_type: &'static str,
    stream_id: Flex,
    stream_icon: &'a str,
    epg_channel_id: Option<&'a str>,
    added: String,
    is_adult: &'static str,
    category_id: String,
    category_ids: [u32; 1],
    custom_sid: Option<&'static str>,
    tv_archive: u8,
    direct_source: &'static str,
    tv_archive_duration: Flex,
}

/// `get_live_streams`, optionally for one `category_id`.
fn streams(config: &SimConfig, params: &Params) -> Vec<u8> {
    let wanted: Option<Option<u32>> = params
        .category_id
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(|c| c.trim().parse().ok());
    let rows: Vec<StreamRow<'_>> = config
        .channels
        .iter()
        .filter(|ch| wanted.is_none_or(|w| w == Some(ch.category_id)))
        .map(|ch| row(ch, config.json_quirks))
        .collect();
    serde_json::to_vec(&rows).unwrap_or_default()
}

/// Renders one stream; with `quirks`, field types vary by stream id the way
/// they vary between (and within) real panels.
fn row(ch: &SimChannel, quirks: bool) -> StreamRow<'_> {
    let id = ch.stream_id;
    let q = |modulus: u32, rest: u32| quirks && id % modulus == rest;
    let epg = match ch.epg_channel_id.as_deref() {
        Some(e) => Some(e),
        None if q(2, 1) => Some(""),
        None => None,
    };
    StreamRow {
        num: Flex::new(u64::from(ch.num), q(5, 0)),
        name: &ch.name,
        stream_type: "live",
        stream_id: Flex::new(u64::from(id), q(7, 3)),
        stream_icon: ch.icon.as_deref().unwrap_or(""),
        epg_channel_id: epg,
        added: ch.added.to_string(),
        is_adult: "0",
        category_id: ch.category_id.to_string(),
        category_ids: [ch.category_id],
        custom_sid: if q(4, 1) { None } else { Some("") },
        tv_archive: u8::from(ch.archive_days > 0),
        direct_source: "",
        tv_archive_duration: Flex::new(u64::from(ch.archive_days), q(6, 0)),
    }
}
