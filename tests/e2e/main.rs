//! StreamForge's end-to-end tests, in one binary (each extra test binary
//! links wasmtime again): the real `streamforge` binary and its HTTP
//! endpoints driven as a user would, against the simulated panel, real
//! clients (ffmpeg, hdhomerun_config, tv_validate_file), real plugins and a
//! real RTSP camera (GStreamer).
//! One module per area; shared helpers come from `streamforge-testkit`.

mod common;

mod backup;
mod camera_controller;
mod camera_fixture;
mod camera_page;
mod cameras;
mod catalog_cli;
mod catalog_large;
mod config_file;
mod console;
mod demo;
mod discovery_ssdp;
mod discovery_udp;
mod guide_ingest;
mod guide_shift;
mod hostile_plugins;
mod https_accounts;
mod lineup_control;
mod lineups;
mod logos;
mod names_through_plugin;
mod plugin_cli;
mod relay_content;
mod relay_failover;
mod relay_hls;
mod relay_players;
mod relay_put_back;
mod relay_ranking;
mod relay_stream;
mod secrets_and_fetch;
mod security_cameras;
mod security_connections;
mod security_signin;
mod serve_admin;
mod store_failure;
mod sync_kill;
mod systemd_unit;
mod tokens_cli;
mod tuner_accounting;
mod tuner_http;
mod xtream;
