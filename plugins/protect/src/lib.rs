//! StreamForge camera source for UniFi-Protect-style controllers (WIT world
//! `camera-source`, contract 0.2.0).
//!
//! The flow, one round per call (the host performs the requests):
//! - round 0: `POST {server}/api/auth/login` with the JSON body
//!   `{"username":"{username}","password":"{password}"}`; the host fills the
//!   credentials (JSON-escaped) and keeps the session cookie the controller
//!   sets (`set-cookie` never reaches a plugin);
//! - round 1: `GET {server}/proxy/protect/api/bootstrap` with the login
//!   answer's `x-csrf-token`; the host adds the session cookie;
//! - round 2: the bootstrap's `cameras[]` become cameras, each enabled RTSP
//!   channel a stream `rtsp://{host}:{port}/{rtspAlias}`, where `{host}` is
//!   the controller's host (filled by the host) and the port comes from
//!   option `rtsp-port`, else the bootstrap's `nvr.ports.rtsp`, else 7447.
//!
//! Options: `rtsp-port` (a number), `scheme` (`rtsp`, the default, or
//! `rtsps`: then `rtsps-port`, `nvr.ports.rtsps` or 7441).
//!
//! The logic lives in [`flow`] and [`bootstrap`], tested natively; this file
//! only exports it.

pub mod bootstrap;
pub mod flow;

// The contract's generated bindings carry no docs of their own, so this
// crate does not `deny(missing_docs)`; its own items are documented.
wit_bindgen::generate!({ path: "../../wit/v0.2.0", world: "camera-source" });

pub use exports::streamforge::plugin::cameras::{
    Camera, CameraStep, CameraStream, HttpRequest, HttpResponse, PluginInfo,
};
pub use streamforge::plugin::types::{BodyTemplate, HttpMethod};

/// The exported camera source. Exported only when built for wasm: a native
/// build (for the unit tests) cannot carry the component's export names.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
struct Protect;

impl exports::streamforge::plugin::cameras::Guest for Protect {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "protect".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description:
                "UniFi-Protect-style controllers: logs in, lists cameras and their RTSP channels."
                    .into(),
        }
    }

    fn list_cameras(
        options: Vec<(String, String)>,
        round: u32,
        answers: Vec<HttpResponse>,
    ) -> Result<CameraStep, String> {
        flow::step(&options, round, &answers)
    }
}

#[cfg(target_arch = "wasm32")]
export!(Protect);
