//! `serve`'s settings from every source (flags > environment > config file >
//! defaults, see `crate::config`), and what a reload changes in a running
//! server: the friendly name, the tuner count, the relay's timeouts and
//! buffer (for the next tune), the cameras' default quality and grace time.

use super::serve::ServeArgs;
use crate::camera::level::{Level, Levels};
use crate::camera::registry::Cameras;
use crate::config::{schema, Resolved, Sources};
use crate::relay::Relay;
use crate::routing::Routing;
use crate::tuner::SharedDevice;
use clap::parser::ValueSource;
use std::path::PathBuf;
use std::sync::Arc;

/// The flags of `matches` typed on the command line, with their text.
pub fn typed_flags(matches: &clap::ArgMatches) -> Vec<(String, String)> {
    matches
        .ids()
        .filter(|id| matches.value_source(id.as_str()) == Some(ValueSource::CommandLine))
        .filter_map(|id| {
            let raw = matches.get_raw(id.as_str())?.next_back()?;
            Some((id.to_string(), raw.to_string_lossy().into_owned()))
        })
        .collect()
}

impl ServeArgs {
    /// Where these options' settings come from: the typed flags, the
    /// process environment and `file`.
    pub fn sources(&self, file: Option<PathBuf>) -> Sources {
        Sources {
            flags: self.typed.clone(),
            env: Sources::process_env(),
            file,
        }
    }

    /// Takes every setting from `r`.
    pub fn apply(&mut self, r: &Resolved) {
        let secs = |path: &str| r.seconds(path).unwrap_or_default();
        let count = |path: &str| r.count(path).unwrap_or_default();
        if let Some(listen) = r.addr("listen") {
            self.listen = listen;
        }
        self.base_url = r.text("base_url");
        self.device_id = r.text("device_id");
        self.tuner_count = r.count("tuner_count");
        self.friendly_name = r.text("friendly_name");
        self.no_discovery = r.switch("discovery") == Some(false);
        self.max_open_connections = r.count("max_open_connections");
        self.trusted_proxies = r.text("trusted_proxies").unwrap_or_default();
        self.metrics_public = r.switch("metrics_public") == Some(true);
        self.head_timeout = secs("head_timeout");
        self.idle_timeout = secs("idle_timeout");
        self.body_timeout = secs("body_timeout");
        self.stream_timeout = secs("relay.stream_timeout");
        self.stall_timeout = secs("relay.stall_timeout");
        self.slow_timeout = secs("relay.slow_timeout");
        self.idle_grace = secs("relay.idle_grace");
        self.channel_buffer_mib = count("relay.channel_buffer_mib");
        self.stuck_viewer_timeout = secs("relay.stuck_viewer_timeout");
        self.failover_cooldown = secs("relay.failover_cooldown");
        self.limit_quiet_time = secs("relay.limit_quiet_time");
        if let Some(policy) = r.text("relay.audio_missing").and_then(|p| p.parse().ok()) {
            self.audio_missing = policy;
        }
        self.camera_max_streams = count("camera.max_streams");
        if let Some(q) = r.text("camera.default_quality") {
            self.camera_default_quality = q;
        }
        self.camera_frame_buffer = count("camera.frame_buffer");
        self.camera_grace = secs("camera.grace");
        let level = |name: &str| {
            let n = |field: &str| count(&format!("camera.levels.{name}.{field}"));
            Level {
                name: name.to_string(),
                width: n("width"),
                height: n("height"),
                fps: n("fps"),
                quality: n("jpeg_quality") as u8,
            }
        };
        self.camera_levels = Some(Levels::from_levels(
            schema::QUALITIES.into_iter().map(level).collect(),
        ));
    }
}

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
    pub metrics_public: Arc<std::sync::atomic::AtomicBool>,
}

impl Live {
    /// Puts the live settings of `r` in force.
    pub fn apply(&self, r: &Resolved) {
        let mut args = ServeArgs::defaults();
        args.apply(r);
        if let Ok(mut device) = self.device.write() {
            device.friendly_name = args
                .friendly_name
                .clone()
                .unwrap_or_else(|| "StreamForge".to_string());
        }
        self.routing.set_tuners(args.tuner_count);
        self.relay.set_config(args.relay_config());
        self.metrics_public
            .store(args.metrics_public, std::sync::atomic::Ordering::Relaxed);
        let grace = std::time::Duration::from_secs_f64(args.camera_grace);
        if let Err(e) = self.cameras.set_live(&args.camera_default_quality, grace) {
            // The schema admits only known qualities; kept as a log line.
            tracing::warn!("camera settings not reloaded: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Args, Command, FromArgMatches};

    /// The schema's defaults (what `config show` prints) are `serve`'s.
    #[test]
    fn the_schema_defaults_are_the_flags_defaults() {
        let flags = ServeArgs::defaults();
        let mut config = ServeArgs::defaults();
        config.apply(&Sources::default().resolve().unwrap());
        assert_eq!(config.listen, flags.listen);
        assert_eq!(config.no_discovery, flags.no_discovery);
        assert_eq!(
            format!("{:?}", config.relay_config()),
            format!("{:?}", flags.relay_config())
        );
        let (a, b) = (config.tuner_options(), flags.tuner_options());
        assert_eq!(
            (a.base_url, a.device_id, a.tuner_count),
            (b.base_url, b.device_id, b.tuner_count)
        );
        assert_eq!(a.friendly_name.as_deref(), Some("StreamForge"));
        let (a, b) = (
            config.camera_settings().unwrap(),
            flags.camera_settings().unwrap(),
        );
        assert_eq!(
            (a.max_streams, a.keep_frames, a.grace),
            (b.max_streams, b.keep_frames, b.grace)
        );
        assert_eq!(a.levels.all(), b.levels.all());
        assert_eq!(a.levels.default_level(), b.levels.default_level());
    }

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

    /// Only typed flags count as flags: defaults leave room for the file.
    #[test]
    fn typed_flags_are_the_ones_on_the_command_line() {
        let matches = ServeArgs::augment_args(Command::new("serve"))
            .try_get_matches_from(["serve", "--stall-timeout", "1.5", "--no-discovery"])
            .unwrap();
        let typed = typed_flags(&matches);
        let has = |id: &str, text: &str| typed.iter().any(|(i, t)| i == id && t == text);
        assert!(has("no_discovery", "true"), "{typed:?}");
        assert!(has("stall_timeout", "1.5"), "{typed:?}");
        // Defaults are not typed flags.
        assert!(!typed.iter().any(|(i, _)| i == "listen"), "{typed:?}");
        let mut args = ServeArgs::from_arg_matches(&matches).unwrap();
        args.typed = typed;
        let r = args.sources(None).resolve().unwrap();
        args.apply(&r);
        assert_eq!(args.stall_timeout, 1.5);
        assert!(args.no_discovery);
    }
}
