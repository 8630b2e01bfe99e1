//! `urls`: what to paste into Plex, Jellyfin, Emby or Channels DVR. `serve`
//! prints the same lines when it starts.

use crate::tuner::DeviceInfo;

/// Prints the tuner address, guide and playlist URLs.
pub fn print(device: &DeviceInfo) {
    for line in crate::tuner::setup_lines(device) {
        println!("{line}");
    }
}

/// The line `urls` adds when Plex will not show the whole lineup.
pub fn print_lineup_size(channels: usize) {
    if let Some(warning) = crate::routing::lineup::plex_limit_warning(channels) {
        println!("  warning: {warning}");
    }
}

/// How many channels the running tuner at `base` lists (none when it does
/// not answer: `urls` then just leaves the check out).
pub async fn served_channels(base: &str) -> Option<usize> {
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .ok()?;
    let lineup: Vec<serde_json::Value> = client
        .get(format!("{base}/lineup.json"))
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    Some(lineup.len())
}
