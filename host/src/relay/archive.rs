//! Catch-up: a slice of a channel's provider archive, played through the same
//! ledger as a live tune (one of the lineup's tuners and one of the
//! account's connections, both given back when the slice's body is dropped).
//!
//! A slice is one viewer's own: archives are not shared, so it has no hub,
//! no failover and no splice; its bytes go straight from the provider's
//! answer to the viewer. Which streams have an archive, and how its URLs
//! look, is the provider plugin's to say (`archive-days` in a channel's
//! `extra`; candidates asked with `archive-start` and `archive-minutes`).

use super::connect::open_candidates;
use super::error::TuneError;
use super::limits::{AccountSlot, TunerSlot};
use super::upstream::Upstream;
use super::Relay;
use crate::model::Candidate;
use crate::routing::table::{RouteStream, ARCHIVE_MINUTES, ARCHIVE_START};
use bytes::Bytes;
use futures_util::Stream;
use std::sync::Arc;

/// A playing archive slice: its bytes, with the slots it holds.
pub struct ArchiveSlice {
    upstream: Upstream,
    _slots: (TunerSlot, AccountSlot),
}

impl ArchiveSlice {
    /// The slice's bytes until the provider ends it; the slots go when the
    /// stream is dropped.
    pub fn into_stream(self) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send {
        futures_util::stream::unfold(self, |mut slice| async move {
            let bytes = slice.upstream.next().await.ok()?;
            Some((Ok(bytes), slice))
        })
    }
}

impl Relay {
    /// Opens `minutes` of channel `number`'s archive from Unix second
    /// `start`, as lineup `lineup` sees the channel: the first stream whose
    /// archive reaches back that far, whose account has a connection free
    /// and whose provider answers. `Unknown` when no stream of it keeps that
    /// moment, `AllTunersInUse` when the lineup's tuners or the accounts are
    /// full, `NoVideo` when every provider failed.
    pub async fn archive(
        self: &Arc<Self>,
        number: &str,
        lineup: &str,
        start: i64,
        minutes: u32,
    ) -> Result<ArchiveSlice, TuneError> {
        let snapshot = self.routing.load();
        let (route, tuners) = super::tune::route_in(&snapshot, number, lineup)?;
        let now = crate::clock::now_unix() as i64;
        let kept = |s: &&Arc<RouteStream>| {
            let days = i64::from(s.archive_days());
            days > 0 && start <= now && now - start <= days * 86_400
        };
        let streams: Vec<Arc<RouteStream>> = route.streams.iter().filter(kept).cloned().collect();
        if streams.is_empty() {
            return Err(TuneError::Unknown);
        }
        let tuner = self
            .limits
            .try_tuner(lineup, tuners)
            .ok_or(TuneError::AllTunersInUse)?;
        let mut full = true;
        for stream in &streams {
            let limit = self.account_limit(&stream.account);
            let Some(slot) = self.limits.try_account(&stream.account.name, limit) else {
                continue;
            };
            full = false;
            let candidates = match self.archive_candidates(stream, start, minutes).await {
                Ok(c) if !c.is_empty() => c,
                Ok(_) => continue,
                Err(e) => {
                    tracing::warn!("catch-up of {}: {e}", stream.label());
                    continue;
                }
            };
            match open_candidates(self, stream, &candidates).await {
                Ok(upstream) => {
                    return Ok(ArchiveSlice {
                        upstream,
                        _slots: (tuner, slot),
                    })
                }
                Err(e) => tracing::warn!("catch-up of {}: {e}", stream.label()),
            }
        }
        Err(if full {
            TuneError::AllTunersInUse
        } else {
            TuneError::NoVideo
        })
    }

    /// The plugin's URL templates for the slice (on the blocking pool: it
    /// runs the plugin; never cached, each slice is its own).
    async fn archive_candidates(
        &self,
        stream: &Arc<RouteStream>,
        start: i64,
        minutes: u32,
    ) -> Result<Vec<Candidate>, String> {
        let (stream, source) = (stream.clone(), self.candidates.clone());
        crate::blocking::run(move || {
            let mut options = stream.account.options.clone();
            options.retain(|(k, _)| k != ARCHIVE_START && k != ARCHIVE_MINUTES);
            options.push((ARCHIVE_START.to_string(), start.to_string()));
            options.push((ARCHIVE_MINUTES.to_string(), minutes.to_string()));
            Ok(source.stream_candidates(&stream.account.provider, &stream.channel, &options))
        })
        .await
        .unwrap_or_else(|e| Err(format!("{e:#}")))
    }
}
