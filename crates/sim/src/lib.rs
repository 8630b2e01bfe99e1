//! A simulated Xtream Codes panel on loopback, so tests (and later
//! `streamforge demo`) can exercise the whole provider path without a real
//! subscription.
//!
//! It answers `player_api.php` (account info, live categories, live streams),
//! `xmltv.php` and `get.php` the way real panels do, messy field types and all,
//! serves every catalogue stream as live MPEG-TS (a looped H.264 + AAC
//! [`Clip`] paced at its real bitrate, optionally through a redirecting load
//! balancer, evicting the oldest connection at the limit), and lets a test
//! switch faults on per endpoint or per stream at runtime
//! ([`SimProvider::set_fault`]). It binds `127.0.0.1:0` only. A simulated
//! UniFi-Protect-style camera controller ([`SimController`], login plus a
//! bootstrap listing cameras and their RTSP channels) runs on its own listener.
//!
//! Layout, one concern per file: [`config`] (what the panel serves),
//! `demo`/`generated` (ready-made catalogues), [`faults`] (what can go wrong),
//! `provider` (the handle), `server` (binding and serving both listeners),
//! `router` (route tables), `player_api`/`xmltv`/`playlist` (the API
//! endpoints), `streams`/`lb` (stream routes on the panel and the load
//! balancer), `live_body` (one stream's sending loop), `clip`/`timing`/`pick`
//! (clips, their loop length, which one a stream plays), `looper`/`pacer`
//! (endless TS, real-time pacing), `open_streams`/`tokens` (eviction,
//! counters, redirect tokens), `listener`/`shutdown` (connection tracking and
//! teardown), [`controller`] (the camera controller).

mod archive;
mod clip;
mod clock;
pub mod config;
mod control;
pub mod controller;
mod deliver;
mod demo;
pub mod faults;
mod generated;
pub mod hls;
mod lb;
mod listener;
mod live_body;
mod looper;
mod open_streams;
mod pacer;
mod params;
mod pick;
mod player_api;
mod playlist;
mod provider;
mod router;
mod server;
mod shutdown;
mod state;
mod streams;
mod timing;
mod tokens;
mod xmltv;

pub use clip::{Clip, ClipKind};
pub use config::{
    AccountStatus, BadLoginReply, CategoryRow, SimCategory, SimChannel, SimConfig, StreamRow,
};
pub use controller::{
    ControllerConfig, ControllerRequest, SimCamera, SimCameraChannel, SimController,
};
pub use faults::{Endpoint, Fault};
pub use hls::{HlsFault, SimHls};
pub use provider::SimProvider;
pub use state::SimRequest;
