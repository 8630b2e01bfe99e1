//! `urls`: what to paste into Plex, Jellyfin, Emby or Channels DVR. `serve`
//! prints the same lines when it starts.

use crate::tuner::DeviceInfo;

/// Prints the tuner address, guide and playlist URLs.
pub fn print(device: &DeviceInfo) {
    let base = &device.base_url;
    println!("  tuner (HDHomeRun) address: {base}");
    println!("  guide (XMLTV):             {base}/xmltv.xml");
    println!("  playlist (M3U):            {base}/playlist.m3u");
    println!(
        "  DeviceID {}, {} tuner(s)",
        crate::tuner::device_id::format(device.device_id),
        device.tuner_count
    );
}
