//! Every `serve` setting the config file, the environment and the flags can
//! set: its key, type, range, default and whether a running server can take
//! a new value without a restart. One table, so `config show`, `config
//! check`, the reload and the example file can never disagree.

use std::fmt;
use std::net::SocketAddr;

/// What a setting holds, with its allowed range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// An address and port, like `0.0.0.0:5004`.
    Addr,
    /// A URL clients use (`http://` or `https://`).
    Url,
    /// An HDHomeRun DeviceID: 8 hex digits with a valid checksum.
    DeviceId,
    /// A display name: 1 to 64 characters, no control characters.
    Name,
    /// A whole number within `min..=max`.
    Count {
        /// Smallest allowed.
        min: u32,
        /// Largest allowed.
        max: u32,
    },
    /// Seconds, fractions allowed, 0 to 3600.
    Seconds,
    /// `true` or `false`.
    Switch,
    /// A camera quality level name.
    Quality,
    /// What silent audio does: `off`, `event` or `failover`.
    AudioPolicy,
    /// Addresses and networks, comma-separated (`10.0.0.2, 192.168.0.0/16`);
    /// empty for none.
    Networks,
}

/// The `relay.audio_missing` choices.
pub const AUDIO_POLICIES: [&str; 3] = ["off", "event", "failover"];

/// The camera quality names (`camera.default_quality`, `[camera.levels.*]`).
pub const QUALITIES: [&str; 3] = ["low", "medium", "high"];

/// A checked value of some [`Kind`].
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// [`Kind::Addr`].
    Addr(SocketAddr),
    /// [`Kind::Url`], [`Kind::DeviceId`], [`Kind::Name`], [`Kind::Quality`],
    /// [`Kind::AudioPolicy`], [`Kind::Networks`].
    Text(String),
    /// [`Kind::Count`].
    Count(u32),
    /// [`Kind::Seconds`].
    Seconds(f64),
    /// [`Kind::Switch`].
    Switch(bool),
}

impl fmt::Display for Value {
    /// As it would be written in the config file.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Addr(a) => write!(f, "\"{a}\""),
            Value::Text(t) => write!(f, "{t:?}"),
            Value::Count(n) => write!(f, "{n}"),
            Value::Seconds(s) => write!(f, "{s}"),
            Value::Switch(b) => write!(f, "{b}"),
        }
    }
}

impl Value {
    /// The value as JSON (`config show --json`).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Addr(a) => a.to_string().into(),
            Value::Text(t) => t.clone().into(),
            Value::Count(n) => (*n).into(),
            Value::Seconds(s) => (*s).into(),
            Value::Switch(b) => (*b).into(),
        }
    }
}

/// One setting.
#[derive(Debug, PartialEq)]
pub struct Key {
    /// Its dotted path in the file (`relay.stall_timeout` is `stall_timeout`
    /// in the `[relay]` table).
    pub path: &'static str,
    /// What it holds.
    pub kind: Kind,
    /// The default, as text of its kind; `None`: unset (worked out at start).
    pub default: Option<&'static str>,
    /// What an unset value means, for `config show`.
    pub unset: &'static str,
    /// The `serve` flag's clap id, when there is one.
    pub flag: Option<&'static str>,
    /// Older environment names read as they are (the camera story's).
    pub alias: Option<&'static str>,
    /// Whether a running server applies a new value on reload (SIGHUP).
    pub live: bool,
}

impl Key {
    /// `STREAMFORGE_` and the key without its `relay.` table, upper case:
    /// `STREAMFORGE_STALL_TIMEOUT`, `STREAMFORGE_CAMERA_GRACE`.
    pub fn env(&self) -> String {
        let bare = self.path.strip_prefix("relay.").unwrap_or(self.path);
        format!("STREAMFORGE_{}", bare.replace('.', "_").to_uppercase())
    }

    /// The last part of the path (the name inside its table).
    pub fn name(&self) -> &'static str {
        self.path.rsplit('.').next().unwrap_or(self.path)
    }

    /// The default as a value (`None` when unset by default).
    pub fn default_value(&self) -> Option<Value> {
        let text = self.default?;
        Some(parse_text(self, text).expect("every default in the schema is valid"))
    }
}

const fn key(path: &'static str, kind: Kind, default: Option<&'static str>) -> Key {
    Key {
        path,
        kind,
        default,
        unset: "",
        flag: None,
        alias: None,
        live: false,
    }
}

const SECS: Kind = Kind::Seconds;

macro_rules! level {
    ($name:literal, $w:literal, $h:literal, $fps:literal, $q:literal) => {
        [
            key(
                concat!("camera.levels.", $name, ".width"),
                Kind::Count { min: 16, max: 7680 },
                Some($w),
            ),
            key(
                concat!("camera.levels.", $name, ".height"),
                Kind::Count { min: 16, max: 4320 },
                Some($h),
            ),
            key(
                concat!("camera.levels.", $name, ".fps"),
                Kind::Count { min: 1, max: 60 },
                Some($fps),
            ),
            key(
                concat!("camera.levels.", $name, ".jpeg_quality"),
                Kind::Count { min: 1, max: 100 },
                Some($q),
            ),
        ]
    };
}

/// Every setting, in the order `config show` lists them.
pub fn keys() -> &'static [Key] {
    static KEYS: std::sync::OnceLock<Vec<Key>> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        let flag = |mut k: Key, id: &'static str| {
            k.flag = Some(id);
            k
        };
        let live = |mut k: Key| {
            k.live = true;
            k
        };
        let unset = |mut k: Key, why: &'static str| {
            k.unset = why;
            k
        };
        let alias = |mut k: Key, env: &'static str| {
            k.alias = Some(env);
            k
        };
        let count = |min, max| Kind::Count { min, max };
        let mut all = vec![
            flag(key("listen", Kind::Addr, Some("0.0.0.0:5004")), "listen"),
            unset(
                flag(key("base_url", Kind::Url, None), "base_url"),
                "this machine's LAN address and the port",
            ),
            unset(
                flag(key("device_id", Kind::DeviceId, None), "device_id"),
                "the one kept in the data dir",
            ),
            live(unset(
                flag(key("tuner_count", count(1, 255), None), "tuner_count"),
                "the sum of enabled accounts' connection limits",
            )),
            live(flag(
                key("friendly_name", Kind::Name, Some("StreamForge")),
                "friendly_name",
            )),
            flag(key("discovery", Kind::Switch, Some("true")), "no_discovery"),
            unset(
                flag(
                    key("max_open_connections", count(16, 1_000_000), None),
                    "max_open_connections",
                ),
                "the open-file limit less 256 (at least 64)",
            ),
            flag(key("head_timeout", SECS, Some("10")), "head_timeout"),
            flag(key("idle_timeout", SECS, Some("60")), "idle_timeout"),
            flag(key("body_timeout", SECS, Some("30")), "body_timeout"),
            flag(
                key("trusted_proxies", Kind::Networks, Some("")),
                "trusted_proxies",
            ),
            live(flag(
                key("metrics_public", Kind::Switch, Some("false")),
                "metrics_public",
            )),
            live(flag(
                key("relay.stream_timeout", SECS, Some("5")),
                "stream_timeout",
            )),
            live(flag(
                key("relay.stall_timeout", SECS, Some("2")),
                "stall_timeout",
            )),
            live(flag(
                key("relay.slow_timeout", SECS, Some("5")),
                "slow_timeout",
            )),
            live(flag(key("relay.idle_grace", SECS, Some("3")), "idle_grace")),
            live(flag(
                key("relay.channel_buffer_mib", count(1, 1024), Some("4")),
                "channel_buffer_mib",
            )),
            live(flag(
                key("relay.stuck_viewer_timeout", SECS, Some("15")),
                "stuck_viewer_timeout",
            )),
            flag(
                key("relay.failover_cooldown", SECS, Some("60")),
                "failover_cooldown",
            ),
            live(flag(
                key("relay.audio_missing", Kind::AudioPolicy, Some("event")),
                "audio_missing",
            )),
            live(flag(
                key("relay.limit_quiet_time", SECS, Some("3600")),
                "limit_quiet_time",
            )),
            live(flag(
                key("relay.restore_period", SECS, Some("600")),
                "restore_period",
            )),
            alias(
                flag(
                    key("camera.max_streams", count(1, 1000), Some("10")),
                    "camera_max_streams",
                ),
                "STREAM_MAX_CONCURRENT",
            ),
            live(alias(
                flag(
                    key("camera.default_quality", Kind::Quality, Some("medium")),
                    "camera_default_quality",
                ),
                "STREAM_DEFAULT_QUALITY",
            )),
            alias(
                flag(
                    key("camera.frame_buffer", count(1, 100), Some("5")),
                    "camera_frame_buffer",
                ),
                "STREAM_FRAME_BUFFER_SIZE",
            ),
            live(flag(key("camera.grace", SECS, Some("10")), "camera_grace")),
        ];
        all.extend(level!("low", "640", "360", "5", "70"));
        all.extend(level!("medium", "1280", "720", "10", "80"));
        all.extend(level!("high", "1920", "1080", "15", "90"));
        all
    })
}

/// The setting at `path`.
pub fn find(path: &str) -> Option<&'static Key> {
    keys().iter().find(|k| k.path == path)
}

/// Checks `text` (a flag's or an environment variable's value, or a default)
/// as a value for `key`; the error says what is allowed.
pub fn parse_text(key: &Key, text: &str) -> Result<Value, String> {
    let text = text.trim();
    match key.kind {
        Kind::Count { .. } => match text.parse::<i64>() {
            Ok(n) => check_count(key, n),
            Err(_) => Err(wanted(key, &format!("{text:?}"))),
        },
        Kind::Seconds => match text.parse::<f64>() {
            Ok(v) => check_seconds(key, v),
            Err(_) => Err(wanted(key, &format!("{text:?}"))),
        },
        Kind::Switch => match text.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(Value::Switch(true)),
            "false" | "0" | "no" | "off" => Ok(Value::Switch(false)),
            _ => Err(wanted(key, &format!("{text:?}"))),
        },
        _ => parse_string(key, text),
    }
}

/// Checks a string value for `key` (text kinds; other kinds refuse strings).
pub fn parse_string(key: &Key, text: &str) -> Result<Value, String> {
    let shown = format!("{text:?}");
    match key.kind {
        Kind::Addr => text
            .parse::<SocketAddr>()
            .map(Value::Addr)
            .map_err(|_| wanted(key, &shown)),
        Kind::Url => {
            let ok = (text.starts_with("http://") || text.starts_with("https://"))
                && url::Url::parse(text).is_ok_and(|u| u.host().is_some());
            ok.then(|| Value::Text(text.to_string()))
                .ok_or_else(|| wanted(key, &shown))
        }
        Kind::DeviceId => crate::tuner::device_id::parse(text)
            .map(|_| Value::Text(text.to_string()))
            .map_err(|reason| format!("`{}`: {reason}", key.path)),
        Kind::Name => {
            let len = text.chars().count();
            let clean = !text.chars().any(char::is_control);
            (clean && (1..=64).contains(&len) && !text.trim().is_empty())
                .then(|| Value::Text(text.to_string()))
                .ok_or_else(|| wanted(key, &shown))
        }
        Kind::Quality => QUALITIES
            .contains(&text)
            .then(|| Value::Text(text.to_string()))
            .ok_or_else(|| wanted(key, &shown)),
        Kind::AudioPolicy => AUDIO_POLICIES
            .contains(&text)
            .then(|| Value::Text(text.to_string()))
            .ok_or_else(|| wanted(key, &shown)),
        Kind::Networks => {
            let entries: Vec<&str> = text.split(',').filter(|e| !e.trim().is_empty()).collect();
            crate::auth::TrustedProxies::parse(&entries)
                .map(|_| {
                    Value::Text(
                        entries
                            .iter()
                            .map(|e| e.trim())
                            .collect::<Vec<_>>()
                            .join(", "),
                    )
                })
                .map_err(|reason| format!("`{}`: {reason}", key.path))
        }
        _ => Err(wanted(key, &shown)),
    }
}

/// Checks a whole number for `key`.
pub fn check_count(key: &Key, n: i64) -> Result<Value, String> {
    match key.kind {
        Kind::Count { min, max } if (min as i64..=max as i64).contains(&n) => {
            Ok(Value::Count(n as u32))
        }
        Kind::Seconds => check_seconds(key, n as f64),
        _ => Err(wanted(key, &n.to_string())),
    }
}

/// Checks a number of seconds for `key`.
pub fn check_seconds(key: &Key, v: f64) -> Result<Value, String> {
    if key.kind == Kind::Seconds && (0.0..=3600.0).contains(&v) {
        return Ok(Value::Seconds(v));
    }
    Err(wanted(key, &v.to_string()))
}

/// "`key` must be ..., not X": what the kind allows.
pub fn wanted(key: &Key, got: &str) -> String {
    let what = match key.kind {
        Kind::Addr => "an address and port like \"0.0.0.0:5004\"".to_string(),
        Kind::Url => "a URL clients can reach, like \"http://192.168.1.10:5004\"".to_string(),
        Kind::DeviceId => "8 hex digits with a valid HDHomeRun checksum".to_string(),
        Kind::Name => "a name of 1 to 64 characters".to_string(),
        Kind::Count { min, max } => format!("a whole number from {min} to {max}"),
        Kind::Seconds => "a number of seconds from 0 to 3600".to_string(),
        Kind::Switch => "true or false".to_string(),
        Kind::Quality => format!(
            "one of {}",
            QUALITIES.map(|q| format!("\"{q}\"")).join(", ")
        ),
        Kind::AudioPolicy => format!(
            "one of {}",
            AUDIO_POLICIES.map(|q| format!("\"{q}\"")).join(", ")
        ),
        Kind::Networks => {
            "addresses or networks, comma-separated, like \"10.0.0.2, 192.168.0.0/16\"".to_string()
        }
    };
    format!("`{}` must be {what}, not {got}", key.path)
}
