//! A channel change on a single-connection account: a client that watches
//! channel A alone (or just left it: A waits out its idle grace) and tunes
//! channel B, whose account has no free connection
//! (or no tuner is free), gets B rather than an 805. A's session ends first,
//! giving back its tuner and provider connection. Only the same client (its
//! address) may do this: another household member's channel is never taken.

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
    route: &ChannelRoute,
    viewer: &ViewerInfo,
) {
    let Some(ip) = viewer.address.map(|a| a.ip()) else {
        return;
    };
    let hubs = relay.sessions.all();
    if hubs.iter().any(|h| h.route.number == number) {
        return; // joining a running channel takes no connection
    }
    let tuners = relay.routing.load().table.tuner_count;
    let account_full = |account: &crate::routing::table::RouteAccount| {
        relay.limits.account_in_use(&account.name) >= relay.account_limit(account)
    };
    let refused = relay.limits.tuners_in_use() >= tuners
        || route.streams.iter().all(|s| account_full(&s.account));
    if !refused {
        return;
    }
    let old = hubs.into_iter().find(|h| {
        let Some(account) = h.source_account() else {
            return false;
        };
        route
            .streams
            .iter()
            .any(|s| s.account.name == account && relay.account_limit(&s.account) == 1)
            && h.sole_viewer_ip() == Some(ip)
    });
    let Some(old) = old else {
        return;
    };
    let account = old.source_account().unwrap_or_default();
    relay.app.events.record(
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
