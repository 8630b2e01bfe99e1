//! Channel changes that never meet an 805 for a tuner nobody uses.
//!
//! A channel change on a single-connection account: a client that watches
//! channel A alone (or just left it: A waits out its idle grace) and tunes
//! channel B, whose account has no free connection
//! (or no tuner is free), gets B rather than an 805. A's session ends first,
//! giving back its tuner and provider connection. Only the same client (its
//! address) may do this: another household member's channel is never taken.
//!
//! A probe (`streamforge streams probe`) holding a tuner or a connection a
//! tune needs ends first (see `super::probe`).
//!
//! A tuner held by nobody: a tune that finds every tuner (or every
//! connection of the accounts it could use) taken ends the oldest session
//! that has no viewer left (one waiting out its idle grace) and takes its
//! place. A session with a viewer is never ended this way: the check and the
//! removal happen under the session map's entry lock, so a viewer joining
//! at that moment keeps it.

use super::hub::ViewerInfo;
use super::Relay;
use crate::events::Event;
use crate::routing::table::ChannelRoute;
use std::sync::Arc;
use std::time::Duration;

/// Longest wait for the old session to give its slots back.
const RELEASE_WAIT: Duration = Duration::from_secs(5);

/// Ends the session the tune of `route` (channel `number`) by `viewer`
/// replaces, when the tune would otherwise be refused for the limit and that
/// session's only viewer is the same client on a single-connection account
/// that `route` streams from. Waits until its slots are back.
pub(super) async fn make_room(
    relay: &Arc<Relay>,
    number: &str,
    lineup: &str,
    route: &ChannelRoute,
    viewer: &ViewerInfo,
) {
    let hubs = relay.sessions.all();
    if hubs.iter().any(|h| h.route.number == number) {
        return; // joining a running channel takes no connection
    }
    let tuners = relay.routing.load().tuners_of(lineup).unwrap_or(1);
    let account_full = |account: &crate::routing::table::RouteAccount| {
        relay.limits.account_in_use(&account.name) >= relay.account_limit(account)
    };
    let no_tuner = || relay.limits.tuners_in_use_of(lineup) >= tuners;
    let no_account = || route.streams.iter().all(|s| account_full(&s.account));
    if !no_tuner() && !no_account() {
        return;
    }
    // A `streams probe` gives way first (it never takes what a viewer asks for).
    if relay.yield_probe().await && !no_tuner() && !no_account() {
        return;
    }
    let (no_tuner, no_account) = (no_tuner(), no_account());
    if take_idle(relay, number, lineup, route, &hubs, no_tuner, no_account).await {
        return;
    }
    if !no_tuner && no_account && preempt_lower(relay, number, lineup, route, viewer, &hubs).await {
        return;
    }
    let Some(ip) = viewer.address.map(|a| a.ip()) else {
        return;
    };
    let old = hubs.into_iter().find(|h| {
        let Some(account) = h.source_account() else {
            return false;
        };
        route
            .streams
            .iter()
            .any(|s| s.account.name == account && relay.account_limit(&s.account) == 1)
            && h.sole_viewer_ip() == Some(ip)
            && (!no_tuner || h.lineup == lineup)
    });
    let Some(old) = old else {
        return;
    };
    let account = old.source_account().unwrap_or_default();
    relay.events.record(
        Event::new(
            "channel-change",
            format!(
                "channel {} ({}) ends: its viewer tuned channel {number} ({}) and account {account} allows one connection",
                old.route.number, old.route.name, route.name
            ),
        )
        .channel(&old.route.guide_id)
        .session(&old.id)
        .account(&account),
    );
    let mut ended = old.ended.subscribe();
    old.close();
    let _ = tokio::time::timeout(RELEASE_WAIT, ended.wait_for(|e| *e)).await;
}

/// When lineup `lineup` may preempt (`preempt = true`), ends the oldest
/// session started with a lower priority on an account `route` streams from,
/// so the tune of channel `number` gets its connection. The tune's priority
/// is its viewer's own (an Xtream user's) or else its lineup's. Waits until
/// its slots are back; whether it ended one.
async fn preempt_lower(
    relay: &Arc<Relay>,
    number: &str,
    lineup: &str,
    route: &ChannelRoute,
    viewer: &ViewerInfo,
    hubs: &[Arc<super::hub::Hub>],
) -> bool {
    let snapshot = relay.routing.load();
    let (lineup_priority, preempts) = snapshot.priority_of(lineup);
    if !preempts {
        return false;
    }
    let priority = viewer.priority.unwrap_or(lineup_priority);
    let mut lower: Vec<&Arc<super::hub::Hub>> = hubs
        .iter()
        .filter(|h| h.priority < priority)
        .filter(|h| {
            h.source_account()
                .is_some_and(|a| route.streams.iter().any(|s| s.account.name == a))
        })
        .collect();
    lower.sort_by_key(|h| h.started);
    let Some(old) = lower.first() else {
        return false;
    };
    relay.events.record(
        Event::new(
            "tuner-preempted",
            format!(
                "channel {} ({}) of lineup {} (priority {}) ends: channel {number} ({}) of lineup {lineup}, tuned with the higher priority {priority}, needed its account connection",
                old.route.number, old.route.name, old.lineup, old.priority, route.name
            ),
        )
        .channel(&old.route.guide_id)
        .session(&old.id),
    );
    let mut ended = old.ended.subscribe();
    old.close();
    let _ = tokio::time::timeout(RELEASE_WAIT, ended.wait_for(|e| *e)).await;
    true
}

/// Ends the oldest session without a viewer whose end lets the tune of
/// `route` (channel `number`, through `lineup`) through: any one of that
/// lineup when none of its tuners is free, one on an account `route` streams
/// from when none of those has a connection free (both, when both are
/// short). Waits until its slots are back; whether it ended one.
#[allow(clippy::too_many_arguments)]
async fn take_idle(
    relay: &Arc<Relay>,
    number: &str,
    lineup: &str,
    route: &ChannelRoute,
    hubs: &[Arc<super::hub::Hub>],
    no_tuner: bool,
    no_account: bool,
) -> bool {
    let helps = |h: &super::hub::Hub| {
        (!no_tuner || h.lineup == lineup)
            && (!no_account
                || h.source_account()
                    .is_some_and(|a| route.streams.iter().any(|s| s.account.name == a)))
    };
    let mut idle: Vec<&Arc<super::hub::Hub>> = hubs
        .iter()
        .filter(|h| h.viewer_count() == 0 && helps(h))
        .collect();
    idle.sort_by_key(|h| h.started);
    for old in idle {
        // Out of the map only if still without a viewer (checked under the
        // entry's lock): a viewer joining now keeps the session.
        if !relay.sessions.remove_if_idle(old) {
            continue;
        }
        let why = if no_tuner {
            "tuner"
        } else {
            "account connection"
        };
        relay.events.record(
            Event::new(
                "idle-session-ended",
                format!(
                    "channel {} ({}) ends: it had no viewer left, and channel {number} ({}) needed its {why}",
                    old.route.number, old.route.name, route.name
                ),
            )
            .channel(&old.route.guide_id)
            .session(&old.id),
        );
        let mut ended = old.ended.subscribe();
        old.close();
        let _ = tokio::time::timeout(RELEASE_WAIT, ended.wait_for(|e| *e)).await;
        return true;
    }
    false
}
