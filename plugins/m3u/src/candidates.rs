//! The stream URL of a playlist channel.

/// The key of the stream URL in a channel's `extra`.
pub const URL: &str = "url";

/// The channel's stored URL as its single candidate, or none when it has none.
pub fn stream_candidates(extra: &[(String, String)]) -> Vec<String> {
    extra
        .iter()
        .filter(|(k, v)| k == URL && !v.trim().is_empty())
        .map(|(_, v)| v.trim().to_string())
        .take(1)
        .collect()
}
