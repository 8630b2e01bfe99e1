//! What the simulated panel serves: the account it accepts and the catalogue
//! it lists. Plain data, so a test can build or tweak one by hand.

use super::clip::Clip;
use super::clock::now_unix;
use std::collections::HashMap;
use std::time::Duration;

/// Account state as panels report it in `user_info.status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum AccountStatus {
    /// Working account.
    #[default]
    Active,
    /// Subscription ran out.
    Expired,
    /// Blocked by the panel owner.
    Banned,
    /// Switched off by the reseller.
    Disabled,
}

impl AccountStatus {
    /// The word panels put in `user_info.status`.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "Active",
            AccountStatus::Expired => "Expired",
            AccountStatus::Banned => "Banned",
            AccountStatus::Disabled => "Disabled",
        }
    }
}

/// How the panel answers a wrong username or password on `player_api.php`.
/// Real panels disagree, and the host must cope with each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum BadLoginReply {
    /// HTTP 200 with `{"user_info":{"auth":0}}` (most Xtream Codes panels).
    /// `xmltv.php` and `get.php` then answer 401 with an empty body.
    #[default]
    AuthZero,
    /// HTTP 401 with an empty body on every endpoint.
    Unauthorized,
    /// HTTP 404 with an nginx-style page on every endpoint.
    NotFound,
}

/// A live category (`get_live_categories`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimCategory {
    /// `category_id`, rendered as a string like real panels do.
    pub id: u32,
    /// `category_name`, e.g. `UK | Entertainment`.
    pub name: String,
}

/// One live stream of the catalogue (`get_live_streams`, `get.php`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimChannel {
    /// `stream_id`, the key used in stream URLs.
    pub stream_id: u32,
    /// `num`, the panel's own channel number.
    pub num: u32,
    /// Name as the provider wrote it, decorations and all.
    pub name: String,
    /// Clean name used as `<display-name>` in `xmltv.php`.
    pub guide_name: String,
    /// `stream_icon`; `None` renders as an empty string.
    pub icon: Option<String>,
    /// `epg_channel_id`; `None` renders as null or `""` (both occur).
    pub epg_channel_id: Option<String>,
    /// Category this stream is listed under.
    pub category_id: u32,
    /// `added`, unix seconds.
    pub added: u64,
    /// Catch-up days (`tv_archive_duration`); 0 means no archive.
    pub archive_days: u32,
}

/// Everything a simulated panel serves. Change it at runtime with
/// [`super::SimProvider::update_config`].
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Accepted username.
    pub username: String,
    /// Accepted password (echoed back in `user_info`, as real panels do).
    pub password: String,
    /// Reported account status; anything but `Active` lists no streams.
    pub status: AccountStatus,
    /// Expiry in unix seconds; `None` renders as null (unlimited).
    pub exp_date: Option<u64>,
    /// `created_at`, unix seconds.
    pub created_at: u64,
    /// `max_connections` the panel advertises.
    pub max_connections: u32,
    /// `active_cons` the panel reports on top of the streams it is serving
    /// (other devices on the account); the streams open now are added.
    pub active_cons: u32,
    /// `user_info.message` (often empty, sometimes a reseller's banner).
    pub message: String,
    /// How wrong credentials are answered.
    pub bad_login: BadLoginReply,
    /// Vary JSON field types per stream the way real panels do (numbers as
    /// strings, null vs empty string). Off gives one canonical shape.
    pub json_quirks: bool,
    /// `server_info.timezone`.
    pub timezone: String,
    /// First programme start of `xmltv.php`, unix seconds; `None` means the
    /// current hour.
    pub guide_start: Option<u64>,
    /// Hours of programmes per channel in `xmltv.php`.
    pub guide_hours: u32,
    /// Live categories.
    pub categories: Vec<SimCategory>,
    /// Live streams, in panel order.
    pub channels: Vec<SimChannel>,
    /// Clip played by one stream id; wins over everything else.
    pub clip_overrides: HashMap<u32, Clip>,
    /// Clip played by every stream without an override; wins over the
    /// choice by name (FHD/1080/4K/UHD → FHD clip, HD/720 → HD, else SD).
    pub default_clip: Option<Clip>,
    /// When set, stream URLs answer `302` to the simulator's load balancer
    /// (`SimProvider::lb_port`) with a token valid this long, as many panels
    /// do; the token is checked only when the load balancer is connected to.
    pub stream_redirect: Option<Duration>,
    /// When set, the panel allows only HLS (`allowed_output_formats` is
    /// `["m3u8"]`): `{id}.m3u8` answers `302` to this URL (an HLS playlist,
    /// e.g. a [`crate::SimHls`] stream) and MPEG-TS paths answer 403.
    pub hls_only: Option<String>,
    /// When a new stream would exceed `max_connections` open streams, close
    /// the oldest one and serve the new one (what many panels do). When
    /// false the simulator enforces no limit.
    pub evict_oldest: bool,
    /// The connection limit the panel really enforces, when it is smaller
    /// than the `max_connections` it advertises (real panels do this): a new
    /// stream beyond it closes the oldest one, whatever `evict_oldest` says.
    pub enforced_connections: Option<u32>,
    /// Stream time sent at once when a stream starts (a panel's buffered
    /// burst), then real-time pacing; `Duration::ZERO` for none.
    pub stream_burst: Duration,
}

impl Default for SimConfig {
    /// An active account `user`/`pass` with no channels.
    fn default() -> Self {
        let now = now_unix();
        SimConfig {
            username: "user".into(),
            password: "pass".into(),
            status: AccountStatus::Active,
            exp_date: Some(now + 365 * 86_400),
            created_at: 1_672_531_200,
            max_connections: 1,
            active_cons: 0,
            message: String::new(),
            bad_login: BadLoginReply::AuthZero,
            json_quirks: true,
            timezone: "Europe/Berlin".into(),
            guide_start: None,
            guide_hours: 24,
            categories: Vec::new(),
            channels: Vec::new(),
            clip_overrides: HashMap::new(),
            default_clip: None,
            stream_redirect: None,
            hls_only: None,
            evict_oldest: false,
            enforced_connections: None,
            stream_burst: Duration::ZERO,
        }
    }
}

impl SimConfig {
    /// Open streams at which a new one closes the oldest, if any.
    pub(crate) fn eviction_limit(&self) -> Option<usize> {
        match self.enforced_connections {
            Some(n) => Some(n.max(1) as usize),
            None => (self.evict_oldest && self.max_connections > 0)
                .then_some(self.max_connections as usize),
        }
    }

    /// Whether a request's credentials are the account's.
    pub(crate) fn accepts(&self, username: Option<&str>, password: Option<&str>) -> bool {
        username == Some(self.username.as_str()) && password == Some(self.password.as_str())
    }
}

/// One category as a plain row: (category id, name).
pub type CategoryRow = (u32, &'static str);

/// One live stream as a plain row: (stream id, name as the panel writes it,
/// guide display name, epg channel id or "", category id, icon slug or "").
pub type StreamRow = (
    u32,
    &'static str,
    &'static str,
    &'static str,
    u32,
    &'static str,
);

impl SimConfig {
    /// A panel serving `categories` and `streams` (in that order, numbered
    /// from 1), with default credentials and settings: the demo and the
    /// tests each describe their own panel this way.
    pub fn from_rows(categories: &[CategoryRow], streams: &[StreamRow]) -> SimConfig {
        let categories = categories
            .iter()
            .map(|&(id, name)| SimCategory {
                id,
                name: name.into(),
            })
            .collect();
        let channels = streams
            .iter()
            .zip(1..)
            .map(
                |(&(stream_id, name, guide, epg, category_id, icon), num)| SimChannel {
                    stream_id,
                    num,
                    name: name.into(),
                    guide_name: guide.into(),
                    icon: (!icon.is_empty())
                        .then(|| format!("http://logos.panel.example/picons/{icon}.png")),
                    epg_channel_id: (!epg.is_empty()).then(|| epg.into()),
                    category_id,
                    added: 1_700_000_000 + u64::from(num) * 3_607,
                    archive_days: if category_id == 2 { 7 } else { 0 },
                },
            )
            .collect();
        SimConfig {
            categories,
            channels,
            ..SimConfig::default()
        }
    }
}
