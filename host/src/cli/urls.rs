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

/// The other lineups' addresses (`main` is the tuner address above), each
/// with its DeviceID, and the Plex warning for any too big.
pub fn print_lineups(base: &str, lineups: &[crate::lineup_control::LineupInfo]) {
    for l in lineups
        .iter()
        .filter(|l| l.name != crate::store::MAIN_LINEUP)
    {
        let mut at = crate::tuner::path_base(base, &l.name);
        if let Some(port) = l.port {
            at.push_str(&format!(" and {}", crate::tuner::port_base(base, port)));
        }
        println!(
            "  lineup {} (DeviceID {}, {} channels): {at}",
            l.name,
            l.device_id.as_deref().unwrap_or("-"),
            l.channel_count
        );
        if let Some(warning) = crate::routing::lineup::plex_limit_warning(l.channel_count) {
            println!("    warning: {warning}");
        }
    }
}
