//! Plain Rust shapes of what the plugin exchanges with the host, free of WIT
//! types so the logic can be unit-tested natively. `lib.rs` converts them;
//! the shapes every adapter shares come from the kit.

pub use streamforge_plugin_kit::{Channel, Request, Response};

/// What the panel said about the account (`user_info`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Account {
    /// Whether the panel accepts the credentials (`auth`).
    pub authenticated: bool,
    /// The panel's word for the state ("Active", "Expired", ...).
    pub status: String,
    /// Expiry as Unix seconds (`exp_date`), when there is one.
    pub expires_at: Option<i64>,
    /// Connections the account may open (`max_connections`).
    pub max_connections: Option<u32>,
    /// Connections open now (`active_cons`).
    pub active_connections: Option<u32>,
    /// Output formats the panel allows (`allowed_output_formats`), lower-case.
    pub formats: Vec<String>,
}

/// A parsed catalogue and how many rows were unusable.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Catalog {
    /// The usable streams, in the panel's order.
    pub channels: Vec<Channel>,
    /// Each channel's catch-up days (`tv_archive_duration` where
    /// `tv_archive` is set; 0: none), in the order of `channels`.
    pub archive_days: Vec<u32>,
    /// The panel's time zone (`server_info.timezone`), which its archive
    /// times are written in, when it said one.
    pub zone: Option<String>,
    /// Rows skipped for a missing or bad `stream_id` or name, or a repeated id.
    pub skipped: usize,
}
