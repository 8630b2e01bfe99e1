//! Reading a Protect bootstrap (`/proxy/protect/api/bootstrap`) into cameras.
//!
//! Only what StreamForge needs is read, leniently: `nvr.ports.rtsp` /
//! `nvr.ports.rtsps`, and per `cameras[]` entry `id`, `name`, `state`
//! (`CONNECTED` means online), `videoCodec` when present, and `channels[]`
//! with `name`, `width`, `height`, `rtspAlias` and `isRtspEnabled`. A camera
//! without an id is skipped; a channel without RTSP enabled or without a
//! usable alias is not a stream.

use crate::{Camera, CameraStream};
use serde_json::Value;

/// Where the controller serves RTSP, as the options and the bootstrap say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ports {
    /// `rtsp` or `rtsps`.
    pub scheme: &'static str,
    /// The port an option set; else the bootstrap's, else the default.
    pub forced: Option<u16>,
}

/// Protect's usual RTSP port.
pub const RTSP_PORT: u16 = 7447;
/// Protect's usual RTSPS port.
pub const RTSPS_PORT: u16 = 7441;

impl Ports {
    /// Reads options `scheme` and `rtsp-port` / `rtsps-port`.
    pub fn from_options(options: &[(String, String)]) -> Result<Ports, String> {
        let get = |key: &str| {
            options
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.trim())
                .filter(|v| !v.is_empty())
        };
        let scheme = match get("scheme") {
            None | Some("rtsp") => "rtsp",
            Some("rtsps") => "rtsps",
            Some(other) => {
                return Err(format!(
                    "option `scheme` must be rtsp or rtsps (it is `{}`)",
                    other.chars().take(20).collect::<String>()
                ))
            }
        };
        let key = if scheme == "rtsp" {
            "rtsp-port"
        } else {
            "rtsps-port"
        };
        let forced = match get(key) {
            None => None,
            Some(text) => Some(
                text.parse::<u16>()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| format!("option `{key}` must be a port number (1-65535)"))?,
            ),
        };
        Ok(Ports { scheme, forced })
    }

    fn port(&self, nvr: &Value) -> u16 {
        let (field, default) = match self.scheme {
            "rtsps" => ("rtsps", RTSPS_PORT),
            _ => ("rtsp", RTSP_PORT),
        };
        self.forced
            .or_else(|| {
                nvr.pointer(&format!("/ports/{field}"))
                    .and_then(number)
                    .and_then(|p| u16::try_from(p).ok())
                    .filter(|p| *p > 0)
            })
            .unwrap_or(default)
    }
}

/// A number, or a string holding one (controllers are not consistent).
fn number(v: &Value) -> Option<u64> {
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// An alias safe to put in a URL path as it is (Protect's are alphanumeric).
fn usable_alias(alias: &str) -> bool {
    !alias.is_empty()
        && alias.len() <= 128
        && alias
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn streams(camera: &Value, scheme: &str, port: u16) -> Vec<CameraStream> {
    let mut streams: Vec<CameraStream> = camera
        .get("channels")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|ch| ch.get("isRtspEnabled").and_then(Value::as_bool) == Some(true))
        .filter_map(|ch| {
            let alias = text(ch, "rtspAlias").filter(|a| usable_alias(a))?;
            let dim = |key: &str| {
                ch.get(key)
                    .and_then(number)
                    .and_then(|n| u32::try_from(n).ok())
                    .unwrap_or(0)
            };
            let (width, height) = (dim("width"), dim("height"));
            let label = text(ch, "name").unwrap_or_else(|| match height {
                0 => "stream".to_string(),
                h => format!("{h}p"),
            });
            Some(CameraStream {
                label,
                width,
                height,
                url_template: format!("{scheme}://{{host}}:{port}/{alias}"),
            })
        })
        .collect();
    // Best (largest) first; equal sizes keep the controller's order.
    streams.sort_by_key(|s| std::cmp::Reverse(u64::from(s.width) * u64::from(s.height)));
    streams
}

/// The cameras of a bootstrap body.
pub fn parse_bootstrap(body: &[u8], ports: &Ports) -> Result<Vec<Camera>, String> {
    let root: Value = serde_json::from_slice(body).map_err(|e| {
        format!("the controller's camera list is not readable JSON ({e}); is this a UniFi Protect controller?")
    })?;
    let list = root.get("cameras").and_then(Value::as_array).ok_or(
        "the controller's bootstrap has no `cameras` list; is this a UniFi Protect controller?",
    )?;
    let port = ports.port(root.get("nvr").unwrap_or(&Value::Null));
    let cameras = list
        .iter()
        .filter_map(|camera| {
            let key = text(camera, "id")?;
            let name = text(camera, "name").unwrap_or_else(|| key.clone());
            let online = camera
                .get("state")
                .and_then(Value::as_str)
                .is_some_and(|s| s.eq_ignore_ascii_case("CONNECTED"));
            let codec = text(camera, "videoCodec").map(|c| c.to_ascii_lowercase());
            Some(Camera {
                key,
                name,
                online,
                streams: streams(camera, ports.scheme, port),
                codec,
            })
        })
        .collect();
    Ok(cameras)
}
