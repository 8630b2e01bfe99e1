//! Builders shared by the policy tests.
#![allow(dead_code)]

use streamforge_plugin_matcher::{match_channels, GuideChannel, Match, Options, Stream};

/// A guide channel with these display names.
pub fn guide(id: &str, names: &[&str]) -> GuideChannel {
    GuideChannel {
        id: id.into(),
        names: names.iter().map(|n| n.to_string()).collect(),
    }
}

/// A stream as a provider plugin hands it over: parsed with the names crate.
pub fn stream(account: &str, key: &str, name: &str) -> Stream {
    let parsed = streamforge_names::parse_name(name);
    Stream {
        account: account.into(),
        key: key.into(),
        name: name.into(),
        base_name: parsed.base_name,
        tags: parsed.tags,
        guide_id: None,
    }
}

/// A stream whose provider already split base name and tags.
pub fn parsed(account: &str, key: &str, name: &str, base: &str, tags: &[&str]) -> Stream {
    Stream {
        account: account.into(),
        key: key.into(),
        name: name.into(),
        base_name: base.into(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        guide_id: None,
    }
}

/// Runs the policy with default options.
pub fn run(guide: &[GuideChannel], streams: &[Stream]) -> Vec<Match> {
    match_channels(guide, streams, &Options::default())
}

/// Stream keys matched to `guide_id`, sorted.
pub fn keys(matches: &[Match], guide_id: &str) -> Vec<String> {
    let mut keys: Vec<String> = matches
        .iter()
        .filter(|m| m.guide_id == guide_id)
        .map(|m| m.key.clone())
        .collect();
    keys.sort();
    keys
}

/// Confidence of one (guide, stream key) match, if any.
pub fn confidence(matches: &[Match], guide_id: &str, key: &str) -> Option<f32> {
    matches
        .iter()
        .find(|m| m.guide_id == guide_id && m.key == key)
        .map(|m| m.confidence)
}
