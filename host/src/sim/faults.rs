//! What can go wrong with a panel, switchable at runtime per endpoint so a
//! test can prove the host copes with each failure real providers show.
//!
//! A fault is checked before credentials and before the body is built: it
//! stands for the infrastructure in front of the panel (nginx, a CDN, a
//! dying PHP worker). Faults persist until changed.

use std::collections::HashMap;
use std::time::Duration;

/// One failure mode, applied to every request of the endpoint(s) it is set on.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Fault {
    /// Answer normally.
    #[default]
    None,
    /// Answer with this HTTP status and a short nginx-style HTML page
    /// (e.g. 500, 503, 404, 401, 403, or panel oddities such as 458, 509,
    /// 884). Codes outside 100..=999 become 500.
    Status(u16),
    /// HTTP 200 with a PHP error rendered as HTML instead of the expected body.
    Garbage,
    /// HTTP 200 with only the first half of the real body, `Content-Length`
    /// matching what is sent: a complete HTTP answer whose JSON/XML is cut.
    Truncated,
    /// The real body, trickled in small pieces spread over this duration.
    Slow(Duration),
    /// Headers and the first part of the body, then nothing, forever (until
    /// the client gives up or the simulator stops).
    Stall,
    /// The connection is dropped without any response bytes.
    Close,
}

/// The endpoints faults can be set on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `player_api.php` without an action (account info), and unknown actions.
    Account,
    /// `player_api.php?action=get_live_categories`.
    Categories,
    /// `player_api.php?action=get_live_streams`.
    Streams,
    /// `xmltv.php`.
    Xmltv,
    /// `get.php` (M3U playlist).
    Playlist,
}

/// Faults in force: a global one and per-endpoint overrides. A per-endpoint
/// entry (even `Fault::None`) wins over the global one.
#[derive(Debug, Default)]
pub(crate) struct FaultTable {
    global: Fault,
    per_endpoint: HashMap<Endpoint, Fault>,
}

impl FaultTable {
    /// Fault to apply to a request of `endpoint`.
    pub(crate) fn lookup(&self, endpoint: Endpoint) -> Fault {
        self.per_endpoint
            .get(&endpoint)
            .unwrap_or(&self.global)
            .clone()
    }

    /// Sets the fault of one endpoint.
    pub(crate) fn set(&mut self, endpoint: Endpoint, fault: Fault) {
        self.per_endpoint.insert(endpoint, fault);
    }

    /// Sets the global fault, leaving per-endpoint overrides alone.
    pub(crate) fn set_global(&mut self, fault: Fault) {
        self.global = fault;
    }

    /// Back to healthy everywhere.
    pub(crate) fn clear(&mut self) {
        *self = FaultTable::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_override_wins_over_global() {
        let mut t = FaultTable::default();
        t.set_global(Fault::Garbage);
        t.set(Endpoint::Xmltv, Fault::None);
        assert_eq!(t.lookup(Endpoint::Streams), Fault::Garbage);
        assert_eq!(t.lookup(Endpoint::Xmltv), Fault::None);
        t.clear();
        assert_eq!(t.lookup(Endpoint::Streams), Fault::None);
    }
}
