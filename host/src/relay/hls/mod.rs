//! HLS input, relayed as one continuous MPEG-TS per channel: a provider
//! stream whose answer is a playlist (`#EXTM3U`) is followed here and read
//! by the channel's pump like any other body, so every viewer shares one
//! HLS session, counted as one provider connection, with the same health
//! checks, splices and failover as a TS stream.
//!
//! [`start`] reads the first playlist (a master's variant is chosen by the
//! stream's quality tier, see [`playlist::order_variants`]) and starts the
//! [`follower`] task, which fetches segments (one or two ahead) into a
//! bounded queue; [`HlsBody`] plays them out at their real pace, so the
//! relay sees a steady stream (its stall, rate and freeze checks keep their
//! meaning) instead of a burst per segment. The session starts three
//! segments behind the live edge (RFC 8216 section 6.3.3), the first of
//! them sent at once for a quick start.

mod decrypt;
mod fetch;
mod follower;
pub(crate) mod playlist;

use super::health::Failure;
use super::metrics::Metrics;
use super::upstream::ConnectError;
use crate::model::Quality;
use bytes::Bytes;
pub(crate) use fetch::Fetcher;
pub(crate) use fetch::MAX_PLAYLIST;
use follower::{Follower, Ready};
use playlist::{Media, Parsed};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{sleep_until, Instant};
use url::Url;

/// Shortest wait for one playlist, key or segment (the connect timeout if longer).
pub(crate) const MIN_TIMEOUT: Duration = Duration::from_secs(10);
/// Segments queued ahead of the one playing.
const QUEUE: usize = 2;
/// Segments behind the live edge a session starts at.
const START_BEHIND: usize = 3;
/// Variants of a master playlist tried before giving up.
const MAX_VARIANTS: usize = 4;
/// How often a playing segment hands out a piece.
const PIECE_EVERY: Duration = Duration::from_millis(100);
/// A segment that comes this late makes the pace start over from now.
const LATE: Duration = Duration::from_secs(1);

/// What a session needs besides the playlist.
pub(crate) struct Context {
    pub(crate) fetch: Fetcher,
    /// The tier the lineup ranked the stream as: the variant to prefer.
    pub(crate) tier: Quality,
    pub(crate) metrics: Arc<Metrics>,
    /// Longest wait for one playlist, key or segment.
    pub(crate) timeout: Duration,
}

/// Starts a session from the playlist `body` read from `url` (after
/// redirects): a master's best variant that answers, then its media
/// playlist followed from three segments behind the live edge.
pub(crate) async fn start(
    context: Context,
    url: Url,
    body: &[u8],
) -> Result<HlsBody, ConnectError> {
    let refused = |e: String| ConnectError::Hls(e);
    let (url, media) = match playlist::parse(body, &url).map_err(refused)? {
        Parsed::Media(media) => (url, media),
        Parsed::Master(variants) => {
            let mut last = String::new();
            let mut found = None;
            for variant in playlist::order_variants(variants, context.tier)
                .into_iter()
                .take(MAX_VARIANTS)
            {
                match media_at(&context, variant.url).await {
                    Ok(found_media) => {
                        found = Some(found_media);
                        break;
                    }
                    Err(e) => last = e,
                }
            }
            found.ok_or_else(|| refused(format!("no variant works: {last}")))?
        }
    };
    let Some(first) = media
        .segments
        .len()
        .checked_sub(START_BEHIND)
        .map_or(media.segments.first(), |i| media.segments.get(i))
    else {
        return Err(refused("the HLS playlist lists no segment".into()));
    };
    let next = first.sequence;
    let (segments_in, segments) = mpsc::channel(QUEUE);
    let (failed_in, failed) = mpsc::channel(1);
    let follower = Follower::new(
        context.fetch,
        url,
        media,
        next,
        context.metrics,
        context.timeout,
    );
    let progress = follower.progress.clone();
    let task = tokio::spawn(async move {
        if let Err(failure) = follower.run(&segments_in).await {
            let _ = failed_in.send(failure).await;
        }
        // Closed only now: the body sees the failure before the end.
        drop(segments_in);
    });
    Ok(HlsBody {
        segments,
        failed,
        task,
        progress,
        anchor: None,
        played: Duration::ZERO,
        playing: None,
    })
}

/// A variant's media playlist (a master inside a master is refused).
async fn media_at(context: &Context, url: Url) -> Result<(Url, Media), String> {
    let (at, body) = context
        .fetch
        .get(url, MAX_PLAYLIST, context.timeout)
        .await?;
    match playlist::parse(&body, &at)? {
        Parsed::Media(media) => Ok((at, media)),
        Parsed::Master(_) => Err("a variant is itself a master playlist".into()),
    }
}

/// A segment being played out.
struct Playing {
    data: Bytes,
    sent: usize,
    duration: Duration,
    /// Bytes per piece (whole packets).
    piece: usize,
}

/// An HLS session read as one body: segments played out at their pace.
/// Dropping it stops the follower (and its connections).
pub(crate) struct HlsBody {
    segments: mpsc::Receiver<Ready>,
    failed: mpsc::Receiver<Failure>,
    task: tokio::task::JoinHandle<()>,
    progress: Arc<follower::Progress>,
    /// When a media time is due: later media times are due as much later.
    anchor: Option<(Instant, Duration)>,
    /// Media time of the playing segment's start.
    played: Duration,
    playing: Option<Playing>,
}

impl Drop for HlsBody {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl HlsBody {
    /// Why the body went silent, if the playlist explains it: it has not
    /// advanced for longer than a target duration and a half.
    pub(crate) fn stale_for(&self) -> Option<Duration> {
        self.progress.stale_for()
    }

    /// The next piece of the stream when it is due, `None` once the playlist
    /// ended, or why the session failed (reported as soon as it is known,
    /// even with segments still queued). Cancel-safe.
    pub(crate) async fn chunk(&mut self) -> Result<Option<Bytes>, Failure> {
        loop {
            if let Some(p) = &mut self.playing {
                if p.sent < p.data.len() {
                    let (at, media) = self.anchor.unwrap_or((Instant::now(), Duration::ZERO));
                    let share = p.sent as f64 / p.data.len() as f64;
                    let due = at + (self.played + p.duration.mul_f64(share)).saturating_sub(media);
                    if due > Instant::now() {
                        tokio::select! {
                            biased;
                            Some(failure) = self.failed.recv() => return Err(failure),
                            () = sleep_until(due) => {}
                        }
                    } else if let Ok(failure) = self.failed.try_recv() {
                        // Due already (a burst or catching up): still first.
                        return Err(failure);
                    }
                    let end = (p.sent + p.piece).min(p.data.len());
                    let piece = p.data.slice(p.sent..end);
                    p.sent = end;
                    return Ok(Some(piece));
                }
                self.played += p.duration;
                self.playing = None;
            }
            let ready = tokio::select! {
                biased;
                Some(failure) = self.failed.recv() => return Err(failure),
                ready = self.segments.recv() => ready,
            };
            let Some(ready) = ready else {
                // The follower is done: a failure it queued, or the end.
                return match self.failed.try_recv() {
                    Ok(failure) => Err(failure),
                    Err(_) => Ok(None),
                };
            };
            let now = Instant::now();
            match self.anchor {
                // The first segment is due at once (a quick start), the
                // next one when the first would have played out.
                None => self.anchor = Some((now, ready.duration)),
                // Starved (the provider fell behind): the pace starts over.
                Some((at, media)) if at + self.played.saturating_sub(media) + LATE < now => {
                    self.anchor = Some((now, self.played));
                }
                Some(_) => {}
            }
            let pieces = (ready.duration.as_millis() / PIECE_EVERY.as_millis()).max(1) as usize;
            let packets = ready.data.len() / streamforge_ts::PACKET_SIZE;
            let piece = packets.div_ceil(pieces).max(1) * streamforge_ts::PACKET_SIZE;
            self.playing = Some(Playing {
                data: ready.data,
                sent: 0,
                duration: ready.duration,
                piece,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A body fed by the test instead of a follower.
    fn body() -> (mpsc::Sender<Ready>, mpsc::Sender<Failure>, HlsBody) {
        let (segments_in, segments) = mpsc::channel(QUEUE);
        let (failed_in, failed) = mpsc::channel(1);
        let body = HlsBody {
            segments,
            failed,
            task: tokio::spawn(async {}),
            progress: Arc::new(follower::Progress::new(Duration::from_secs(1))),
            anchor: None,
            played: Duration::ZERO,
            playing: None,
        };
        (segments_in, failed_in, body)
    }

    fn segment(millis: u64) -> Ready {
        Ready {
            data: Bytes::from(vec![0x47u8; 188 * 30]),
            duration: Duration::from_millis(millis),
        }
    }

    #[tokio::test]
    async fn segments_play_out_at_their_pace_in_whole_packets() {
        let (segments, _failed, mut body) = body();
        segments.send(segment(300)).await.unwrap();
        segments.send(segment(300)).await.unwrap();
        drop(segments);
        let start = Instant::now();
        let mut got = Vec::new();
        while let Some(piece) = body.chunk().await.unwrap() {
            assert_eq!(piece.len() % 188, 0);
            got.push((start.elapsed(), piece.len()));
        }
        assert_eq!(got.iter().map(|(_, n)| n).sum::<usize>(), 2 * 188 * 30);
        // Three pieces per 300 ms segment; the second segment's last one is
        // due 200 ms after the start (the first segment goes out at once).
        assert_eq!(got.len(), 6);
        assert!(got[5].0 >= Duration::from_millis(195), "{got:?}");
    }

    #[tokio::test]
    async fn a_failure_is_reported_before_queued_segments_and_before_the_end() {
        let (segments, failed, mut body) = body();
        segments.send(segment(300)).await.unwrap();
        segments.send(segment(300)).await.unwrap();
        assert!(body.chunk().await.unwrap().is_some());
        failed
            .send(Failure::PlaylistStale(Duration::from_secs(3)))
            .await
            .unwrap();
        assert_eq!(
            body.chunk().await,
            Err(Failure::PlaylistStale(Duration::from_secs(3)))
        );
        // A follower that failed and closed: the failure, not a clean end.
        let (segments, failed, mut body) = super::tests::body();
        failed
            .send(Failure::SegmentsBroken("segment 4: HTTP 404".into()))
            .await
            .unwrap();
        drop(segments);
        assert!(matches!(
            body.chunk().await,
            Err(Failure::SegmentsBroken(_))
        ));
    }
}
