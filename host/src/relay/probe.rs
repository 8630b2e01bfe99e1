//! `streamforge streams probe [CHANNEL]`: measures the streams that never
//! played (a few seconds each, see [`super::restore::probe`]), so ranking
//! knows what they are before a viewer meets them. One probe at a time,
//! within the limits: each holds a tuner and an account connection like a
//! tune, and gives them up the moment a tune needs them
//! ([`Relay::yield_probe`], called by `super::switch::make_room`).

use super::connect::{self, AtLimit};
use super::Relay;
use crate::history::StreamId;
use crate::routing::table::ChannelRoute;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// What the probe of one stream found.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProbeReport {
    /// The lineup channel's number.
    pub channel: String,
    /// `account/key (FHD)`.
    pub stream: String,
    /// `measured`, `failed`, `skipped` or `stopped`.
    pub outcome: String,
    /// What was measured, or why not.
    pub detail: String,
}

/// The probe running now: set `stop` to end it; `done` turns true once its
/// tuner and connection are back.
pub(crate) struct Probing {
    stop: watch::Sender<bool>,
    done: watch::Receiver<bool>,
}

/// Longest wait for a probe to give its slots back to a tune.
const YIELD_WAIT: Duration = Duration::from_secs(5);

/// Why no probe ran.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// Another `streams probe` runs.
    #[error("a probe is already running; wait for it to finish")]
    Busy,
    /// No lineup channel has that number.
    #[error("no lineup channel has the number `{0}` (see `streamforge mappings`)")]
    Unknown(String),
}

impl Relay {
    /// Probes every stream of `channel` (or of every channel) that has not
    /// been measured yet, one at a time, on the relay's runtime; what each
    /// probe found.
    pub async fn probe_streams(
        self: &Arc<Self>,
        channel: Option<String>,
    ) -> Result<Vec<ProbeReport>, ProbeError> {
        let relay = self.clone();
        self.runtime
            .spawn(async move { relay.probe_here(channel.as_deref()).await })
            .await
            .unwrap_or(Err(ProbeError::Busy))
    }

    async fn probe_here(
        self: &Arc<Self>,
        channel: Option<&str>,
    ) -> Result<Vec<ProbeReport>, ProbeError> {
        let (stop, stopped) = watch::channel(false);
        let (done_tx, done) = watch::channel(false);
        {
            let mut running = lock(&self.probing);
            if running.as_ref().is_some_and(|p| !*p.done.borrow()) {
                return Err(ProbeError::Busy);
            }
            *running = Some(Probing { stop, done });
        }
        // `done` is set however this ends (a dropped request included).
        let _done = SetOnDrop(done_tx);
        let snapshot = self.routing.load();
        let mut routes: Vec<Arc<ChannelRoute>> = match channel {
            Some(n) => vec![snapshot
                .table
                .channels
                .get(n)
                .cloned()
                .ok_or_else(|| ProbeError::Unknown(n.to_string()))?],
            None => snapshot.table.channels.values().cloned().collect(),
        };
        routes.sort_by(|a, b| number_order(&a.number, &b.number));
        let mut reports = Vec::new();
        for route in routes {
            for stream in &route.streams {
                let id = StreamId::new(&stream.account.name, &stream.channel.key);
                if self.history.get(&id).is_some_and(|r| r.measured.is_some()) {
                    continue;
                }
                let mut report = ProbeReport {
                    channel: route.number.clone(),
                    stream: stream.label(),
                    outcome: "skipped".into(),
                    detail: String::new(),
                };
                if *stopped.borrow() {
                    report.outcome = "stopped".into();
                    report.detail = "a viewer needed the tuner or the connection".into();
                    reports.push(report);
                    continue;
                }
                let alone = route.only(stream);
                (report.outcome, report.detail) = self.probe_one(&alone, stopped.clone()).await;
                reports.push(report);
            }
        }
        Ok(reports)
    }

    /// Probes the one stream of `alone`, holding a tuner while it does.
    async fn probe_one(
        self: &Arc<Self>,
        alone: &ChannelRoute,
        mut stopped: watch::Receiver<bool>,
    ) -> (String, String) {
        let tuners = self.routing.load().table.tuner_count;
        let Some(_tuner) = self.limits.try_tuner(crate::store::MAIN_LINEUP, tuners) else {
            return ("skipped".into(), format!("all {tuners} tuners are in use"));
        };
        let relay = self.clone();
        let probing = async move {
            match connect::first_working(&relay, alone, AtLimit::Stop, |_| None).await {
                Ok(connected) => match super::restore::probe(&relay, connected).await {
                    Some(c) => {
                        let id = StreamId::new(&c.stream.account.name, &c.stream.channel.key);
                        let measured = relay.history.get(&id).and_then(|r| r.measured);
                        let what = measured
                            .as_ref()
                            .map(|m| format!("{} ({})", m.video, m.tier.label()))
                            .unwrap_or_default();
                        let named = c.stream.quality;
                        let lies = measured.as_ref().is_some_and(|m| {
                            named != crate::model::Quality::Unknown && m.tier != named
                        });
                        if lies {
                            relay.events.record(
                                crate::events::Event::new(
                                    "quality-mismatch",
                                    format!(
                                        "channel {} ({}): {} is named {} but measures {what} (probed)",
                                        alone.number,
                                        alone.name,
                                        c.stream.label(),
                                        named.label()
                                    ),
                                )
                                .channel(&alone.guide_id)
                                .account(&c.stream.account.name),
                            );
                        }
                        ("measured".to_string(), what)
                    }
                    None => (
                        "failed".to_string(),
                        "no whole picture within the probe time".to_string(),
                    ),
                },
                Err(tried) if tried.attempted => ("failed".to_string(), tried.describe()),
                Err(tried) => ("skipped".to_string(), tried.describe()),
            }
        };
        tokio::select! {
            found = probing => found,
            _ = stopped.wait_for(|s| *s) => (
                "stopped".into(),
                "a viewer needed the tuner or the connection".into(),
            ),
        }
    }

    /// Ends a running probe so a tune gets its tuner and connection, and
    /// waits until they are back; whether one was running.
    pub(crate) async fn yield_probe(&self) -> bool {
        let done = {
            let running = lock(&self.probing);
            let Some(p) = running.as_ref().filter(|p| !*p.done.borrow()) else {
                return false;
            };
            p.stop.send_replace(true);
            p.done.clone()
        };
        let mut done = done;
        let _ = tokio::time::timeout(YIELD_WAIT, done.wait_for(|d| *d)).await;
        true
    }
}

/// Sets its flag when dropped.
struct SetOnDrop(watch::Sender<bool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.send_replace(true);
    }
}

fn lock(m: &Mutex<Option<Probing>>) -> std::sync::MutexGuard<'_, Option<Probing>> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Channel numbers in lineup order (`5` < `5.1` < `10`).
fn number_order(a: &str, b: &str) -> std::cmp::Ordering {
    let parts = |n: &str| {
        let mut it = n.split('.').map(|p| p.parse::<u64>().unwrap_or(u64::MAX));
        (it.next().unwrap_or(0), it.next().unwrap_or(0))
    };
    parts(a).cmp(&parts(b)).then(a.cmp(b))
}
