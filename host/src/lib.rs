//! StreamForge: IPTV provider accounts and XMLTV guides, served as one
//! guide-first lineup through an emulated HDHomeRun tuner.
//!
//! Data flows one way: config → store → catalog/guide → matching → lineup → relay.
//! Provider-specific logic and matching policies are WebAssembly plugins
//! ([`plugins`]); the host keeps the fast path.

pub mod api;
pub mod app;
pub mod auth;
pub mod backup;
pub mod blocking;
pub mod camera;
pub mod camera_source;
pub mod catalog;
pub mod cli;
pub mod clock;
pub mod config;
pub mod console;
pub mod data_dir;
pub mod events;
pub mod fetch;
pub mod guide;
pub mod history;
pub mod hls_output;
pub mod lineup_control;
pub mod logos;
pub mod matching;
pub mod memory;
pub mod model;
pub mod plugins;
pub mod relay;
pub mod routing;
pub mod secrets;
pub mod server;
pub mod store;
pub mod text;
pub mod tokens;
pub mod tuner;
pub mod users;
pub mod xtream;
