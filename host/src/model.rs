//! The host's own words for what plugins tell it: provider channels, quality,
//! stream candidates, guide channels, matches, plugin info.
//!
//! Every module outside `plugins/` works on these types only; each contract
//! version's generated bindings convert into and out of them
//! (`plugins/bindings/v*.rs`). They are also what the store keeps, so a new
//! contract version never changes the database format (their JSON form is
//! pinned by a test below).

use serde::{Deserialize, Serialize};

/// Picture quality tier, best first: 4K/UHD > FHD/1080 > HD/720 > SD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Quality {
    /// 4K / UHD / 2160p.
    Uhd,
    /// Full HD / 1080p.
    Fhd,
    /// HD / 720p.
    Hd,
    /// Standard definition.
    Sd,
    /// The name says nothing about quality.
    Unknown,
}

impl Quality {
    /// Rank for "best first" ordering: lower is better.
    pub fn tier(self) -> u8 {
        match self {
            Quality::Uhd => 0,
            Quality::Fhd => 1,
            Quality::Hd => 2,
            Quality::Sd => 3,
            Quality::Unknown => 4,
        }
    }

    /// How users write it: "4K", "FHD", "HD", "SD", or "unknown quality".
    pub fn label(self) -> &'static str {
        match self {
            Quality::Uhd => "4K",
            Quality::Fhd => "FHD",
            Quality::Hd => "HD",
            Quality::Sd => "SD",
            Quality::Unknown => "unknown quality",
        }
    }

    /// Whether clients should see the channel as HD (HDHomeRun's `HD` flag).
    pub fn is_hd(self) -> bool {
        matches!(self, Quality::Uhd | Quality::Fhd | Quality::Hd)
    }
}

impl std::fmt::Display for Quality {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// The HTTP method of a plugin's request (contract 0.2.0 lets plugins
/// choose; 0.1.0 requests are all GET).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum HttpMethod {
    /// GET, the default.
    #[default]
    Get,
    /// HEAD.
    Head,
    /// POST (a login).
    Post,
    /// PUT.
    Put,
    /// PATCH.
    Patch,
    /// DELETE.
    Delete,
}

impl HttpMethod {
    /// The method's name on the wire ("POST").
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Head => "HEAD",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }
}

/// A request body with placeholders, filled by the host right before the
/// request, each value escaped for the body's kind. It exists so a login can
/// POST credentials the plugin never sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BodyTemplate {
    /// JSON text (`application/json`); values are JSON-escaped.
    Json(String),
    /// `application/x-www-form-urlencoded` text; values are percent-encoded.
    Form(String),
}

/// An HTTP request the host performs on a plugin's behalf; the URL is a
/// template the host fills with the account's server and credentials.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpRequest {
    /// What the request is for, shown in progress and events ("streams").
    pub purpose: String,
    /// GET unless the plugin asked for another method.
    #[serde(default)]
    pub method: HttpMethod,
    /// URL with placeholders such as `{server}` and `{password}`.
    pub url_template: String,
    /// Extra request headers (templates too).
    pub headers: Vec<(String, String)>,
    /// The body, a template too; none for most requests.
    #[serde(default)]
    pub body: Option<BodyTemplate>,
}

impl HttpRequest {
    /// A GET of `url_template` without a body.
    pub fn get(purpose: &str, url_template: &str, headers: Vec<(String, String)>) -> Self {
        HttpRequest {
            purpose: purpose.to_string(),
            method: HttpMethod::Get,
            url_template: url_template.to_string(),
            headers,
            body: None,
        }
    }
}

/// The host's answer to one [`HttpRequest`], credentials already replaced by
/// their placeholders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpResponse {
    /// The request's purpose, echoed.
    pub purpose: String,
    /// HTTP status code.
    pub status: u16,
    /// Response headers, scrubbed.
    pub headers: Vec<(String, String)>,
    /// Response body, scrubbed.
    pub body: Vec<u8>,
}

/// What a channel name says once its decorations are read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParsedName {
    /// The name without country, quality, codec or rate decorations.
    pub base_name: String,
    /// The quality the name announces.
    pub quality: Quality,
    /// Lower-case decorations that are not quality ("uk", "hevc", "+1").
    pub tags: Vec<String>,
}

/// One channel of a provider's catalogue, as stored after a sync.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProviderChannel {
    /// Stable id within the account (Xtream `stream_id`, a hash for M3U).
    pub key: String,
    /// The name as the provider wrote it.
    pub name: String,
    /// The name without decorations.
    pub base_name: String,
    /// Quality tier read from the name.
    pub quality: Quality,
    /// Decorations that are not quality.
    pub tags: Vec<String>,
    /// The provider's group or category.
    pub group: Option<String>,
    /// The provider's logo URL.
    pub logo: Option<String>,
    /// The provider's own XMLTV id.
    pub guide_id: Option<String>,
    /// The provider's channel number.
    pub number: Option<u32>,
    /// Provider-specific data the plugin wants back when asked for candidates.
    pub extra: Vec<(String, String)>,
}

/// A way to play a channel, as a URL template for the host to fill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// URL with placeholders.
    pub url_template: String,
    /// Extra request headers.
    pub headers: Vec<(String, String)>,
}

/// What a provider said about an account (Xtream `user_info`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountStatus {
    /// Whether the provider accepts these credentials now.
    pub authenticated: bool,
    /// The provider's word for the state: "Active", "Expired", ...
    pub status: String,
    /// Expiry as Unix seconds, when the provider says.
    pub expires_at: Option<i64>,
    /// Connections the subscription allows.
    pub max_connections: Option<u32>,
    /// Connections open now.
    pub active_connections: Option<u32>,
    /// Output formats the provider allows ("ts", "m3u8").
    pub formats: Vec<String>,
}

/// Who a plugin says it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PluginInfo {
    /// Its name; accounts refer to it.
    pub name: String,
    /// Its own version.
    pub version: String,
    /// One line on what it does.
    pub description: String,
}

/// A channel of an XMLTV guide, as the matcher sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuideChannel {
    /// The XMLTV channel id.
    pub id: String,
    /// Its display names, first is preferred.
    pub names: Vec<String>,
    /// The guide's channel number, if any.
    pub number: Option<String>,
    /// The guide's icon URL, if any.
    pub icon: Option<String>,
}

/// A provider stream and the account it belongs to (matcher input).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountChannel {
    /// The account's name.
    pub account: String,
    /// One channel of its catalogue.
    pub channel: ProviderChannel,
}

/// One provider stream that carries a guide channel (matcher output).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelMatch {
    /// The guide channel's XMLTV id.
    pub guide_id: String,
    /// The account the stream belongs to.
    pub account: String,
    /// The stream's key in that account's catalogue.
    pub channel_key: String,
    /// 0..1; 1 means certain.
    pub confidence: f32,
}

/// One RTSP stream of a camera as a camera-source plugin listed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CameraStream {
    /// The channel's name or a resolution label ("High", "1080p").
    pub label: String,
    /// Picture width in pixels; 0 when unknown.
    pub width: u32,
    /// Picture height in pixels; 0 when unknown.
    pub height: u32,
    /// RTSP URL template on the controller's host (`rtsp://{host}:7447/x`);
    /// filled by the host right before it connects.
    pub url_template: String,
}

/// A camera as a camera-source plugin listed it: what the camera service
/// needs to open it, in the host's own words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CameraSpec {
    /// Stable id within the controller.
    pub key: String,
    /// The name the controller shows.
    pub name: String,
    /// Whether the controller says it is connected now.
    pub online: bool,
    /// Its RTSP streams, best (largest) first.
    pub streams: Vec<CameraStream>,
    /// Video codec when the controller says ("h264", "h265").
    pub codec: Option<String>,
}

/// What a camera-source plugin answers in one round: more requests, or the
/// cameras.
#[derive(Debug, Clone, PartialEq)]
pub enum CameraStep {
    /// Perform these and call the plugin again with their answers.
    Requests(Vec<HttpRequest>),
    /// Done.
    Cameras(Vec<CameraSpec>),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The store keeps `ProviderChannel` as this JSON; a change here is a
    /// database format change and needs a migration.
    #[test]
    fn stored_form_of_a_channel_is_pinned() {
        let channel = ProviderChannel {
            key: "101".into(),
            name: "UK: BBC One FHD".into(),
            base_name: "BBC One".into(),
            quality: Quality::Fhd,
            tags: vec!["uk".into()],
            group: Some("UK".into()),
            logo: None,
            guide_id: Some("BBCOne.uk".into()),
            number: Some(1),
            extra: vec![("k".into(), "v".into())],
        };
        let json = serde_json::to_string(&channel).unwrap();
        assert_eq!(
            json,
            r#"{"key":"101","name":"UK: BBC One FHD","base_name":"BBC One","quality":"Fhd","tags":["uk"],"group":"UK","logo":null,"guide_id":"BBCOne.uk","number":1,"extra":[["k","v"]]}"#
        );
        assert_eq!(
            serde_json::from_str::<ProviderChannel>(&json).unwrap(),
            channel
        );
    }

    #[test]
    fn quality_reads_as_users_write_it() {
        assert_eq!(Quality::Fhd.to_string(), "FHD");
        assert_eq!(Quality::Uhd.to_string(), "4K");
        assert!(Quality::Uhd.tier() < Quality::Sd.tier());
        assert!(Quality::Hd.is_hd() && !Quality::Sd.is_hd());
    }
}
