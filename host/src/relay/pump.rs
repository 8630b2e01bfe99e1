//! A channel's upstream task: connect (with failover across its streams),
//! move bytes from the provider to the hub, and when the source fails in
//! the middle of playback (see [`super::health`]) switch to the next one
//! while every viewer's response stays open. It ends when the last viewer
//! has been gone for the grace time, when no source is left, or at shutdown.
//! Everything it holds — the tuner, the account connection, the hub's place
//! in the session map — is given back when it returns or panics.

use super::config::KEEPALIVE;
use super::connect::{self, AtLimit, Connected};
use super::direct::{DirectViewers, Joiner};
use super::error::TuneError;
use super::health::{ContentWatch, Failure, RateWatch, Verdict};
use super::hub::{Chunk, Health, Hub, Ready};
use super::learn::PlayClock;
use super::limits::TunerSlot;
use super::metrics::add;
use super::restore::{self, Attempt, Return};
use super::Relay;
use crate::events::Event;
use crate::routing::table::{ChannelRoute, RouteStream};
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Instant;
use streamforge_ts::{Splicer, Tracker};
use tokio::sync::broadcast::Sender;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::{sleep_until, Duration};

/// Takes the hub out of the session map and closes it on every way out.
struct Registered {
    relay: Arc<Relay>,
    hub: Arc<Hub>,
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.relay.sessions.remove(&self.hub);
        self.hub.close();
        if matches!(*self.hub.ready.borrow(), Ready::Starting) {
            self.hub
                .ready
                .send_replace(Ready::Failed(TuneError::NoVideo));
        }
        add(&self.relay.metrics.sessions_ended, 1);
        // Dropped last in `run`: the tuner and the account connection are back.
        self.hub.ended.send_replace(true);
    }
}

/// A switch in progress: reported (and shown as the channel's source) once
/// the new source's first bytes went out.
struct Switch {
    detected: Instant,
    why: Why,
    from: String,
    to: Arc<RouteStream>,
    connected: Instant,
    /// How long to hold its packets waiting for a keyframe (the relay's
    /// setting when the switch began).
    keyframe_wait: Duration,
    /// The new source was connected ahead, while the old one was silent.
    ahead: bool,
}

/// Why the source changes.
enum Why {
    /// It failed.
    Failed(Failure),
    /// A better-ranked stream is healthy again (`super::restore`).
    Restored,
}

/// The next source, connected while the current one is silent (see
/// [`super::config::RelayConfig::standby_after`]). Dropping it aborts the
/// attempt or closes the connection, giving its account connection back.
struct Standby(tokio::task::JoinHandle<Result<Connected, connect::Tried>>);

impl Standby {
    /// Starts connecting the stream a failover from `current` would try first.
    fn open(relay: &Arc<Relay>, route: &Arc<ChannelRoute>, current: &Arc<RouteStream>) -> Standby {
        let (relay, route, current) = (relay.clone(), route.clone(), current.clone());
        Standby(tokio::spawn(async move {
            let connected = connect::first_working(&relay, &route, AtLimit::Stop, |s| {
                relay.sessions.skip_reason(s, &current)
            })
            .await;
            if connected.is_ok() {
                add(&relay.metrics.standby_opened, 1);
            }
            connected
        }))
    }

    /// The connected backup, once the attempt is over (`None` if it failed).
    async fn ready(mut self) -> Option<Connected> {
        (&mut self.0).await.ok()?.ok()
    }
}

impl Drop for Standby {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// How a source's pumping ended.
enum End {
    /// The session is over (idle, shutdown): the reason.
    Quit(String),
    /// The source failed; the session goes on with the next one.
    Failed(Failure),
    /// A better-ranked stream is healthy again: the session returns to it.
    Return(Return),
}

/// Runs the channel until it ends: its first source, then each source
/// until the session ends or no source is left.
pub(crate) async fn run(relay: Arc<Relay>, hub: Arc<Hub>, tuner: TunerSlot) {
    let _registered = Registered {
        relay: relay.clone(),
        hub: hub.clone(),
    };
    let _tuner = tuner;
    let mut stop = hub.stop.subscribe();
    let route = hub.route.clone();
    let connected = tokio::select! {
        c = connect::first_working(&relay, &route, AtLimit::Skip, |_| None) => c,
        _ = stop.wait_for(|s| *s) => return,
    };
    let mut source = match connected {
        Ok(source) => source,
        Err(tried) => return start_failed(&relay, &hub, tried),
    };
    let (Some(sender), Some(joiners)) = (hub.sender(), hub.take_joiners()) else {
        return;
    };
    let mut out = Output {
        sender,
        direct: DirectViewers::new(relay.metrics.clone()),
        joiners,
        tracker: Tracker::new(),
        splicer: Splicer::new(true, relay.config().channel_buffer / 4),
        pieces: Vec::new(),
        format_seen: 0,
        mismatch_reported: None,
        switch: None,
        last_out: tokio::time::Instant::now(),
        play: PlayClock::default(),
        last_return: None,
        last_switch: None,
    };
    hub.set_source(source.stream.clone());
    let first = std::mem::take(&mut source.upstream.first);
    out.feed(&relay, &hub, first, false);
    hub.ready.send_replace(Ready::Live);
    record(
        &relay,
        &hub,
        &source,
        "stream-started",
        format!("plays {}{}", source.stream.label(), put_back_note(&source)),
    );
    let started = Instant::now();
    let mut standby = None;
    loop {
        let end = pump(&relay, &hub, &mut source, &mut out, &mut standby).await;
        add(
            &relay.metrics.junk_bytes,
            source.upstream.aligner.junk_bytes(),
        );
        out.play.commit(&relay, &source.stream);
        let failure = match end {
            End::Quit(reason) => {
                let detail = format!(
                    "stopped after {:.0} s: {reason}",
                    started.elapsed().as_secs_f64()
                );
                record(&relay, &hub, &source, "stream-ended", detail);
                return;
            }
            End::Failed(failure) => failure,
            End::Return(to) => {
                let Some(next) = return_to(&relay, &hub, source, to, &mut out, &mut stop).await
                else {
                    return;
                };
                source = next;
                continue;
            }
        };
        let Some(next) = fail_over(
            &relay,
            &hub,
            source,
            failure,
            &mut out,
            standby.take(),
            &mut stop,
        )
        .await
        else {
            return;
        };
        source = next;
    }
}

/// No source of the channel could be used at the start: the tune fails
/// (all tuners in use, or no video), with an event saying what was tried.
fn start_failed(relay: &Relay, hub: &Hub, tried: connect::Tried) {
    let route = &hub.route;
    let (kind, answer) = if tried.attempted {
        ("tune-failed", TuneError::NoVideo)
    } else {
        ("tuner-limit", TuneError::AllTunersInUse)
    };
    relay.events.record(
        Event::new(
            kind,
            format!(
                "channel {} ({}): no source could be used: {}",
                route.number,
                route.name,
                tried.describe()
            ),
        )
        .channel(&route.guide_id)
        .session(&hub.id),
    );
    hub.ready.send_replace(Ready::Failed(answer));
}

/// `source` failed mid-stream: the viewers stay, the source changes. Ends
/// what it left unfinished, frees its account connection, and connects the
/// next (the standby if it is ready) while viewers get keepalives; the new
/// source, its first bytes fed through the splicer, or `None` when the
/// session ends (stopped, or no other source works: an event says so).
async fn fail_over(
    relay: &Arc<Relay>,
    hub: &Arc<Hub>,
    source: Connected,
    failure: Failure,
    out: &mut Output,
    standby: Option<Standby>,
    stop: &mut tokio::sync::watch::Receiver<bool>,
) -> Option<Connected> {
    let detected = Instant::now();
    out.last_switch = Some(detected);
    let evicted = relay.check_eviction(&source, &failure, hub.health() == Health::Ok);
    super::learn::failed(relay, &source, &failure, evicted);
    hub.set_health(Health::FailingOver);
    relay.metrics.count_failure(&failure);
    relay.sessions.source_failed(
        &source.stream,
        format!("failed mid-stream ({})", failure.kind()),
    );
    let from = source.stream.clone();
    // What the failed source left unfinished is never sent; the sound
    // of its last pictures is.
    out.end_source(hub);
    drop(source); // frees its account connection for the next one
    let route = &hub.route;
    let connecting = next_source(relay, route, &from, standby);
    let (next, ahead) = out.meanwhile(hub, stop, connecting).await?;
    match next {
        Ok(mut next) => {
            out.switch = Some(Switch {
                detected,
                why: Why::Failed(failure),
                from: from.label(),
                to: next.stream.clone(),
                connected: Instant::now(),
                keyframe_wait: relay.config().keyframe_wait,
                ahead,
            });
            // What the new source is gets read at its first keyframe.
            out.tracker.read_format_soon();
            let first = std::mem::take(&mut next.upstream.first);
            out.feed(relay, hub, first, false);
            Some(next)
        }
        Err(tried) => {
            add(&relay.metrics.failovers_failed, 1);
            relay.events.record(
                Event::new(
                    "failover-failed",
                    format!(
                        "channel {} ({}): {} failed ({failure}) and no other source works: {}",
                        route.number,
                        route.name,
                        from.label(),
                        tried.describe()
                    ),
                )
                .channel(&route.guide_id)
                .session(&hub.id)
                .account(&from.account.name),
            );
            None
        }
    }
}

/// Returns the session to a better-ranked stream (see [`restore`]): the
/// current source ends as at a failover (what it left unfinished is never
/// sent), the new one goes through the splicer from its keyframe. A swap
/// that fails to connect falls back to the channel's streams in order.
async fn return_to(
    relay: &Arc<Relay>,
    hub: &Arc<Hub>,
    source: Connected,
    to: Return,
    out: &mut Output,
    stop: &mut tokio::sync::watch::Receiver<bool>,
) -> Option<Connected> {
    let detected = Instant::now();
    out.last_return = Some(detected);
    out.last_switch = Some(detected);
    let from = source.stream.clone();
    out.end_source(hub);
    drop(source);
    let next = match to {
        Return::Probed(next) => Ok(*next),
        Return::Swap(better) => {
            let route = &hub.route;
            let alone = route.only(&better);
            let connecting = async {
                match connect::first_working(relay, &alone, AtLimit::Skip, |_| None).await {
                    Ok(next) => restore::probe(relay, next).await.ok_or(better),
                    Err(_) => Err(better),
                }
            };
            let swapped = out.meanwhile(hub, stop, connecting).await?;
            match swapped {
                Ok(next) => Ok(next),
                // The better one did not come back after all: the others, in order.
                Err(better) => next_source(relay, &hub.route, &better, None).await.0,
            }
        }
    };
    let Ok(mut next) = next else {
        relay.events.record(
            Event::new(
                "failover-failed",
                format!(
                    "channel {} ({}): returning from {} failed and no source works",
                    hub.route.number,
                    hub.route.name,
                    from.label()
                ),
            )
            .channel(&hub.route.guide_id)
            .session(&hub.id),
        );
        return None;
    };
    out.switch = Some(Switch {
        detected,
        why: Why::Restored,
        from: from.label(),
        to: next.stream.clone(),
        connected: Instant::now(),
        keyframe_wait: relay.config().keyframe_wait,
        ahead: false,
    });
    out.tracker.read_format_soon();
    let first = std::mem::take(&mut next.upstream.first);
    out.feed(relay, hub, first, false);
    Some(next)
}

/// The source to switch to, and whether it was connected ahead: the standby
/// if it connected, else the channel's streams in order (the failed one and
/// those cooling down skipped).
async fn next_source(
    relay: &Arc<Relay>,
    route: &ChannelRoute,
    failed: &Arc<RouteStream>,
    standby: Option<Standby>,
) -> (Result<Connected, connect::Tried>, bool) {
    if let Some(standby) = standby {
        if let Some(ready) = standby.ready().await {
            add(&relay.metrics.standby_used, 1);
            return (Ok(ready), true);
        }
    }
    let next = connect::first_working(relay, route, AtLimit::Skip, |s| {
        relay.sessions.skip_reason(s, failed)
    });
    (next.await, false)
}

/// `; tried after the others: LABEL (failed at connect 12 s ago)` when
/// streams ranked above the source were put back for failing recently.
fn put_back_note(source: &Connected) -> String {
    if source.put_back.is_empty() {
        return String::new();
    }
    let list: Vec<String> = source
        .put_back
        .iter()
        .map(|(label, why)| format!("{label} ({why})"))
        .collect();
    format!("; tried after the others: {}", list.join(", "))
}

/// An event about the channel and its current source.
fn record(relay: &Relay, hub: &Hub, source: &Connected, kind: &str, what: String) {
    relay.events.record(
        Event::new(
            kind,
            format!("channel {} ({}) {what}", hub.route.number, hub.route.name),
        )
        .channel(&hub.route.guide_id)
        .session(&hub.id)
        .account(source.slot.account()),
    );
}

/// What goes out to the channel's viewers: the hub's sender, the tracker of
/// the stream as sent, the splicer that makes one programme of the sources
/// (and holds back each source's unfinished end), the switch in progress,
/// and when viewers last got something (for [`KEEPALIVE`]).
struct Output {
    sender: Sender<Chunk>,
    /// Viewers whose sockets the pump writes to itself.
    direct: DirectViewers,
    /// Viewers on their way to `direct`.
    joiners: UnboundedReceiver<Joiner>,
    tracker: Tracker,
    splicer: Splicer,
    /// What the splicer lets go, reused from read to read.
    pieces: Vec<bytes::Bytes>,
    switch: Option<Switch>,
    /// The tracker's format version last published to the hub.
    format_seen: u32,
    /// The source whose name and measure disagree, already reported.
    mismatch_reported: Option<String>,
    last_out: tokio::time::Instant,
    /// Seconds the current source played, for its history.
    play: PlayClock,
    /// When the session last returned to a better source.
    last_return: Option<Instant>,
    /// When the source last changed (a failover or a return).
    last_switch: Option<Instant>,
}

impl Output {
    /// When viewers will have gone [`KEEPALIVE`] without a byte.
    fn keepalive_at(&self) -> tokio::time::Instant {
        self.last_out + KEEPALIVE
    }

    /// The source is cut off: the splicer drops what it left unfinished and
    /// hands out the sound of its last pictures; the next one's packets are
    /// held until their start.
    fn end_source(&mut self, hub: &Hub) {
        let mut pieces = std::mem::take(&mut self.pieces);
        self.splicer.end_source(&self.tracker, &mut pieces);
        for piece in pieces.drain(..) {
            hub.deliver(
                &self.sender,
                &mut self.direct,
                piece,
                &mut self.tracker,
                false,
            );
        }
        self.pieces = pieces;
        self.splicer.begin_source(&self.tracker);
    }

    /// A stream whose picture measures another tier than its name claims
    /// ("FHD" that is 1280x720): one `quality-mismatch` event per source and
    /// session, from the first keyframe read.
    fn report_mismatch(&mut self, relay: &Relay, hub: &Hub, measured: &super::Measured) {
        let Some(stream) = hub.source_stream() else {
            return;
        };
        let (Some(tier), Some(video)) = (&measured.tier, &measured.video) else {
            return;
        };
        let named = stream.quality.label();
        let label = stream.label();
        if named == tier || stream.quality == crate::model::Quality::Unknown {
            return;
        }
        if self.mismatch_reported.as_deref() == Some(label.as_str()) {
            return;
        }
        relay.events.record(
            Event::new(
                "quality-mismatch",
                format!(
                    "channel {} ({}): {label} is named {named} but measures {video} ({tier})",
                    hub.route.number, hub.route.name
                ),
            )
            .channel(&hub.route.guide_id)
            .session(&hub.id)
            .account(&stream.account.name),
        );
        self.mismatch_reported = Some(label);
    }

    /// Adds a viewer the pump writes to itself: it starts with what a
    /// joiner of the broadcast ring would get (PAT/PMT, then the bytes since
    /// the last keyframe).
    fn add_viewer(&mut self, hub: &Hub, joiner: Joiner) {
        let (prefix, seq) = hub.join_prefix();
        self.direct.add(joiner, prefix, seq);
    }

    /// Runs `work` (connecting the next source) while viewers get
    /// keepalives, joiners are added and waiting sockets are written;
    /// `None` when the session is stopped meanwhile.
    async fn meanwhile<T>(
        &mut self,
        hub: &Hub,
        stop: &mut tokio::sync::watch::Receiver<bool>,
        work: impl std::future::Future<Output = T>,
    ) -> Option<T> {
        tokio::pin!(work);
        loop {
            tokio::select! {
                done = &mut work => return Some(done),
                _ = sleep_until(self.keepalive_at()) => self.keepalive(hub),
                Some(joiner) = self.joiners.recv() => self.add_viewer(hub, joiner),
                () = self.direct.writable(), if self.direct.any_waiting() => self.direct.flush_waiting(),
                _ = stop.wait_for(|s| *s) => return None,
            }
        }
    }

    /// Sends viewers a null packet (nothing else went out for a while).
    fn keepalive(&mut self, hub: &Hub) {
        hub.keepalive(&self.sender, &mut self.direct);
        self.last_out = tokio::time::Instant::now();
    }

    /// Hands packets to the hub through the splicer (which holds back the
    /// unfinished end of the stream, and a new source until its keyframe).
    /// `hold`: more packets are already read, the pump's own viewers get
    /// them all in one write.
    fn feed(&mut self, relay: &Relay, hub: &Hub, packets: bytes::Bytes, hold: bool) {
        let mut pieces = std::mem::take(&mut self.pieces);
        self.splicer.push(packets, &self.tracker, &mut pieces);
        if let Some(s) = &self.switch {
            if self.splicer.waiting() && s.connected.elapsed() >= s.keyframe_wait {
                self.splicer.start_anyway(&self.tracker, &mut pieces);
            }
        }
        let count = pieces.len();
        for (i, piece) in pieces.drain(..).enumerate() {
            let more = hold || i + 1 < count;
            hub.deliver(
                &self.sender,
                &mut self.direct,
                piece,
                &mut self.tracker,
                more,
            );
        }
        self.pieces = pieces;
        if count == 0 {
            return;
        }
        self.last_out = tokio::time::Instant::now();
        let switched = self.switch.is_some();
        if let Some(s) = self.switch.take() {
            let gap = s.detected.elapsed();
            let to = s.to.label();
            let (kind, what) = match &s.why {
                Why::Failed(failure) => {
                    hub.failovers
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    relay.metrics.count_switch(gap);
                    let what = format!(
                        "{} failed ({failure}); now playing {to}{}; new video {} ms after detection",
                        s.from,
                        if s.ahead { " (connected ahead)" } else { "" },
                        gap.as_millis()
                    );
                    ("failover", what)
                }
                Why::Restored => {
                    add(&relay.metrics.sources_restored, 1);
                    let what = format!(
                        "back on {to}, ranked above {} and healthy again; new video {} ms after the switch began",
                        s.from,
                        gap.as_millis()
                    );
                    ("source-restored", what)
                }
            };
            relay.events.record(
                Event::new(
                    kind,
                    format!("channel {} ({}): {what}", hub.route.number, hub.route.name),
                )
                .channel(&hub.route.guide_id)
                .session(&hub.id),
            );
            // Shown last: whoever sees the new source sees the switch counted.
            hub.set_health(Health::Ok);
            hub.set_source(s.to);
        }
        // After the switch is shown, so the format is the new source's (a
        // new source that measures as the old one is checked against its
        // own name too).
        let new_source_read = switched && !self.tracker.format_pending();
        if self.tracker.format_version() != self.format_seen || new_source_read {
            self.format_seen = self.tracker.format_version();
            let measured = super::Measured::of(&self.tracker);
            if let Some(stream) = hub.source_stream() {
                super::learn::measured(relay, &stream, &measured);
            }
            self.report_mismatch(relay, hub, &measured);
            hub.set_measured(measured);
        }
    }
}

/// The next moment silence may call for something: the stall deadline, the
/// standby's (unless one is open), or the viewers' keepalive.
fn next_quiet(
    config: &super::RelayConfig,
    last_data: tokio::time::Instant,
    out: &Output,
    standby_open: bool,
) -> tokio::time::Instant {
    let standby = config
        .standby_after
        .filter(|_| !standby_open)
        .map(|after| last_data + after);
    [
        Some(last_data + config.stall_timeout),
        standby,
        Some(out.keepalive_at()),
    ]
    .into_iter()
    .flatten()
    .min()
    .expect("the stall deadline is always there")
}

/// How often viewers that make no progress are looked for.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// Lets go of viewers that made no progress for the stuck-viewer time (and of
/// direct viewers whose lease ended), with a metric and an event.
fn sweep_viewers(relay: &Arc<Relay>, hub: &Arc<Hub>, out: &mut Output) {
    let config = relay.config();
    let dropped = hub.sweep(config.stuck_viewer_timeout);
    out.direct.drop_released();
    if dropped > 0 {
        add(&relay.metrics.viewers_dropped, dropped as u64);
        relay.events.record(
            Event::new(
                "viewer-dropped",
                format!(
                    "channel {}: {dropped} viewer(s) made no progress for {} s and were let go",
                    hub.route.number,
                    config.stuck_viewer_timeout.as_secs()
                ),
            )
            .channel(&hub.route.guide_id)
            .session(&hub.id),
        );
    }
}

/// Reads the tracker's content counters (once a second): a frozen picture
/// (or silent audio, if the policy says so) fails the source; silent audio
/// under the event policy is reported once.
fn judge_content(
    relay: &Relay,
    hub: &Hub,
    source: &Connected,
    out: &Output,
    watch: &mut ContentWatch,
    flowing: bool,
) -> Option<Failure> {
    let t = &out.tracker;
    let jumps = watch.jumps;
    let verdict = watch.tick(
        Instant::now(),
        t.content(),
        t.video_pid().is_some(),
        t.has_audio(),
        out.switch.is_some(),
        flowing,
    );
    add(&relay.metrics.pts_jumps, watch.jumps - jumps);
    match verdict? {
        Verdict::Fail(failure) => {
            if matches!(failure, Failure::AudioMissing(_)) {
                add(&relay.metrics.audio_missing, 1);
            }
            Some(failure)
        }
        Verdict::Report(failure) => {
            add(&relay.metrics.audio_missing, 1);
            record(
                relay,
                hub,
                source,
                failure.kind(),
                format!("{}: {failure}; it plays on", source.stream.label()),
            );
            None
        }
    }
}

/// Moves bytes until the session ends or the source fails.
async fn pump(
    relay: &Arc<Relay>,
    hub: &Arc<Hub>,
    source: &mut Connected,
    out: &mut Output,
    standby: &mut Option<Standby>,
) -> End {
    // Read once per source: a reload takes effect from the next one.
    let config = relay.config();
    let config = &*config;
    // The futures that rarely fire live across iterations: re-creating them
    // per read registered and dropped three waiters for every chunk.
    let mut stop = hub.stop.subscribe();
    let stopping = async move {
        let _ = stop.wait_for(|s| *s).await;
    };
    tokio::pin!(stopping);
    let mut viewers = hub.viewers.subscribe();
    let mut idle_since = (*viewers.borrow_and_update() == 0).then(Instant::now);
    let viewer_counts = futures_util::stream::unfold(viewers, |mut rx| async move {
        rx.changed().await.ok()?;
        let n = *rx.borrow_and_update();
        Some((n, rx))
    });
    tokio::pin!(viewer_counts);
    let mut rate = RateWatch::new(config.slow_ratio, config.slow_timeout);
    let mut content = ContentWatch::new(Instant::now(), config.stall_timeout, config.audio_missing);
    // Time is watched by one timer that data never touches: a read only notes
    // its time, and when the timer fires it does what is really due (a stall,
    // a standby, a keepalive, the once-a-second sweep, the idle close) and
    // sets itself for the next thing. So a chunk costs no timer work, and the
    // select has few branches to poll per read; a flowing channel wakes for
    // the timer about twice a second.
    let mut last_data = tokio::time::Instant::now();
    let mut next_sweep = last_data + SWEEP_EVERY;
    let idle_at = |idle_since: Option<Instant>| {
        idle_since.map(|t| tokio::time::Instant::from_std(t + config.idle_grace))
    };
    let due = |last_data, out: &Output, standby: bool, next_sweep, idle_since| {
        let quiet = next_quiet(config, last_data, out, standby);
        idle_at(idle_since)
            .map_or(quiet, |idle: tokio::time::Instant| idle.min(quiet))
            .min(next_sweep)
    };
    let timer = sleep_until(due(
        last_data,
        out,
        standby.is_some(),
        next_sweep,
        idle_since,
    ));
    tokio::pin!(timer);
    // A return to a better-ranked stream, being probed, and when the next
    // may start.
    let mut attempt: Option<Attempt> = None;
    let mut next_attempt = Instant::now();
    loop {
        // Biased: a read is tried first, so a wake-up for data polls nothing
        // else before it.
        tokio::select! {
            biased;
            read = source.upstream.next() => match read {
                Ok(packets) => {
                    last_data = tokio::time::Instant::now();
                    hub.note_data();
                    // Data came back: a backup connected meanwhile is let go.
                    standby.take();
                    rate.add(packets.len());
                    out.feed(relay, hub, packets, source.upstream.more_ready());
                }
                Err(failure) => return End::Failed(failure),
            },
            () = out.direct.writable(), if out.direct.any_waiting() => out.direct.flush_waiting(),
            () = &mut timer => {
                let now = tokio::time::Instant::now();
                if now >= last_data + config.stall_timeout {
                    return End::Failed(source.upstream.stall(config.stall_timeout));
                }
                if now >= last_data + config.stall_timeout / 2 {
                    hub.set_health(Health::Stalled);
                }
                let standby_due = config.standby_after.is_some_and(|after| now >= last_data + after);
                if standby_due && standby.is_none() {
                    *standby = Some(Standby::open(relay, &hub.route, &source.stream));
                }
                if now >= out.keepalive_at() {
                    out.keepalive(hub);
                    // Quiet: any byte wakes the pump until the next sweep.
                    source.upstream.batch_reads(0);
                }
                if idle_at(idle_since).is_some_and(|idle| now >= idle) {
                    if relay.sessions.remove_if_idle(hub) {
                        return End::Quit("no viewer left".into());
                    }
                    idle_since = None;
                }
                if now >= next_sweep {
                    next_sweep = now + SWEEP_EVERY;
                    if let Some(slow) = rate.tick(Instant::now()) {
                        return End::Failed(slow);
                    }
                    source.upstream.batch_reads(rate.last_second());
                    // Data came within half the stall time: a silence is the stall's.
                    let flowing = now < last_data + config.stall_timeout / 2;
                    if flowing {
                        out.play.second(relay, &source.stream, rate.last_second());
                    }
                    let settled = flowing && standby.is_none() && out.switch.is_none();
                    if attempt.is_none() && settled && Instant::now() >= next_attempt {
                        attempt = restore::better_stream(relay, hub, &source.stream, out.last_switch, out.last_return)
                            .map(|better| Attempt::start(relay, &hub.route, &source.stream, better));
                    }
                    if let Some(failure) = judge_content(relay, hub, source, out, &mut content, flowing) {
                        return End::Failed(failure);
                    }
                    sweep_viewers(relay, hub, out);
                }
                timer.as_mut().reset(due(last_data, out, standby.is_some(), next_sweep, idle_since));
            }
            Some(joiner) = out.joiners.recv() => out.add_viewer(hub, joiner),
            back = async { attempt.as_mut().expect("polled only when set").done().await }, if attempt.is_some() => {
                attempt = None;
                match back {
                    Some(back) => return End::Return(back),
                    None => next_attempt = Instant::now() + restore::RETRY_AFTER,
                }
            }
            count = viewer_counts.next() => {
                let Some(n) = count else {
                    return End::Quit("the channel was closed".into());
                };
                idle_since = match (n, idle_since) {
                    (0, None) => Some(Instant::now()),
                    (0, since) => since,
                    _ => None,
                };
                timer.as_mut().reset(due(last_data, out, standby.is_some(), next_sweep, idle_since));
            }
            () = &mut stopping => return End::Quit("the server is stopping".into()),
        }
    }
}
