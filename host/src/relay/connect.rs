//! Connect-time failover: the channel's streams in order (measured quality
//! tier, score, confidence, account priority: `learn::ranked`) — those that
//! failed within the cool-down
//! put after the others — accounts at their limit skipped, each stream's URL
//! forms from its plugin tried until one delivers MPEG-TS.

use super::limits::AccountSlot;
use super::upstream::{ConnectError, HlsInfo, Upstream};
use super::Relay;
use crate::fetch::headers;
use crate::fetch::template::{self, TemplateError};
use crate::model::{Candidate, HttpRequest};
use crate::routing::table::{ChannelRoute, RouteStream};
use std::sync::Arc;
use url::Url;

/// A stream that delivers, with the account connection it holds.
pub(crate) struct Connected {
    pub(crate) upstream: Upstream,
    pub(crate) slot: AccountSlot,
    pub(crate) stream: Arc<RouteStream>,
    /// When its connect began (eviction detection, `super::accounting`).
    pub(crate) opened: std::time::Instant,
    /// Streams ranked above this one that were tried after it because they
    /// failed within the cool-down: (label, how and when they failed).
    pub(crate) put_back: Vec<(String, String)>,
}

/// Why no stream of a channel could be used: each stream's label and reason.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tried {
    pub(crate) attempts: Vec<(String, String)>,
    /// At least one stream was actually tried (else all were at their limit).
    pub(crate) attempted: bool,
}

impl Tried {
    /// `label: reason; label: reason` for events.
    pub(crate) fn describe(&self) -> String {
        self.attempts
            .iter()
            .map(|(label, reason)| format!("{label}: {reason}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// What to do with a stream whose account has no free connection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum AtLimit {
    /// Go on with the next stream (tunes and failovers).
    Skip,
    /// Stop there (a standby: it must not jump ahead of a stream that a
    /// failover would try first once the failing source is gone).
    Stop,
}

/// Tries the streams of `route` in order, skipping those `skip` rejects;
/// streams that failed within the cool-down come after the others.
pub(crate) async fn first_working(
    relay: &Arc<Relay>,
    route: &ChannelRoute,
    at_limit: AtLimit,
    skip: impl Fn(&RouteStream) -> Option<String>,
) -> Result<Connected, Tried> {
    let mut tried = Tried {
        attempts: Vec::new(),
        attempted: false,
    };
    let streams = super::learn::ranked(relay, route);
    let cooling: Vec<Option<String>> = streams
        .iter()
        .map(|s| relay.sessions.put_back_reason(s))
        .collect();
    let fresh = streams.iter().zip(&cooling).filter(|(_, c)| c.is_none());
    let failed = streams.iter().zip(&cooling).filter(|(_, c)| c.is_some());
    for (stream, _) in fresh.chain(failed) {
        if let Some(reason) = skip(stream) {
            tried.attempts.push((stream.label(), reason));
            continue;
        }
        let account = &stream.account;
        let limit = relay.account_limit(account);
        let Some(slot) = relay.limits.try_account(&account.name, limit) else {
            let reason = format!("account at its limit of {limit} connection(s)");
            tried.attempts.push((stream.label(), reason));
            if at_limit == AtLimit::Stop {
                break;
            }
            continue;
        };
        tried.attempted = true;
        let opened = relay.accounting.attempt(&account.name);
        let began = std::time::Instant::now();
        match open_stream(relay, stream).await {
            Ok(upstream) => {
                super::metrics::add(&relay.metrics.upstream_connects, 1);
                super::learn::connected(relay, stream, began.elapsed());
                let put_back = streams
                    .iter()
                    .zip(cooling)
                    .take_while(|(s, _)| !Arc::ptr_eq(s, stream))
                    .filter_map(|(s, why)| Some((s.label(), why?)))
                    .collect();
                return Ok(Connected {
                    upstream,
                    slot,
                    stream: stream.clone(),
                    opened,
                    put_back,
                });
            }
            Err(e) => {
                super::metrics::add(&relay.metrics.upstream_failures, 1);
                super::learn::connect_failed(relay, stream, &e);
                relay.check_refusal(account, &e);
                relay
                    .sessions
                    .source_failed(stream, "failed at connect".into());
                tried.attempts.push((stream.label(), e.to_string()));
            }
        }
    }
    Err(tried)
}

/// Tries one stream's URL forms in the plugin's order.
async fn open_stream(
    relay: &Arc<Relay>,
    stream: &Arc<RouteStream>,
) -> Result<Upstream, ConnectError> {
    let candidates = stream
        .candidates(&relay.candidates)
        .await
        .map_err(ConnectError::NoCandidates)?;
    open_candidates(relay, stream, &candidates).await
}

/// Tries `candidates` (URL templates of `stream`) in order.
pub(crate) async fn open_candidates(
    relay: &Arc<Relay>,
    stream: &Arc<RouteStream>,
    candidates: &[Candidate],
) -> Result<Upstream, ConnectError> {
    let access = stream.account.credentials.access();
    let client = relay
        .clients
        .client(access.http)
        .map_err(|e| ConnectError::Connect(format!("account `{}`: {e}", access.account)))?;
    let mut last = ConnectError::NoCandidates("it listed none".into());
    let hls = HlsInfo {
        tier: stream.quality,
        metrics: relay.metrics.clone(),
    };
    // URLs from the account's playlist (and its redirects) may reach a
    // private address only when the account itself is served from it.
    let guard = crate::fetch::AddressGuard::for_source(access.url).await;
    // An HLS answer is followed as one session (see `super::hls`).
    for candidate in candidates.iter() {
        let url = fill(&candidate.url_template, &access)?;
        let request =
            HttpRequest::get("stream", &candidate.url_template, candidate.headers.clone());
        let headers = headers::prepare(&request, &access)
            .map_err(|e| ConnectError::Template(e.to_string()))?;
        let headers = access.http.apply(headers);
        match Upstream::open(&client, url, &headers, &relay.config(), &hls, &guard).await {
            Ok(upstream) => return Ok(upstream),
            Err(ConnectError::Untrusted { at, problem, .. }) => {
                let account = access.account.to_string();
                last = ConnectError::Untrusted {
                    at,
                    problem,
                    account,
                };
                break;
            }
            Err(e) => {
                let other_form = e.try_other_form();
                last = e;
                if !other_form {
                    break;
                }
            }
        }
    }
    Err(last)
}

/// Fills a template. A template without credentials (e.g. an M3U entry on a
/// CDN host) may point anywhere: nothing secret goes with it.
fn fill(
    template_text: &str,
    access: &crate::fetch::AccountAccess<'_>,
) -> Result<Url, ConnectError> {
    match template::fill(template_text, &access.fill()) {
        Ok(url) => Ok(url),
        Err(TemplateError::ForeignOrigin(..))
            if !template_text.contains("{username}") && !template_text.contains("{password}") =>
        {
            let filled = template_text
                .replace("{server}", access.server.trim_end_matches('/'))
                .replace("{url}", access.url);
            Url::parse(&filled).map_err(|_| {
                ConnectError::Template(format!("URL template `{template_text}` is not a URL"))
            })
        }
        Err(e) => Err(ConnectError::Template(e.to_string())),
    }
}
