//! A tune: `/stream/{n}` → join the channel's hub, or start one (a tuner
//! slot, then connect-time failover), and wait until it plays or fails.

use super::direct::Joiner;
use super::error::TuneError;
use super::hub::ViewerInfo;
use super::hub::{Hub, Ready};
use super::metrics::add;
use super::session_manager::Joined;
use super::viewer::{self, ViewerGuard};
use super::{pump, Relay};
use crate::events::Event;
use crate::routing::table::ChannelRoute;
use axum::body::Body;
use std::sync::Arc;
use tokio::net::TcpStream;

/// `5`, `101`, `5.1`: digits with at most one dot, short.
pub fn valid_number(n: &str) -> bool {
    let mut parts = n.split('.');
    let ok = |p: Option<&str>| {
        p.is_some_and(|p| !p.is_empty() && p.len() <= 6 && p.bytes().all(|b| b.is_ascii_digit()))
    };
    let major = parts.next();
    match (parts.next(), parts.next()) {
        (None, None) => ok(major),
        (Some(minor), None) => ok(major) && ok(Some(minor)),
        _ => false,
    }
}

impl Relay {
    /// Starts or joins channel `number` through `lineup` (`main` or
    /// another); the body streams until the viewer leaves or the channel
    /// ends. (A viewer whose connection starts with the tune is played by
    /// [`Relay::tune_socket`] instead.)
    pub async fn tune(
        self: &Arc<Self>,
        number: &str,
        lineup: &str,
        viewer: ViewerInfo,
    ) -> Result<Body, TuneError> {
        // Tuned on the relay's runtime, so the provider connection is its
        // (this path runs on the HTTP server's).
        let (relay, number, lineup) = (self.clone(), number.to_string(), lineup.to_string());
        let tuned = self
            .runtime
            .spawn(async move { relay.start_viewing(&number, &lineup, viewer).await })
            .await;
        // A join error: the relay stopped (shutdown) or the tune panicked.
        let guard = tuned.map_err(|_| TuneError::NoVideo)??;
        let (prefix, rx) = guard.hub.subscribe().ok_or(TuneError::NoVideo)?;
        Ok(viewer::body(guard, prefix, rx, self.metrics.clone()))
    }

    /// Plays channel `number` on `socket` (the request head read, nothing
    /// written): the response head, then the channel's pump writes the
    /// stream to the socket itself until the viewer leaves or the channel
    /// ends. A refused tune gets its HDHomeRun answer and the socket closes.
    pub(crate) async fn tune_socket(
        self: &Arc<Self>,
        number: &str,
        lineup: &str,
        viewer: ViewerInfo,
        mut socket: TcpStream,
    ) {
        use tokio::io::AsyncWriteExt;
        let guard = match self.start_viewing(number, lineup, viewer).await {
            Ok(guard) => guard,
            Err(e) => {
                let _ = socket
                    .write_all(super::http::refusal_head(&e).as_bytes())
                    .await;
                return;
            }
        };
        if socket
            .write_all(super::http::STREAM_HEAD.as_bytes())
            .await
            .is_err()
        {
            return;
        }
        // A channel that closed meanwhile drops the joiner: the socket closes.
        let _ = guard.hub.clone().join_direct(Joiner { socket, guard });
    }

    /// Joins or starts channel `number` and waits until it plays; counts the tune.
    async fn start_viewing(
        self: &Arc<Self>,
        number: &str,
        lineup: &str,
        viewer: ViewerInfo,
    ) -> Result<ViewerGuard, TuneError> {
        let result = self.tune_inner(number, lineup, viewer).await;
        let counter = match &result {
            Ok(_) => &self.metrics.tunes_ok,
            Err(TuneError::AllTunersInUse) => &self.metrics.tunes_busy,
            Err(TuneError::NoVideo) => &self.metrics.tunes_no_video,
            Err(_) => &self.metrics.tunes_not_found,
        };
        add(counter, 1);
        result
    }

    async fn tune_inner(
        self: &Arc<Self>,
        number: &str,
        lineup: &str,
        viewer: ViewerInfo,
    ) -> Result<ViewerGuard, TuneError> {
        let snapshot = self.routing.load();
        let (route, tuners) = route_in(&snapshot, number, lineup)?;
        if route.streams.is_empty() {
            // Every stream of it is on a disabled account (see `routing::table`).
            self.events.record(
                Event::new(
                    "channel-no-source",
                    format!(
                        "channel {number} ({}): every stream of it is on a disabled account (or one whose password cannot be unsealed); enable one (`streamforge account enable NAME`)",
                        route.name
                    ),
                )
                .channel(&route.guide_id),
            );
            return Err(TuneError::NoVideo);
        }
        super::switch::make_room(self, number, lineup, &route, &viewer).await;
        let priority = viewer
            .priority
            .unwrap_or_else(|| snapshot.priority_of(lineup).0);
        let mut tuner = None;
        let joined = self.sessions.join_or_start(number, viewer, || {
            tuner = Some(self.limits.try_tuner(lineup, tuners).ok_or(())?);
            Ok(Hub::new(route.clone(), lineup, priority, &self.config()))
        });
        let (hub, lease) = match joined {
            Ok(Joined::Existing(hub, lease)) => (hub, lease),
            Ok(Joined::Started(hub, lease)) => {
                let tuner = tuner.take().expect("a started hub holds a tuner");
                self.runtime
                    .spawn(pump::run(self.clone(), hub.clone(), tuner));
                (hub, lease)
            }
            Err(()) => {
                self.events.record(
                    Event::new(
                        "tuner-limit",
                        format!(
                            "channel {number} ({}): all {tuners} tuners of lineup {lineup} are in use",
                            route.name
                        ),
                    )
                    .channel(&route.guide_id),
                );
                return Err(TuneError::AllTunersInUse);
            }
        };
        let guard = ViewerGuard { hub, lease };
        let mut ready = guard.hub.ready.subscribe();
        let state = ready
            .wait_for(|r| !matches!(r, Ready::Starting))
            .await
            .map(|r| r.clone())
            .unwrap_or(Ready::Failed(TuneError::NoVideo));
        if let Ready::Failed(e) = state {
            return Err(e);
        }
        Ok(guard)
    }
}

/// Channel `number`'s route as lineup `lineup` sees it, and the lineup's
/// tuner count: a malformed number, an unknown lineup, or a channel of
/// another lineup (not there for this one's clients) is refused.
pub(super) fn route_in(
    snapshot: &crate::routing::Snapshot,
    number: &str,
    lineup: &str,
) -> Result<(Arc<ChannelRoute>, u32), TuneError> {
    if !valid_number(number) {
        return Err(TuneError::Malformed);
    }
    let (Some(channels), Some(tuners)) =
        (snapshot.lineup_named(lineup), snapshot.tuners_of(lineup))
    else {
        return Err(TuneError::Unknown);
    };
    if !channels.contains(number) {
        return Err(TuneError::Unknown);
    }
    let route = snapshot
        .table
        .channels
        .get(number)
        .cloned()
        .ok_or(TuneError::Unknown)?;
    Ok((route, tuners))
}

#[cfg(test)]
mod tests {
    use super::valid_number;

    #[test]
    fn channel_numbers() {
        for ok in ["5", "101", "5.1", "1000", "123456"] {
            assert!(valid_number(ok), "{ok}");
        }
        for bad in [
            "", "a", "5.", ".5", "5.1.2", "1234567", "5_1", "-1", "５", "1 ", "../x",
        ] {
            assert!(!valid_number(bad), "{bad}");
        }
    }
}
