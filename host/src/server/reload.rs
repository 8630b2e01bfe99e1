//! What a config reload (SIGHUP) changes in a running server: the friendly
//! name, the tuner count, the relay's timeouts and buffer (for the next
//! tune), the cameras' default quality and grace time, and whether
//! `/metrics` needs the token. The rest waits for a restart (see
//! `crate::config::reload`, which says which keys).

use super::settings::Settings;
use crate::camera::registry::Cameras;
use crate::config::Resolved;
use crate::relay::Relay;
use crate::routing::Routing;
use crate::tuner::SharedDevice;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The parts of a running server a reload can change.
pub struct Live {
    /// What `/discover.json` and discovery answer.
    pub device: SharedDevice,
    /// The lineup snapshot (its tuner count).
    pub routing: Arc<Routing>,
    /// The relay (its settings, for the next tune).
    pub relay: Arc<Relay>,
    /// The cameras (default quality, grace time).
    pub cameras: Arc<Cameras>,
    /// Whether `/metrics` is served without the admin token.
    pub metrics_public: Arc<AtomicBool>,
}

impl Live {
    /// Puts the live settings of `r` in force.
    pub fn apply(&self, r: &Resolved) {
        let settings = match Settings::from_resolved(r) {
            Ok(s) => s,
            Err(e) => {
                // The schema admits only known values; kept as a log line.
                tracing::warn!("settings not reloaded: {e:#}");
                return;
            }
        };
        if let Ok(mut device) = self.device.write() {
            device.friendly_name = settings
                .tuner
                .friendly_name
                .clone()
                .unwrap_or_else(|| "StreamForge".to_string());
        }
        self.routing.set_tuners(settings.tuner.tuner_count);
        self.relay.set_config(settings.relay.clone());
        self.metrics_public
            .store(settings.metrics_public, Ordering::Relaxed);
        let default_quality = settings.camera.levels.default_level().name.clone();
        if let Err(e) = self
            .cameras
            .set_live(&default_quality, settings.camera.grace)
        {
            tracing::warn!("camera settings not reloaded: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_camera_reload_moves_the_default_level_and_refuses_unknown_ones() {
        let cameras = Cameras::new(Default::default(), Arc::new(|_: &str, _: &str, _| {}));
        assert_eq!(cameras.levels().default_level().name, "medium");
        cameras
            .set_live("high", std::time::Duration::from_secs(1))
            .unwrap();
        assert_eq!(cameras.levels().default_level().name, "high");
        assert_eq!(cameras.levels().pick(None), Ok(2));
        assert!(cameras
            .set_live("ultra", std::time::Duration::from_secs(1))
            .is_err());
        assert_eq!(cameras.levels().default_level().name, "high");
    }
}
