//! What a server runs with, resolved from every source (flags, then the
//! environment, the config file and the defaults; see `crate::config`)
//! into plain values: no command-line type crosses into the server.
//! `serve`, `demo`, `urls` and a SIGHUP reload all build one of these from
//! a [`Resolved`].

use super::connections::Timeouts;
use crate::auth::TrustedProxies;
use crate::camera::level::{Level, Levels};
use crate::config::{schema, Resolved, Sources};
use crate::relay::{AudioPolicy, RelayConfig};
use crate::tuner::settings::TunerOptions;
use std::net::SocketAddr;
use std::time::Duration;

/// Every setting of a running server.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Address and port to listen on.
    pub listen: SocketAddr,
    /// The tuner's identity and the address clients use.
    pub tuner: TunerOptions,
    /// Answer and send UDP and SSDP discovery.
    pub discovery: bool,
    /// The relay's timeouts, buffer and policies.
    pub relay: RelayConfig,
    /// Camera limits, quality levels and grace time.
    pub camera: crate::camera::registry::Settings,
    /// Connections open at once, at most (`None`: from the open-file limit).
    pub max_open_connections: Option<usize>,
    /// Head, idle and body timeouts of client connections.
    pub timeouts: Timeouts,
    /// Reverse proxies whose forwarded headers name the client.
    pub trusted_proxies: TrustedProxies,
    /// `/metrics` without the admin token.
    pub metrics_public: bool,
}

impl Settings {
    /// The settings with nothing configured (every default of the schema).
    pub fn defaults() -> Settings {
        let resolved = Sources::default()
            .resolve()
            .expect("the schema's defaults resolve");
        Settings::from_resolved(&resolved).expect("the schema's defaults are valid")
    }

    /// The settings `r` gives; an error only for values the schema cannot
    /// check alone (a camera default quality missing from the levels).
    pub fn from_resolved(r: &Resolved) -> anyhow::Result<Settings> {
        let secs = |path: &str| Duration::from_secs_f64(r.seconds(path).unwrap_or_default());
        let count = |path: &str| r.count(path).unwrap_or_default();
        let stall = secs("relay.stall_timeout").max(Duration::from_millis(100));
        let relay = RelayConfig {
            first_byte_timeout: secs("relay.stream_timeout"),
            stall_timeout: stall,
            // Half-way to a stall, the backup starts connecting.
            standby_after: Some(stall / 2),
            idle_grace: secs("relay.idle_grace"),
            slow_timeout: secs("relay.slow_timeout"),
            channel_buffer: count("relay.channel_buffer_mib") as usize * 1024 * 1024,
            stuck_viewer_timeout: secs("relay.stuck_viewer_timeout").max(Duration::from_secs(1)),
            failover_cooldown: secs("relay.failover_cooldown"),
            audio_missing: r
                .text("relay.audio_missing")
                .and_then(|p| p.parse::<AudioPolicy>().ok())
                .unwrap_or_default(),
            limit_quiet_time: secs("relay.limit_quiet_time"),
            restore_period: Some(secs("relay.restore_period")).filter(|p| !p.is_zero()),
            ..RelayConfig::default()
        };
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
        let levels = Levels::from_levels(schema::QUALITIES.into_iter().map(level).collect())
            .with_default(&r.text("camera.default_quality").unwrap_or_default())
            .map_err(anyhow::Error::msg)?;
        let camera = crate::camera::registry::Settings {
            levels,
            max_streams: count("camera.max_streams") as usize,
            keep_frames: count("camera.frame_buffer") as usize,
            grace: secs("camera.grace"),
            ..Default::default()
        };
        let at_least_a_second = |path: &str| secs(path).max(Duration::from_secs(1));
        let proxies = r.text("trusted_proxies").unwrap_or_default();
        let proxies: Vec<&str> = proxies
            .split(',')
            .filter(|e| !e.trim().is_empty())
            .collect();
        Ok(Settings {
            listen: r
                .addr("listen")
                .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 5004))),
            tuner: TunerOptions {
                base_url: r.text("base_url"),
                device_id: r.text("device_id"),
                tuner_count: r.count("tuner_count"),
                friendly_name: r.text("friendly_name"),
            },
            discovery: r.switch("discovery") != Some(false),
            relay,
            camera,
            max_open_connections: r.count("max_open_connections").map(|n| n as usize),
            timeouts: Timeouts {
                head: at_least_a_second("head_timeout"),
                idle: at_least_a_second("idle_timeout"),
                body: at_least_a_second("body_timeout"),
            },
            trusted_proxies: TrustedProxies::parse(&proxies).map_err(anyhow::Error::msg)?,
            metrics_public: r.switch("metrics_public") == Some(true),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn resolve(flags: &[(&str, &str)]) -> Settings {
        let sources = Sources {
            flags: flags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            env: BTreeMap::new(),
            file: None,
        };
        Settings::from_resolved(&sources.resolve().unwrap()).unwrap()
    }

    #[test]
    fn relay_settings_reach_the_relay_config() {
        let config = resolve(&[
            ("stuck_viewer_timeout", "2.5"),
            ("failover_cooldown", "0"),
            ("stall_timeout", "1"),
        ])
        .relay;
        assert_eq!(config.stuck_viewer_timeout, Duration::from_millis(2500));
        assert_eq!(config.failover_cooldown, Duration::ZERO);
        assert_eq!(config.stall_timeout, Duration::from_secs(1));
        assert_eq!(config.standby_after, Some(Duration::from_millis(500)));
        let defaults = Settings::defaults();
        assert_eq!(defaults.relay.stuck_viewer_timeout, Duration::from_secs(15));
        assert_eq!(defaults.relay.failover_cooldown, Duration::from_secs(60));
        assert_eq!(defaults.listen, "0.0.0.0:5004".parse().unwrap());
        assert!(defaults.discovery && !defaults.metrics_public);
        assert_eq!(defaults.timeouts, Timeouts::default());
        assert_eq!(defaults.tuner.friendly_name.as_deref(), Some("StreamForge"));
        assert_eq!(defaults.camera.levels.default_level().name, "medium");
    }

    #[test]
    fn discovery_and_proxies_come_through() {
        let s = resolve(&[("no_discovery", "true"), ("trusted_proxies", "10.0.0.0/8")]);
        assert!(!s.discovery);
        assert!(s.trusted_proxies.contains("10.1.2.3".parse().unwrap()));
    }
}
