//! StreamForge camera source for one camera added by hand
//! (`camera add NAME --url rtsp://...`; WIT world `camera-source`, contract
//! 0.2.0). No requests: its options are the camera.
//!
//! Options:
//! - `url`: the camera's RTSP URL template, `rtsp://` or `rtsps://`, with
//!   `{username}` / `{password}` where the credentials go (the host stores
//!   them apart and fills them right before it connects), e.g.
//!   `rtsp://{username}:{password}@192.168.1.20:554/stream1`. The host
//!   accepts it only on the camera's own host (its "controller" server).
//! - `name`: the camera's name; also its key (default `camera`).
//!
//! The camera is reported online: only opening the stream tells, and the
//! camera service does that.

// The contract's generated bindings carry no docs of their own, so this
// crate does not `deny(missing_docs)`; its own items are documented.
wit_bindgen::generate!({ path: "../../wit/v0.2.0", world: "camera-source" });

use exports::streamforge::plugin::cameras::{
    Camera, CameraStep, CameraStream, Guest, HttpResponse, PluginInfo,
};

/// The one camera the options describe, or what is wrong with them.
pub fn camera(options: &[(String, String)]) -> Result<Camera, String> {
    let get = |key: &str| {
        options
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    };
    let url = get("url").ok_or(
        "option `url` is missing: give the camera's stream address, \
         e.g. rtsp://{username}:{password}@192.168.1.20:554/stream1",
    )?;
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("rtsp://") || lower.starts_with("rtsps://")) {
        return Err(format!(
            "option `url` must start with rtsp:// or rtsps:// (it is `{}`)",
            url.chars().take(80).collect::<String>()
        ));
    }
    let name = get("name").unwrap_or("camera");
    Ok(Camera {
        key: name.to_string(),
        name: name.to_string(),
        online: true,
        streams: vec![CameraStream {
            label: "main".into(),
            width: 0,
            height: 0,
            url_template: url.to_string(),
        }],
        codec: None,
    })
}

/// The exported camera source. Exported only when built for wasm: a native
/// build (for the unit tests) cannot carry the component's export names.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
struct Rtsp;

impl Guest for Rtsp {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "rtsp".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "One camera added by hand: its rtsp:// or rtsps:// URL.".into(),
        }
    }

    fn list_cameras(
        options: Vec<(String, String)>,
        _round: u32,
        _answers: Vec<HttpResponse>,
    ) -> Result<CameraStep, String> {
        camera(&options).map(|c| CameraStep::Cameras(vec![c]))
    }
}

#[cfg(target_arch = "wasm32")]
export!(Rtsp);

#[cfg(test)]
mod tests {
    use super::*;

    fn options(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn one_camera_from_url_and_name() {
        let url = "rtsp://{username}:{password}@192.168.1.20:554/stream1";
        let c = camera(&options(&[("url", url), ("name", "porch")])).unwrap();
        assert_eq!((c.key.as_str(), c.name.as_str()), ("porch", "porch"));
        assert!(c.online);
        assert_eq!(c.streams.len(), 1);
        assert_eq!(c.streams[0].url_template, url);
        let unnamed = camera(&options(&[("url", "rtsps://cam.local/x")])).unwrap();
        assert_eq!(unnamed.name, "camera");
    }

    #[test]
    fn a_missing_or_non_rtsp_url_says_what_to_give() {
        let err = camera(&options(&[("name", "porch")])).unwrap_err();
        assert!(err.contains("option `url` is missing"), "{err}");
        let err = camera(&options(&[("url", "http://cam.local/x")])).unwrap_err();
        assert!(err.contains("must start with rtsp://"), "{err}");
    }
}
