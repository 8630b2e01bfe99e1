//! What the relay tells each stream's history (`crate::history`) and how it
//! reads it back: connects and their failures, mid-stream failures, seconds
//! played with their bitrate, the measured format; and the connect order of
//! a channel's streams with what was learned on top of the routing table's.
//! Every call is a short in-memory update (no database, no plugin).

use super::connect::Connected;
use super::health::Failure;
use super::upstream::ConnectError;
use super::Relay;
use crate::clock::now_unix;
use crate::history::{MeasuredFormat, StreamId};
use crate::matching::rank::{self, RankKey};
use crate::model::Quality;
use crate::routing::table::{ChannelRoute, RouteStream};
use std::sync::Arc;
use std::time::Duration;

fn id(stream: &RouteStream) -> StreamId {
    StreamId::new(&stream.account.name, &stream.channel.key)
}

/// `stream` connected; its first bytes came after `took`.
pub(crate) fn connected(relay: &Relay, stream: &RouteStream, took: Duration) {
    let ms = took.as_millis().min(u128::from(u32::MAX)) as u32;
    relay
        .history
        .update(&id(stream), |r| r.note_connected(ms, now_unix()));
}

/// A connect to `stream` failed.
pub(crate) fn connect_failed(relay: &Relay, stream: &RouteStream, error: &ConnectError) {
    let reason = error.reason();
    relay
        .history
        .update(&id(stream), |r| r.note_connect_failure(&reason, now_unix()));
}

/// `source` failed while playing; `evicted`: the provider closed it for
/// another connection on its account (not the stream's fault).
pub(crate) fn failed(relay: &Relay, source: &Connected, failure: &Failure, evicted: bool) {
    let kind = if evicted { "eviction" } else { failure.kind() };
    relay
        .history
        .update(&id(&source.stream), |r| r.note_failure(kind, now_unix()));
}

/// `stream`'s picture and sound measured as `measured`.
pub(crate) fn measured(relay: &Relay, stream: &RouteStream, measured: &super::Measured) {
    let (Some(tier), Some(video)) = (measured.tier.as_deref().and_then(quality), &measured.video)
    else {
        return;
    };
    let format = MeasuredFormat {
        tier,
        video: video.clone(),
        audio: measured.audio.clone(),
        at: now_unix(),
    };
    relay
        .history
        .update(&id(stream), |r| r.note_measured(format));
}

/// The tier `streamforge_ts::probe::Picture::tier` names.
fn quality(tier: &str) -> Option<Quality> {
    match tier {
        "4K" => Some(Quality::Uhd),
        "FHD" => Some(Quality::Fhd),
        "HD" => Some(Quality::Hd),
        "SD" => Some(Quality::Sd),
        _ => None,
    }
}

/// Seconds played by the current source and their byte rates, handed to its
/// history every [`PlayClock::COMMIT_EVERY`] seconds and when it ends.
#[derive(Default)]
pub(crate) struct PlayClock {
    rates: Vec<u64>,
}

impl PlayClock {
    /// Seconds gathered before they are written to the history.
    const COMMIT_EVERY: usize = 10;

    /// One more second of `stream`, at `bytes_per_second`.
    pub(crate) fn second(&mut self, relay: &Relay, stream: &RouteStream, bytes_per_second: u64) {
        self.rates.push(bytes_per_second);
        if self.rates.len() >= Self::COMMIT_EVERY {
            self.commit(relay, stream);
        }
    }

    /// Writes what was gathered for `stream` (its source ends, or enough
    /// seconds passed).
    pub(crate) fn commit(&mut self, relay: &Relay, stream: &RouteStream) {
        if self.rates.is_empty() {
            return;
        }
        let rates = std::mem::take(&mut self.rates);
        relay.history.update(&id(stream), |r| {
            r.note_played(rates.len() as u64, &rates, now_unix())
        });
    }
}

/// `route`'s streams in the order a connect tries them now: the routing
/// table's, with each stream's measured tier and score put in (see
/// `matching::rank`).
pub(crate) fn ranked(relay: &Relay, route: &ChannelRoute) -> Vec<Arc<RouteStream>> {
    ranked_keys(relay, route)
        .into_iter()
        .map(|(_, s)| s)
        .collect()
}

/// [`ranked`], each stream with its rank key.
pub(crate) fn ranked_keys(relay: &Relay, route: &ChannelRoute) -> Vec<(RankKey, Arc<RouteStream>)> {
    let now = now_unix();
    let mut keyed: Vec<(RankKey, Arc<RouteStream>)> = route
        .streams
        .iter()
        .map(|s| (rank_key(relay, s, now), s.clone()))
        .collect();
    keyed.sort_by(|a, b| rank::order(&a.0, &b.0));
    keyed
}

/// What `stream` ranks by at `now`.
fn rank_key(relay: &Relay, s: &RouteStream, now: u64) -> RankKey {
    let (tier, score) = relay.history.rank_facts(&id(s), s.quality, now);
    RankKey {
        pinned: s.pinned,
        quality: s.quality,
        measured: (tier != s.quality).then_some(tier),
        score,
        confidence: s.confidence,
        priority: s.account.priority,
        account: s.account.name.clone(),
        key: s.channel.key.clone(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_tier_the_probe_names_is_a_quality() {
        use crate::model::Quality;
        for (word, q) in [
            ("4K", Quality::Uhd),
            ("FHD", Quality::Fhd),
            ("HD", Quality::Hd),
            ("SD", Quality::Sd),
        ] {
            assert_eq!(super::quality(word), Some(q));
        }
        assert_eq!(super::quality("8K"), None);
    }
}
