//! `get.php`: the M3U playlist (`type=m3u_plus` with attributes, `type=m3u`
//! plain), each entry's URL carrying the credentials in its path as real
//! panels do. Refusals are those of `xmltv.php`.

use super::config::SimConfig;
use super::deliver::{deliver, Reply};
use super::faults::Endpoint;
use super::listener::ConnTag;
use super::params::Params;
use super::state::SimState;
use super::xmltv::refuse;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::response::Response;
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use std::collections::HashMap;
use std::fmt::Write;

/// Bytes escaped in a credential placed in a URL path segment.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'?')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// Bytes escaped in a query value.
const QUERY: &AsciiSet = &SEGMENT.add(b'&').add(b'=').add(b'+');

/// `GET /get.php`.
pub(crate) async fn handle(
    State(state): State<SimState>,
    ConnectInfo(conn): ConnectInfo<ConnTag>,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::parse(query.as_deref());
    let config = state.config();
    deliver(
        state.fault(Endpoint::Playlist),
        &conn,
        &state.shutdown,
        || {
            if let Some(refusal) = refuse(&config, &params) {
                return refusal;
            }
            let mut reply = Reply::ok(
                "application/octet-stream",
                render(&state.base_url, &config, &params),
            );
            reply.disposition = Some("attachment; filename=\"tv_channels_plus.m3u\"");
            reply
        },
    )
}

/// An attribute value with the characters that would end it replaced.
fn attr(value: &str) -> String {
    value.replace('"', "'").replace(['\r', '\n'], " ")
}

/// The playlist text.
fn render(base: &str, config: &SimConfig, params: &Params) -> String {
    let user = utf8_percent_encode(&config.username, SEGMENT).to_string();
    let pass = utf8_percent_encode(&config.password, SEGMENT).to_string();
    let plus = params.kind.as_deref() != Some("m3u");
    let ext = match params.output.as_deref() {
        Some("m3u8" | "hls") => "m3u8",
        _ => "ts",
    };
    let groups: HashMap<u32, &str> = config
        .categories
        .iter()
        .map(|c| (c.id, c.name.as_str()))
        .collect();
    let mut out = String::with_capacity(64 + config.channels.len() * 200);
    if plus {
        let _ = writeln!(
            out,
            "#EXTM3U url-tvg=\"{base}/xmltv.php?username={}&password={}\"",
            utf8_percent_encode(&config.username, QUERY),
            utf8_percent_encode(&config.password, QUERY)
        );
    } else {
        out.push_str("#EXTM3U\n");
    }
    for ch in &config.channels {
        let name = ch.name.replace(['\r', '\n'], " ");
        if plus {
            let _ = writeln!(
                out,
                "#EXTINF:-1 tvg-id=\"{}\" tvg-name=\"{}\" tvg-logo=\"{}\" group-title=\"{}\",{name}",
                attr(ch.epg_channel_id.as_deref().unwrap_or("")),
                attr(&ch.name),
                attr(ch.icon.as_deref().unwrap_or("")),
                attr(groups.get(&ch.category_id).copied().unwrap_or("")),
            );
        } else {
            let _ = writeln!(out, "#EXTINF:-1,{name}");
        }
        let _ = writeln!(out, "{base}/live/{user}/{pass}/{}.{ext}", ch.stream_id);
    }
    out
}
