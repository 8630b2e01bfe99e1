//! StreamForge's test harness, shared by the end-to-end tests
//! (`tests/e2e`) and the benchmarks (`host/benches`), so each helper exists
//! once: where the binary is, bounded CLI runs, a `serve` that is always
//! reaped, waiting for a condition with a deadline, data dirs prepared
//! against the simulated panel (with the tests' own panel, not the demo's),
//! HTTP lookups, real clients (ffmpeg) and players (mpv, VLC), network
//! namespaces, a real RTSP camera (GStreamer's RTSP server) for the camera
//! feature and a real headless browser (Chromium through chromedriver) for
//! the pages.
//!
//! It drives StreamForge as a user does, through its binary and its HTTP
//! endpoints, so it does not depend on the `streamforge` library.

pub mod browser;
pub mod camera;
pub mod clips;
pub mod hls;
pub mod http;
pub mod media;
pub mod netns;
pub mod panel;
pub mod paths;
pub mod players;
pub mod process;
pub mod server;
pub mod tls;
pub mod tmpfs;
pub mod wait;

pub use browser::Browser;
pub use camera::{CameraOptions, Codec, Marker, RtspCamera};
pub use http::{client, get_json, number_of, playing};
pub use panel::{add_panel_account, prepared, prepared_at, second_of, test_panel};
pub use paths::{binary, data_dir, plugin_cache};
pub use players::{Player, Watched, Watching};
pub use process::{cli, run, streamforge, Reaped};
pub use server::{served_numbers, Server};
pub use wait::{wait_for, wait_for_explained, wait_for_ok, wait_until, wait_until_explained};
