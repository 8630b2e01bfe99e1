//! Plain Rust shapes of what a provider plugin exchanges with the host, free
//! of WIT types so each plugin's logic can be unit-tested natively.

use streamforge_names::{parse_name, Quality};

/// An HTTP request for the host to perform, as plain data a plugin's request
/// list can be tested with; the URL is a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// What the request is for ("account", "streams", "playlist").
    pub purpose: String,
    /// URL with placeholders such as `{server}`, `{url}`, `{username}`.
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

/// The host's answer to one request, borrowed from the WIT record, so parsers
/// can be fed test data without building WIT records.
#[derive(Debug, Clone, Copy)]
pub struct Response<'a> {
    /// The purpose of the request this answers.
    pub purpose: &'a str,
    /// HTTP status code.
    pub status: u16,
    /// Body, with credentials already replaced by their placeholders.
    pub body: &'a [u8],
}

/// One channel of a provider's catalogue, before it becomes a WIT
/// `provider-channel`: what every provider adapter reports about a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    /// Stable id within the account (Xtream `stream_id`, a URL hash for M3U).
    pub key: String,
    /// The name as the provider wrote it.
    pub name: String,
    /// The name without decorations, from `streamforge_names::parse_name`.
    pub base_name: String,
    /// Quality tier read from the name.
    pub quality: Quality,
    /// Tags read from the name.
    pub tags: Vec<String>,
    /// The provider's group or category.
    pub group: Option<String>,
    /// Logo URL.
    pub logo: Option<String>,
    /// The provider's own XMLTV id.
    pub guide_id: Option<String>,
    /// The provider's channel number.
    pub number: Option<u32>,
}

impl Channel {
    /// A channel known only by key and name, with base name, quality and tags
    /// read from the name, so every adapter reads names the same way.
    pub fn named(key: String, name: String) -> Self {
        let parsed = parse_name(&name);
        Channel {
            key,
            name,
            base_name: parsed.base_name,
            quality: parsed.quality,
            tags: parsed.tags,
            group: None,
            logo: None,
            guide_id: None,
            number: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_reads_the_name() {
        let ch = Channel::named("7".into(), "UK: BBC One FHD".into());
        let parsed = parse_name("UK: BBC One FHD");
        assert_eq!(ch.key, "7");
        assert_eq!(ch.name, "UK: BBC One FHD");
        assert_eq!(ch.base_name, parsed.base_name);
        assert_eq!(ch.quality, parsed.quality);
        assert_eq!(ch.tags, parsed.tags);
        assert_eq!(
            (ch.group, ch.logo, ch.guide_id, ch.number),
            (None, None, None, None)
        );
    }
}
