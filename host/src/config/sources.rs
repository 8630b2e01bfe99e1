//! Where settings come from and which one wins: flags > environment
//! (`STREAMFORGE_<KEY>`, then the camera story's `STREAM_*` names) > the
//! config file > defaults. The flags and the environment are captured once
//! at start; the file is read again on every reload.

use super::error::{ConfigError, ConfigErrors};
use super::file::{self, FileValue};
use super::schema::{self, Key, Value};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

/// The inputs of one resolution.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// Flags typed on the command line: clap id and the text given.
    pub flags: Vec<(String, String)>,
    /// The environment variables that name settings.
    pub env: BTreeMap<String, String>,
    /// The config file, when there is one.
    pub file: Option<PathBuf>,
}

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "source", rename_all = "lowercase")]
pub enum Origin {
    /// A `serve` flag.
    Flag {
        /// The flag as typed, `--stall-timeout`.
        flag: String,
    },
    /// An environment variable.
    Env {
        /// Its name.
        name: String,
    },
    /// The config file.
    File {
        /// The file as named.
        path: String,
        /// The line.
        line: usize,
    },
    /// Nothing set it.
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag { flag } => write!(f, "flag {flag}"),
            Origin::Env { name } => write!(f, "env {name}"),
            Origin::File { path, line } => write!(f, "file {path}:{line}"),
            Origin::Default => f.write_str("default"),
        }
    }
}

/// One effective setting.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    /// Which.
    pub key: &'static Key,
    /// Its value; `None`: unset, worked out at start (see [`Key::unset`]).
    pub value: Option<Value>,
    /// Where the value came from.
    pub origin: Origin,
}

/// Every setting with its effective value, in schema order.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// One per schema key.
    pub settings: Vec<Setting>,
}

impl Sources {
    /// The process's environment variables that name settings.
    pub fn process_env() -> BTreeMap<String, String> {
        let mut env = BTreeMap::new();
        for key in schema::keys() {
            for name in std::iter::once(key.env()).chain(key.alias.map(String::from)) {
                if let Ok(v) = std::env::var(&name) {
                    env.insert(name, v);
                }
            }
        }
        env
    }

    /// Reads the file (again) and works out every setting. Every bad value
    /// is reported, each with where it came from.
    pub fn resolve(&self) -> Result<Resolved, ConfigErrors> {
        let mut errors = Vec::new();
        let from_file: Vec<FileValue> = match &self.file {
            Some(path) => file::read(path).unwrap_or_else(|e| {
                errors.extend(e.0);
                Vec::new()
            }),
            None => Vec::new(),
        };
        let shown = self.file.as_ref().map(|p| p.display().to_string());
        let mut settings = Vec::new();
        for key in schema::keys() {
            let (value, origin) = match self.pick(key, &from_file, shown.as_deref()) {
                Ok(found) => found,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            settings.push(Setting { key, value, origin });
        }
        if errors.is_empty() {
            Ok(Resolved { settings })
        } else {
            Err(ConfigErrors(errors))
        }
    }

    fn pick(
        &self,
        key: &'static Key,
        from_file: &[FileValue],
        shown: Option<&str>,
    ) -> Result<(Option<Value>, Origin), ConfigError> {
        if let Some(id) = key.flag {
            if let Some((_, text)) = self.flags.iter().rev().find(|(f, _)| f == id) {
                let flag = format!("--{}", id.replace('_', "-"));
                // `--no-discovery` is the only switch flag, and says false.
                let value = if id == "no_discovery" {
                    Ok(Value::Switch(false))
                } else {
                    schema::parse_text(key, text)
                };
                return value
                    .map(|v| (Some(v), Origin::Flag { flag: flag.clone() }))
                    .map_err(|message| ConfigError {
                        place: flag,
                        message,
                    });
            }
        }
        for name in std::iter::once(key.env()).chain(key.alias.map(String::from)) {
            if let Some(text) = self.env.get(&name) {
                return schema::parse_text(key, text)
                    .map(|v| (Some(v), Origin::Env { name: name.clone() }))
                    .map_err(|message| ConfigError {
                        place: format!("environment {name}"),
                        message,
                    });
            }
        }
        if let Some(found) = from_file.iter().rev().find(|f| f.key.path == key.path) {
            let origin = Origin::File {
                path: shown.unwrap_or_default().to_string(),
                line: found.line,
            };
            return Ok((Some(found.value.clone()), origin));
        }
        Ok((key.default_value(), Origin::Default))
    }
}

impl Resolved {
    /// The setting at `path`.
    pub fn get(&self, path: &str) -> Option<&Setting> {
        self.settings.iter().find(|s| s.key.path == path)
    }

    fn value(&self, path: &str) -> Option<&Value> {
        let setting = self.get(path);
        debug_assert!(setting.is_some(), "no setting {path}");
        setting?.value.as_ref()
    }

    /// An address setting.
    pub fn addr(&self, path: &str) -> Option<std::net::SocketAddr> {
        match self.value(path)? {
            Value::Addr(a) => Some(*a),
            _ => None,
        }
    }

    /// A text setting.
    pub fn text(&self, path: &str) -> Option<String> {
        match self.value(path)? {
            Value::Text(t) => Some(t.clone()),
            _ => None,
        }
    }

    /// A whole-number setting.
    pub fn count(&self, path: &str) -> Option<u32> {
        match self.value(path)? {
            Value::Count(n) => Some(*n),
            _ => None,
        }
    }

    /// A seconds setting.
    pub fn seconds(&self, path: &str) -> Option<f64> {
        match self.value(path)? {
            Value::Seconds(s) => Some(*s),
            _ => None,
        }
    }

    /// A switch setting.
    pub fn switch(&self, path: &str) -> Option<bool> {
        match self.value(path)? {
            Value::Switch(b) => Some(*b),
            _ => None,
        }
    }

    /// The keys whose values differ from `other`'s.
    pub fn changed(&self, other: &Resolved) -> Vec<&'static Key> {
        self.settings
            .iter()
            .zip(&other.settings)
            .filter(|(a, b)| a.value != b.value)
            .map(|(a, _)| a.key)
            .collect()
    }
}
