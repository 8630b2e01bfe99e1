//! The Xtream Codes door: the API TiviMate, IPTV Smarters and friends speak
//! (`player_api.php`, `get.php`, `xmltv.php`, `/live/{user}/{pass}/{id}.ts`
//! and `.m3u8`, catch-up under `/timeshift/`),
//! served from a user's lineup through the same relay, shared sessions and
//! connection ledger as the HDHomeRun tuner. There is no spec; the shapes
//! follow what real panels answer and what client libraries read.

mod api;
mod auth;
mod catchup;
mod ids;
mod live;
mod output;
mod slots;

pub use ids::{number_of_stream, stream_id};

use crate::auth::SignInLimiter;
use crate::hls_output::HlsOutputs;
use crate::relay::Relay;
use crate::routing::Routing;
use crate::store::UserRecord;
use crate::tuner::SharedDevice;
use axum::routing::get;
use axum::Router;
use std::sync::Arc;

/// What the door's handlers share.
#[derive(Clone)]
pub struct XtreamState {
    /// The snapshot: users, lineups, guides.
    pub routing: Arc<Routing>,
    /// Plays the streams.
    pub relay: Arc<Relay>,
    /// Failed sign-ins per client (shared with the console: one guesser, one budget).
    pub limiter: Arc<SignInLimiter>,
    /// The main device (its base URL, when a request names no host).
    pub device: SharedDevice,
    /// Passwords already checked against their hash (argon2 once, not per request).
    verified: Arc<auth::Verified>,
    /// Each user's channels playing now.
    slots: Arc<slots::UserSlots>,
    /// The live HLS outputs (`.m3u8` streams).
    hls: Arc<HlsOutputs>,
    /// Each user's catch-up under way.
    catchups: Arc<catchup::CatchUps>,
}

impl XtreamState {
    /// The door over these parts.
    pub fn new(
        routing: Arc<Routing>,
        relay: Arc<Relay>,
        limiter: Arc<SignInLimiter>,
        device: SharedDevice,
    ) -> Self {
        XtreamState {
            routing,
            relay,
            limiter,
            device,
            verified: Default::default(),
            slots: Default::default(),
            hls: Default::default(),
            catchups: Default::default(),
        }
    }
}

impl XtreamState {
    /// One of `user`'s connections for `channel` (see `slots`). At their
    /// limit, an HLS output of theirs that nothing else of theirs watches
    /// gives way first: its player changed channels and just stopped asking.
    async fn take_slot(&self, user: &UserRecord, channel: &str) -> Option<slots::UserSlot> {
        let slot = self.slots.take(&user.name, channel, user.max_connections);
        if slot.is_some() {
            return slot;
        }
        let alone = |c: &str| self.slots.viewers(&user.name, c) == 1;
        if !self.hls.end_one_of(&user.name, alone).await {
            return None;
        }
        self.slots.take(&user.name, channel, user.max_connections)
    }
}

/// The door's routes (GET and POST alike, form and query merged).
pub fn router(state: XtreamState) -> Router {
    Router::new()
        .route(
            "/player_api.php",
            get(api::player_api).post(api::player_api),
        )
        .route("/get.php", get(output::playlist).post(output::playlist))
        .route("/xmltv.php", get(output::guide).post(output::guide))
        .route("/live/{user}/{pass}/{stream}", get(live::stream))
        .route("/hls/{token}/{segment}", get(live::segment))
        .route(
            "/timeshift/{user}/{pass}/{minutes}/{start}/{file}",
            get(catchup::by_path),
        )
        .route("/streaming/timeshift.php", get(catchup::by_query))
        .with_state(state)
}
