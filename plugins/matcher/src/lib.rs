//! StreamForge's default channel matcher: decides which provider streams
//! carry which XMLTV guide channel (WIT world `channel-matcher`).
//!
//! The algorithm lives in plain-Rust modules so it runs and is tested
//! natively; this file only converts between WIT records and [`model`].

pub mod form;
pub mod guide;
pub mod index;
pub mod map;
pub mod model;
pub mod policy;
pub mod similarity;
pub mod synthetic;

pub use model::{GuideChannel, Match, Options, Stream};
pub use policy::match_channels;

wit_bindgen::generate!({ path: "../../wit/v0.1.0", world: "channel-matcher" });

use exports::streamforge::plugin::matcher as wit;

/// The component's export; stateless, every call stands alone. Exported
/// only in wasm: native builds keep the types for tests but emit no symbols.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
struct Matcher;

impl wit::Guest for Matcher {
    fn info() -> wit::PluginInfo {
        wit::PluginInfo {
            name: "matcher".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Matches provider streams to guide channels by guide id, exact name, \
                          then blocked fuzzy name similarity; feeds and numbers must agree."
                .into(),
        }
    }

    fn match_channels(
        guide: Vec<wit::GuideChannel>,
        streams: Vec<wit::AccountChannel>,
        options: Vec<(String, String)>,
    ) -> Vec<wit::ChannelMatch> {
        let guide: Vec<GuideChannel> = guide
            .into_iter()
            .map(|g| GuideChannel {
                id: g.id,
                names: g.names,
            })
            .collect();
        let streams: Vec<Stream> = streams
            .into_iter()
            .map(|s| Stream {
                account: s.account,
                key: s.channel.key,
                name: s.channel.name,
                base_name: s.channel.base_name,
                tags: s.channel.tags,
                guide_id: s.channel.guide_id,
            })
            .collect();
        policy::match_channels(&guide, &streams, &Options::from_pairs(&options))
            .into_iter()
            .map(|m| wit::ChannelMatch {
                guide_id: m.guide_id,
                account: m.account,
                channel_key: m.key,
                confidence: m.confidence,
            })
            .collect()
    }
}

#[cfg(target_arch = "wasm32")]
export!(Matcher);

#[cfg(test)]
mod tests {
    use super::streamforge::plugin::types::Quality;
    use super::wit::{AccountChannel, Guest, GuideChannel, ProviderChannel};
    use super::Matcher;

    fn channel(key: &str, name: &str, guide_id: Option<&str>) -> ProviderChannel {
        ProviderChannel {
            key: key.into(),
            name: name.into(),
            base_name: String::new(),
            quality: Quality::Unknown,
            tags: vec![],
            group: None,
            logo: None,
            guide_id: guide_id.map(Into::into),
            number: None,
            extra: vec![],
        }
    }

    #[test]
    fn wit_records_round_trip() {
        let guide = vec![GuideChannel {
            id: "BBCOne.uk".into(),
            names: vec!["BBC One".into()],
            number: None,
            icon: None,
        }];
        let streams = vec![
            AccountChannel {
                account: "a".into(),
                channel: channel("7", "UK: BBC One HD", None),
            },
            AccountChannel {
                account: "b".into(),
                channel: channel("8", "whatever", Some("bbcone.uk")),
            },
        ];
        let out = Matcher::match_channels(
            guide,
            streams,
            vec![("min-confidence".into(), "0.5".into())],
        );
        let got: Vec<(&str, &str, f32)> = out
            .iter()
            .map(|m| (m.account.as_str(), m.channel_key.as_str(), m.confidence))
            .collect();
        assert_eq!(got, [("b", "8", 1.0), ("a", "7", 0.96)]);
        assert!(out.iter().all(|m| m.guide_id == "BBCOne.uk"));
        assert_eq!(Matcher::info().name, "matcher");
    }
}
