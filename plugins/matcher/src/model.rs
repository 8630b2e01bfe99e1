//! Plain-Rust records the policy works on, mirroring the WIT `matcher` types
//! without the bindings so the algorithm is testable and benchable natively.

#![deny(missing_docs)]

/// A channel of an XMLTV guide (WIT `guide-channel`, minus the icon).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GuideChannel {
    /// The guide's channel id (`<channel id="BBCOne.uk">`).
    pub id: String,
    /// Every `<display-name>` the guide gives, in guide order.
    pub names: Vec<String>,
}

/// One provider stream with the account it belongs to (WIT `account-channel`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stream {
    /// Account name, as the host calls it.
    pub account: String,
    /// Stable id within the account (WIT `provider-channel.key`).
    pub key: String,
    /// The name as the provider wrote it; read when `base_name` is empty.
    pub name: String,
    /// Name without decorations, as the provider plugin parsed it.
    pub base_name: String,
    /// Lower-case decorations from the provider plugin (`uk`, `east`, `+1`, ...).
    pub tags: Vec<String>,
    /// The provider's own XMLTV id (`epg_channel_id` / `tvg-id`).
    pub guide_id: Option<String>,
}

/// One stream that carries one guide channel (WIT `channel-match`).
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// Guide channel id, as the guide wrote it.
    pub guide_id: String,
    /// Account of the stream.
    pub account: String,
    /// Stream key within the account.
    pub key: String,
    /// 0..1: 1.0 same guide id, 0.95 (+0.01 country) same name, ≤ 0.91 fuzzy.
    pub confidence: f32,
}

/// The user's matcher settings, read from WIT `options`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// Matches below this confidence are dropped (option `min-confidence`).
    pub min_confidence: f32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            min_confidence: 0.6,
        }
    }
}

impl Options {
    /// Reads `(key, value)` settings; unknown keys and unreadable values keep
    /// their defaults so a typo never breaks matching.
    pub fn from_pairs<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> Self {
        let mut options = Options::default();
        for (key, value) in pairs {
            if key.as_ref().trim().eq_ignore_ascii_case("min-confidence") {
                if let Ok(v) = value.as_ref().trim().parse::<f32>() {
                    if v.is_finite() {
                        options.min_confidence = v.clamp(0.0, 1.0);
                    }
                }
            }
        }
        options
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_parse_and_fallback() {
        assert_eq!(Options::from_pairs::<&str, &str>(&[]).min_confidence, 0.6);
        assert_eq!(
            Options::from_pairs(&[("min-confidence", " 0.8 ")]).min_confidence,
            0.8
        );
        assert_eq!(
            Options::from_pairs(&[("min-confidence", "abc")]).min_confidence,
            0.6
        );
        assert_eq!(
            Options::from_pairs(&[("min-confidence", "7")]).min_confidence,
            1.0
        );
        assert_eq!(
            Options::from_pairs(&[("min-confidence", "NaN")]).min_confidence,
            0.6
        );
    }
}
