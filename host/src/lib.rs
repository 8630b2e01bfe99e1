//! StreamForge: IPTV provider accounts and XMLTV guides, served as one
//! guide-first lineup through an emulated HDHomeRun tuner.
//!
//! Data flows one way: config → store → catalog/guide → matching → lineup → relay.
//! Provider-specific logic and matching policies are WebAssembly plugins
//! ([`plugins`]); the host keeps the fast path.

pub mod cli;
pub mod config;
pub mod events;
pub mod plugins;
