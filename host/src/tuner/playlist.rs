//! `/playlist.m3u`: the lineup as an extended M3U for players and media
//! servers that read M3U + XMLTV. Only our own `/stream/{n}` URLs appear,
//! never a provider URL or credential.

use super::current;
use super::{internal, TunerState};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::fmt::Write;

/// Quotes an attribute value: M3U has no escaping, so quotes and line
/// breaks are replaced.
fn attr(v: &str) -> String {
    v.chars()
        .map(|c| match c {
            '"' => '\'',
            '\r' | '\n' => ' ',
            c => c,
        })
        .collect()
}

pub(super) async fn playlist(State(s): State<TunerState>) -> Response {
    let lineup = match s.lineup.get(&s.app.store) {
        Ok(l) => l,
        Err(e) => return internal(e),
    };
    let base = current(&s.device).base_url;
    let mut out = format!("#EXTM3U url-tvg=\"{base}/xmltv.xml\" x-tvg-url=\"{base}/xmltv.xml\"\n");
    for e in &lineup.entries {
        let _ = writeln!(
            out,
            "#EXTINF:-1 channel-id=\"{id}\" tvg-id=\"{id}\" tvg-name=\"{name}\" tvg-logo=\"{logo}\" tvg-chno=\"{num}\" group-title=\"{group}\",{title}\n{base}/stream/{num}",
            id = attr(&e.xmltv_id),
            name = attr(&e.name),
            logo = attr(e.logo.as_deref().unwrap_or("")),
            num = e.number,
            group = attr(e.group.as_deref().unwrap_or("StreamForge")),
            title = attr(&e.name).replace(',', " "),
        );
    }
    (
        [(header::CONTENT_TYPE, "audio/x-mpegurl; charset=utf-8")],
        out,
    )
        .into_response()
}
