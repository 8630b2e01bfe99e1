//! Discovery for a running server: SiliconDust's UDP protocol (port 65001,
//! what `hdhomerun_config discover` and Plex send) and SSDP (port 1900),
//! answering for the device until the server stops.

use crate::tuner::{self, Devices};
use std::net::SocketAddr;

/// Starts SiliconDust UDP discovery (65001) and SSDP (1900). A port that
/// cannot be bound is reported and skipped; the tuner still works by address.
pub fn start(
    device: &Devices,
    stopped: &tokio::sync::watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks = Vec::new();
    let until_stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let udp_addr = SocketAddr::from(([0, 0, 0, 0], 65001));
    match tuner::discovery::bind(udp_addr) {
        Ok(socket) => {
            let (device, stop) = (device.clone(), until_stopped(stopped.clone()));
            tasks.push(tokio::spawn(async move {
                tuner::discovery::run(socket, device, stop).await;
            }));
            println!("  discovery: HDHomeRun UDP on {udp_addr}");
        }
        Err(e) => {
            println!("  warning: HDHomeRun UDP discovery is off: cannot bind {udp_addr}: {e}")
        }
    }
    match tuner::ssdp::bind(None) {
        Ok(socket) => {
            let (device, stop) = (device.clone(), until_stopped(stopped.clone()));
            tasks.push(tokio::spawn(async move {
                tuner::ssdp::run(socket, device, true, stop).await;
            }));
            println!("  discovery: SSDP on 0.0.0.0:1900");
        }
        Err(e) => println!("  warning: SSDP discovery is off: cannot bind 0.0.0.0:1900: {e}"),
    }
    tasks
}
