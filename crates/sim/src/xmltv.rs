//! `xmltv.php`: the panel's own guide, one `<channel>` per distinct
//! `epg_channel_id` and programmes covering `guide_hours` from the guide start.
//!
//! Wrong credentials or an account that is not active: 401 with an empty body
//! (404 page when the panel is configured as [`BadLoginReply::NotFound`]).

use super::clock::{now_unix, xmltv_time};
use super::config::{AccountStatus, BadLoginReply, SimConfig};
use super::deliver::{deliver, Reply};
use super::faults::Endpoint;
use super::listener::ConnTag;
use super::params::Params;
use super::state::SimState;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use std::collections::HashSet;
use std::fmt::Write;

/// `GET /xmltv.php`.
pub(crate) async fn handle(
    State(state): State<SimState>,
    ConnectInfo(conn): ConnectInfo<ConnTag>,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::parse(query.as_deref());
    let config = state.config();
    deliver(state.fault(Endpoint::Xmltv), &conn, &state.shutdown, || {
        if let Some(refusal) = refuse(&config, &params) {
            return refusal;
        }
        Reply::ok("application/xml; charset=utf-8", render(&config))
    })
}

/// The answer to a download by wrong credentials or a dead account, if so.
/// Shared with `get.php`.
pub(crate) fn refuse(config: &SimConfig, params: &Params) -> Option<Reply> {
    let ok = config.accepts(params.username.as_deref(), params.password.as_deref())
        && config.status == AccountStatus::Active;
    match (ok, config.bad_login) {
        (true, _) => None,
        (false, BadLoginReply::NotFound) => Some(Reply::status_page(StatusCode::NOT_FOUND)),
        (false, _) => Some(Reply::empty(StatusCode::UNAUTHORIZED)),
    }
}

/// Escapes text for XML content and attribute values.
pub(crate) fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
}

/// Titles, some needing escaping or outside ASCII, as real guides have.
const TITLES: &[&str] = &[
    "Breakfast",
    "The News at Six",
    "Tom & Jerry",
    "Q&A: <Live> Debate",
    "\"Wild\" Islands",
    "Die Küchenschlacht",
    "Tagesschau",
    "Match of the Day",
    "Formula 1: Qualifying",
    "Planet Earth III",
    "Ça commence aujourd'hui",
    "World Business Report",
    "Homes Under the Hammer",
    "Tatort",
    "Late Night Movie",
    "Weather",
];

/// Programme lengths in minutes.
const LENGTHS: &[u64] = &[15, 30, 30, 60, 60, 60, 90, 120];

/// The whole XMLTV document.
fn render(config: &SimConfig) -> String {
    let mut out = String::with_capacity(1024 + config.channels.len() * 64);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<!DOCTYPE tv SYSTEM \"xmltv.dtd\">\n");
    out.push_str("<tv generator-info-name=\"StreamForge simulated panel\">\n");
    let mut seen = HashSet::new();
    let guided: Vec<_> = config
        .channels
        .iter()
        .filter_map(|ch| Some((ch, ch.epg_channel_id.as_deref()?)))
        .filter(|(_, id)| !id.is_empty() && seen.insert(*id))
        .collect();
    for (ch, id) in &guided {
        out.push_str("  <channel id=\"");
        escape(id, &mut out);
        out.push_str("\">\n    <display-name>");
        escape(&ch.guide_name, &mut out);
        out.push_str("</display-name>\n");
        if let Some(icon) = ch.icon.as_deref().filter(|i| !i.is_empty()) {
            out.push_str("    <icon src=\"");
            escape(icon, &mut out);
            out.push_str("\" />\n");
        }
        out.push_str("  </channel>\n");
    }
    let start = config
        .guide_start
        .unwrap_or_else(|| now_unix() / 3_600 * 3_600);
    let end = start + u64::from(config.guide_hours) * 3_600;
    for (_, id) in &guided {
        programmes(id, start, end, &mut out);
    }
    out.push_str("</tv>\n");
    out
}

/// Programmes of one channel from `start` until at least `end`, chosen
/// deterministically from the channel id.
fn programmes(id: &str, start: u64, end: u64, out: &mut String) {
    let mut seed = id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut at = start;
    let mut episode = 1;
    while at < end {
        let stop = at + LENGTHS[(next() % LENGTHS.len() as u64) as usize] * 60;
        let title = TITLES[(next() % TITLES.len() as u64) as usize];
        let _ = write!(
            out,
            "  <programme start=\"{}\" stop=\"{}\" channel=\"",
            xmltv_time(at),
            xmltv_time(stop)
        );
        escape(id, out);
        out.push_str("\">\n    <title>");
        escape(title, out);
        out.push_str("</title>\n    <desc>");
        let desc = format!("Episode {episode} of {title}. Repeats & extras follow.");
        escape(&desc, out);
        out.push_str("</desc>\n  </programme>\n");
        at = stop;
        episode += 1;
    }
}
