//! Plain Rust shapes of what the plugin exchanges with the host, free of WIT
//! types so the logic can be unit-tested natively. `lib.rs` converts them.

use streamforge_names::Quality;

/// An HTTP request for the host to perform; the URL is a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// What the request is for ("account", "categories", "streams").
    pub purpose: String,
    /// URL with `{server}`, `{username}`, `{password}` placeholders.
    pub url_template: String,
}

impl Request {
    /// A plain GET of `url_template` for `purpose`.
    pub fn new(purpose: &str, url_template: String) -> Self {
        Request {
            purpose: purpose.to_string(),
            url_template,
        }
    }
}

/// The host's answer to one request, borrowed from the WIT record.
#[derive(Debug, Clone, Copy)]
pub struct Response<'a> {
    /// The purpose of the request this answers.
    pub purpose: &'a str,
    /// HTTP status code.
    pub status: u16,
    /// Body, with credentials already replaced by their placeholders.
    pub body: &'a [u8],
}

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

/// One live stream of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    /// `stream_id` as a decimal string.
    pub key: String,
    /// The name as the panel wrote it.
    pub name: String,
    /// The name without decorations, from `streamforge_names::parse_name`.
    pub base_name: String,
    /// Quality tier read from the name.
    pub quality: Quality,
    /// Tags read from the name.
    pub tags: Vec<String>,
    /// Category name (or id when the category is unknown).
    pub group: Option<String>,
    /// `stream_icon`, when not empty.
    pub logo: Option<String>,
    /// `epg_channel_id`, when not empty.
    pub guide_id: Option<String>,
    /// `num`, the panel's channel number.
    pub number: Option<u32>,
}

/// A parsed catalogue and how many rows were unusable.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Catalog {
    /// The usable streams, in the panel's order.
    pub channels: Vec<Channel>,
    /// Rows skipped for a missing or bad `stream_id` or name, or a repeated id.
    pub skipped: usize,
}
