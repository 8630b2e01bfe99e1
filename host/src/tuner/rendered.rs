//! `/lineup.json` and `/playlist.m3u` as sent, rendered once per routing
//! snapshot on the blocking pool: every request after that is a shared
//! `Bytes`, so a lineup of thousands of channels asked for over and over
//! never holds up the thread that moves video.

use super::door::Door;
use super::TunerState;
use crate::routing::lineup::Lineup;
use bytes::Bytes;
use serde_json::json;
use std::fmt::Write;
use std::sync::Arc;

/// The two documents for one snapshot version.
pub(crate) struct Rendered {
    version: u64,
    /// `/lineup.json`.
    pub(crate) lineup_json: Bytes,
    /// `/playlist.m3u`.
    pub(crate) playlist: Bytes,
}

/// The documents of `door`'s lineup for the snapshot in force, rendering
/// them when it changed.
pub(crate) async fn current(state: &TunerState, door: Door) -> anyhow::Result<Arc<Rendered>> {
    let key = (door.name.clone(), door.device.base_url.clone());
    let version = door.snapshot.version;
    if let Some(done) = state.rendered.get(&key).map(|r| r.clone()) {
        if done.version == version {
            return Ok(done);
        }
    }
    let base = door.device.base_url.clone();
    let rendered = crate::blocking::run(move || {
        let lineup = door.lineup();
        Ok(Arc::new(Rendered {
            version,
            lineup_json: lineup_json(lineup, &base)?.into(),
            playlist: playlist(lineup, &base).into(),
        }))
    })
    .await?;
    // Lineups removed since are dropped from the cache with the old versions.
    state.rendered.retain(|_, r| r.version == version);
    state.rendered.insert(key, rendered.clone());
    Ok(rendered)
}

/// HDHomeRun's `lineup.json`: number, name, stream URL and HD flag per channel.
fn lineup_json(lineup: &Lineup, base: &str) -> serde_json::Result<Vec<u8>> {
    let entries: Vec<serde_json::Value> = lineup
        .entries
        .iter()
        .map(|e| {
            json!({
                "GuideNumber": e.number,
                "GuideName": e.name,
                "URL": format!("{base}/stream/{}", e.number),
                "HD": u8::from(e.hd),
            })
        })
        .collect();
    serde_json::to_vec(&entries)
}

/// Quotes an attribute value: M3U has no escaping, so quotes and line
/// breaks are replaced.
pub(crate) fn attr(v: &str) -> String {
    v.chars()
        .map(|c| match c {
            '"' => '\'',
            '\r' | '\n' => ' ',
            c => c,
        })
        .collect()
}

/// The lineup as an extended M3U for players and media servers that read
/// M3U + XMLTV. Only our own `/stream/{n}` URLs appear, never a provider URL
/// or credential (logos are ours too: `/logos/{id}`).
fn playlist(lineup: &Lineup, base: &str) -> String {
    let mut out = format!("#EXTM3U url-tvg=\"{base}/xmltv.xml\" x-tvg-url=\"{base}/xmltv.xml\"\n");
    for e in &lineup.entries {
        let _ = writeln!(
            out,
            "#EXTINF:-1 channel-id=\"{id}\" tvg-id=\"{id}\" tvg-name=\"{name}\" tvg-logo=\"{logo}\" tvg-chno=\"{num}\" group-title=\"{group}\",{title}\n{base}/stream/{num}",
            id = attr(&e.xmltv_id),
            name = attr(&e.name),
            logo = e
                .logo
                .as_deref()
                .filter(|l| !l.trim().is_empty())
                .map(|l| crate::logos::served_url(base, l))
                .unwrap_or_default(),
            num = e.number,
            group = attr(e.group.as_deref().unwrap_or("StreamForge")),
            title = attr(&e.name).replace(',', " "),
        );
    }
    out
}
