//! What can go wrong with a panel, switchable at runtime per endpoint so a
//! test can prove the host copes with each failure real providers show.
//!
//! A fault is checked before credentials and before the body is built: it
//! stands for the infrastructure in front of the panel (nginx, a CDN, a
//! dying PHP worker). Faults persist until changed.

use std::collections::HashMap;
use std::time::Duration;

/// One failure mode, applied to every request of the endpoint(s) it is set on.
///
/// API endpoints (`player_api.php`, `xmltv.php`, `get.php`) and live streams
/// read each variant in their own way; both readings are given. A stream
/// fault applies to new stream connections and, where it says so, to
/// connections already streaming (they re-read the fault every ~20 ms slice).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Fault {
    /// Answer normally.
    #[default]
    None,
    /// API: answer with this HTTP status and a short nginx-style HTML page
    /// (e.g. 500, 503, 404, 401, 403, or panel oddities such as 458, 509,
    /// 884). Codes outside 100..=999 become 500.
    ///
    /// Streams: new connections get that answer, before credentials are
    /// checked; connections already streaming are not affected.
    Status(u16),
    /// API: HTTP 200 with a PHP error rendered as HTML instead of the
    /// expected body.
    ///
    /// Streams: `200 video/mp2t` (new connections) with non-TS bytes (that
    /// PHP error page, repeated) at the clip's rate instead of TS; streaming
    /// connections switch to junk at their next slice, and back to TS when
    /// the fault is cleared.
    Garbage,
    /// API: HTTP 200 with only the first half of the real body,
    /// `Content-Length` matching what is sent: a complete HTTP answer whose
    /// JSON/XML is cut.
    ///
    /// Streams: about half a second more of TS is sent, then the body ends
    /// cleanly (an upstream EOF), for new and streaming connections alike.
    Truncated,
    /// API: the real body, trickled in small pieces spread over this
    /// duration.
    ///
    /// Streams: same as `Rate(10)`.
    Slow(Duration),
    /// API: answered normally (a rate is a stream notion).
    ///
    /// Streams: TS sent at this percent of the clip's real bitrate (a
    /// trickling upstream), new and streaming connections alike.
    Rate(u32),
    /// API: headers and the first part of the body, then nothing, forever
    /// (until the client gives up or the simulator stops).
    ///
    /// Streams: nothing more is sent (headers only, for new connections) and
    /// the connection stays open, until the fault is cleared (sending
    /// resumes at the normal rate, no catch-up burst) or the simulator stops.
    Stall,
    /// API: the connection is dropped without any response bytes.
    ///
    /// Streams: new connections are dropped before any byte; streaming ones
    /// are cut at their next slice, mid-packet (after a length that is not a
    /// multiple of 188), like a panel process dying.
    Close,
    /// API: answered normally.
    ///
    /// Streams: the video PID's packets are replaced by null packets (same
    /// byte rate, so no byte-level check notices) while audio and tables
    /// flow on — a frozen picture — for new and streaming connections alike.
    FrozenVideo,
    /// API: answered normally.
    ///
    /// Streams: the audio PIDs' packets are replaced by null packets while
    /// the video flows on, for new and streaming connections alike.
    SilentAudio,
}

impl Fault {
    /// Percent of the clip's bitrate a stream is sent at under this fault.
    pub(crate) fn stream_rate_percent(&self) -> u32 {
        match self {
            Fault::Rate(percent) => *percent,
            Fault::Slow(_) => 10,
            _ => 100,
        }
    }
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
    /// Every live stream (`/live/u/p/ID.ts`, `/u/p/ID.ts`, `/u/p/ID` and the
    /// load balancer's `/lb/ID.ts`).
    Live,
    /// One live stream, by `stream_id`; wins over [`Endpoint::Live`].
    LiveStream(u32),
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

    /// Fault to apply to live stream `stream_id`: its own, else that of
    /// every stream, else the global one.
    pub(crate) fn lookup_stream(&self, stream_id: u32) -> Fault {
        self.per_endpoint
            .get(&Endpoint::LiveStream(stream_id))
            .or_else(|| self.per_endpoint.get(&Endpoint::Live))
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

    #[test]
    fn one_stream_wins_over_all_streams_over_global() {
        let mut t = FaultTable::default();
        t.set_global(Fault::Status(503));
        assert_eq!(t.lookup_stream(7), Fault::Status(503));
        t.set(Endpoint::Live, Fault::Stall);
        t.set(Endpoint::LiveStream(7), Fault::Rate(25));
        assert_eq!(t.lookup_stream(7), Fault::Rate(25));
        assert_eq!(t.lookup_stream(8), Fault::Stall);
        assert_eq!(
            Fault::Slow(Duration::from_secs(1)).stream_rate_percent(),
            10
        );
        assert_eq!(Fault::Garbage.stream_rate_percent(), 100);
    }
}
