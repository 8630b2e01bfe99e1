//! A simulated Xtream Codes panel on loopback, so tests (and later
//! `streamforge demo`) can exercise the whole provider path without a real
//! subscription.
//!
//! It answers `player_api.php` (account info, live categories, live streams),
//! `xmltv.php` and `get.php` the way real panels do, messy field types and all,
//! and lets a test switch faults on per endpoint at runtime
//! ([`SimProvider::set_fault`]). It binds `127.0.0.1:0` only.
//!
//! Layout, one concern per file: [`config`] (what the panel serves),
//! `demo`/`generated` (ready-made catalogues), [`faults`] (what can go wrong),
//! `provider` (the handle), `router` (route table; stream routes are merged in
//! there by their own file later), `player_api`/`xmltv`/`playlist` (the
//! endpoints), `listener`/`shutdown` (connection tracking and teardown).

mod clock;
pub mod config;
mod deliver;
mod demo;
pub mod faults;
mod generated;
mod listener;
mod params;
mod player_api;
mod playlist;
mod provider;
mod router;
mod shutdown;
mod state;
mod xmltv;

pub use config::{AccountStatus, BadLoginReply, SimCategory, SimChannel, SimConfig};
pub use faults::{Endpoint, Fault};
pub use provider::SimProvider;
pub use state::SimRequest;
