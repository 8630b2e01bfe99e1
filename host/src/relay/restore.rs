//! Back to the better source: after a failover (or a start on a lesser
//! stream because a better one was cooling down), a channel returns to the
//! best-ranked stream once it is healthy again. On a free account
//! connection that is shown by a probe (connected, a whole picture read
//! within [`PROBE_LIMIT`], after at least [`PROBE_MIN`] of flowing data), and
//! the probe's connection becomes the source; where the better stream's
//! account has no connection free but the current source holds one of it
//! (a one-connection account), its cool-down having ended is all there is
//! to go on, and the source is swapped. At most once per
//! [`super::RelayConfig::restore_period`], not within [`SETTLE`] of the
//! last switch, never within [`RECENT_JOIN`] of a viewer joining (a viewer
//! who just tuned would see the switch).
//!
//! [`probe`] is also what `streamforge streams probe` runs on streams that
//! never played.

use super::connect::{self, AtLimit, Connected};
use super::hub::Hub;
use super::Relay;
use crate::routing::table::{ChannelRoute, RouteStream};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use streamforge_ts::Tracker;

/// No return within this long of the session's last switch (or within the
/// period, when that is shorter): a viewer who just saw a failover does not
/// see another switch at once.
pub(crate) const SETTLE: Duration = Duration::from_secs(30);

/// After an attempt that found no way back (no connection free), the next
/// one waits this long.
pub(crate) const RETRY_AFTER: Duration = Duration::from_secs(10);

/// No return while a viewer joined this recently.
pub(crate) const RECENT_JOIN: Duration = Duration::from_secs(5);

/// A probe watches at least this much of the stream before it calls it healthy.
pub(crate) const PROBE_MIN: Duration = Duration::from_secs(1);

/// A probe that has read no whole picture by then fails: long enough for a
/// keyframe of the long GOPs some providers send (up to 10 s), since a
/// failed probe counts against the stream.
pub(crate) const PROBE_LIMIT: Duration = Duration::from_secs(12);

/// Where a return goes.
pub(crate) enum Return {
    /// The probed connection to the better stream, to play from now on.
    Probed(Box<Connected>),
    /// The better stream shares a one-connection account with the source:
    /// end the source, then connect it.
    Swap(Arc<RouteStream>),
}

/// The stream the channel should return to, if it is time: restores are on,
/// the last return was a period ago, no viewer joined just now, and a stream
/// clearly better than `current` (pinned before it, a better tier or score
/// band: not a tie-break between equals) is out of its cool-down.
pub(crate) fn better_stream(
    relay: &Relay,
    hub: &Hub,
    current: &Arc<RouteStream>,
    last_switch: Option<Instant>,
    last_return: Option<Instant>,
) -> Option<Arc<RouteStream>> {
    let period = relay.config().restore_period?;
    if last_return.is_some_and(|t| t.elapsed() < period) {
        return None;
    }
    if last_switch.is_some_and(|t| t.elapsed() < period.min(SETTLE)) {
        return None;
    }
    let joined_lately = hub
        .last_join()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .is_some_and(|ago| ago < RECENT_JOIN);
    if joined_lately {
        return None;
    }
    let ranked = super::learn::ranked_keys(relay, &hub.route);
    let (playing, _) = ranked.iter().find(|(_, s)| Arc::ptr_eq(s, current))?;
    ranked
        .iter()
        .take_while(|(_, s)| !Arc::ptr_eq(s, current))
        .filter(|(key, _)| crate::matching::rank::clearly_before(key, playing))
        .find(|(_, s)| relay.sessions.put_back_reason(s).is_none())
        .map(|(_, s)| s.clone())
}

/// A return to `better` under way (dropping it aborts it, giving back the
/// connection it holds).
pub(crate) struct Attempt(tokio::task::JoinHandle<Option<Return>>);

impl Attempt {
    /// Starts probing `better` (of `route`, now playing `current`).
    pub(crate) fn start(
        relay: &Arc<Relay>,
        route: &ChannelRoute,
        current: &Arc<RouteStream>,
        better: Arc<RouteStream>,
    ) -> Attempt {
        let alone = route.only(&better);
        let (relay, current) = (relay.clone(), current.clone());
        Attempt(tokio::spawn(async move {
            match connect::first_working(&relay, &alone, AtLimit::Stop, |_| None).await {
                Ok(connected) => probe(&relay, connected)
                    .await
                    .map(|c| Return::Probed(Box::new(c))),
                Err(tried) if !tried.attempted => {
                    // No connection free on its account: only a swap with
                    // the current source's connection can try it.
                    let same_account = current.account.name == better.account.name;
                    let limit = relay.account_limit(&better.account);
                    (same_account && limit == 1).then_some(Return::Swap(better))
                }
                Err(_) => None, // it failed again (and cools down again)
            }
        }))
    }

    /// The return, once the attempt is over (`None`: not this time).
    pub(crate) async fn done(&mut self) -> Option<Return> {
        (&mut self.0).await.ok().flatten()
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Reads `connected` until it shows a whole picture after at least
/// [`PROBE_MIN`], within [`PROBE_LIMIT`]; what it measured goes to the
/// stream's history. The connection back, ready to play from that picture
/// (its PAT/PMT, then the chunk from the keyframe on), or `None` (then it
/// counts as a failure of the stream).
pub(crate) async fn probe(relay: &Arc<Relay>, mut connected: Connected) -> Option<Connected> {
    let began = Instant::now();
    let mut tracker = Tracker::new();
    tracker.observe(&connected.upstream.first);
    let deadline = tokio::time::Instant::now() + PROBE_LIMIT;
    loop {
        let read = tokio::time::timeout_at(deadline, connected.upstream.next()).await;
        let chunk = match read {
            Ok(Ok(chunk)) => chunk,
            Ok(Err(failure)) => return probe_failed(relay, &connected, &failure),
            Err(_) => {
                let failure = super::health::Failure::VideoFrozen(PROBE_LIMIT);
                return probe_failed(relay, &connected, &failure);
            }
        };
        let keyframe = tracker.observe(&chunk);
        let (Some(at), Some(_)) = (keyframe, tracker.picture()) else {
            continue;
        };
        if began.elapsed() < PROBE_MIN {
            continue;
        }
        super::learn::measured(relay, &connected.stream, &super::Measured::of(&tracker));
        let mut first = bytes::BytesMut::new();
        if let Some(psi) = tracker.psi() {
            first.extend_from_slice(&psi);
        }
        first.extend_from_slice(&chunk[at..]);
        connected.upstream.first = first.freeze();
        return Some(connected);
    }
}

/// A probed stream that did not show a picture: noted in its history, and
/// cooling down like any stream that failed.
fn probe_failed(
    relay: &Relay,
    connected: &Connected,
    failure: &super::health::Failure,
) -> Option<Connected> {
    super::learn::failed(relay, connected, failure, false);
    relay.sessions.source_failed(
        &connected.stream,
        format!("failed a probe ({})", failure.kind()),
    );
    None
}
