//! Sync and match started from the sources page: each runs in the
//! background on the blocking pool, one at a time, and records its steps
//! (the same [`Progress`] the CLI prints) for the page to show live
//! (`GET /ui/api/job`, polled by the page's script). Without JavaScript the
//! button is a plain POST that waits for the result and redirects with it.

use super::{flash, Console, SessionId};
use crate::app::App;
use crate::catalog::Progress;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use maud::{html, Markup};
use serde::Serialize;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The header the page's script sends to start a job without waiting for it.
pub const BACKGROUND_HEADER: &str = "x-console-job";

/// How long the lineup may take to serve a finished job's changes.
const CATCH_UP: Duration = Duration::from_secs(60);

/// One step of a job, as the CLI prints it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Step {
    /// What the step works on (`account main`, `guide panel`).
    pub what: String,
    /// How it ended; `None` while it runs.
    pub outcome: Option<String>,
}

/// What a job has done so far.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct JobView {
    /// `sync` or `match`.
    pub kind: &'static str,
    /// When it started (unix seconds).
    pub started: i64,
    /// True until it has ended.
    pub running: bool,
    /// Its steps, in order.
    pub steps: Vec<Step>,
    /// Its summary line once it has ended.
    pub outcome: Option<String>,
    /// True when it ended with an error (then `outcome` says why).
    pub failed: bool,
}

/// A job: its view, and a signal for whoever waits for its end.
pub struct Job {
    view: Mutex<JobView>,
    ended: tokio::sync::watch::Sender<bool>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Job {
    /// What it has done so far.
    pub fn view(&self) -> JobView {
        lock(&self.view).clone()
    }

    /// Records its end (the first call wins) and wakes its waiters.
    fn end(&self, outcome: Result<String, String>) {
        let mut view = lock(&self.view);
        if !view.running {
            return;
        }
        view.running = false;
        view.failed = outcome.is_err();
        view.outcome = Some(outcome.unwrap_or_else(|e| e));
        drop(view);
        self.ended.send_replace(true);
    }

    /// Waits until it has ended.
    async fn ended(&self) {
        let mut ended = self.ended.subscribe();
        let _ = ended.wait_for(|e| *e).await;
    }
}

impl Progress for Job {
    fn step(&self, what: &str) {
        lock(&self.view).steps.push(Step {
            what: what.to_string(),
            outcome: None,
        });
    }

    fn done(&self, what: &str, outcome: &str) {
        let mut view = lock(&self.view);
        match view
            .steps
            .iter_mut()
            .rev()
            .find(|s| s.what == what && s.outcome.is_none())
        {
            Some(step) => step.outcome = Some(outcome.to_string()),
            None => view.steps.push(Step {
                what: what.to_string(),
                outcome: Some(outcome.to_string()),
            }),
        }
    }
}

/// The console's jobs: the latest one, running or ended.
#[derive(Default)]
pub struct Jobs {
    latest: Mutex<Option<Arc<Job>>>,
}

impl Jobs {
    /// A new job of `kind`, unless one is running: then the line that says so.
    pub fn begin(&self, kind: &'static str) -> Result<Arc<Job>, String> {
        let mut latest = lock(&self.latest);
        if let Some(job) = latest.as_ref() {
            let view = job.view();
            if view.running {
                return Err(format!(
                    "a {} is already running (started {}); wait for it to end",
                    view.kind,
                    super::date_time(view.started)
                ));
            }
        }
        let job = Arc::new(Job {
            view: Mutex::new(JobView {
                kind,
                started: now(),
                running: true,
                steps: Vec::new(),
                outcome: None,
                failed: false,
            }),
            ended: tokio::sync::watch::channel(false).0,
        });
        *latest = Some(job.clone());
        Ok(job)
    }

    /// The latest job's view, if any.
    pub fn latest(&self) -> Option<JobView> {
        lock(&self.latest).as_ref().map(|j| j.view())
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Ends the job with an error if the work panicked, so the next one may start.
struct EndOnDrop(Arc<Job>);

impl Drop for EndOnDrop {
    fn drop(&mut self) {
        self.0.end(Err(
            "the job stopped unexpectedly; see the server's log".into()
        ));
    }
}

/// The job's part of the sources page (also sent to the page's script).
pub fn section(view: Option<&JobView>) -> Markup {
    html! {
        @if let Some(v) = view {
            div #job-box data-running=(if v.running { "true" } else { "false" }) {
                p.job-title {
                    b { (if v.kind == "sync" { "Sync" } else { "Match" }) }
                    @if v.running { " running since " } @else { " started " }
                    (super::date_time(v.started))
                }
                ol.steps #job-steps {
                    @for s in &v.steps {
                        li .running[s.outcome.is_none()] {
                            (s.what) ": "
                            @match &s.outcome { Some(o) => { (o) } None => { span.muted { "working…" } } }
                        }
                    }
                }
                @if let Some(o) = &v.outcome {
                    p #job-outcome .flash .error[v.failed] { (o) }
                }
            }
        }
    }
}

/// `GET /ui/api/job`: the latest job and its part of the page.
pub async fn status(State(console): State<Console>) -> Response {
    #[derive(Serialize)]
    struct Answer {
        job: Option<JobView>,
        html: String,
    }
    let job = console.jobs.latest();
    let html = section(job.as_ref()).into_string();
    Json(Answer { job, html }).into_response()
}

/// Starts `work` as a job of `kind`. From the page's script (header
/// [`BACKGROUND_HEADER`]) it answers at once: 202 with the job, or 409 when
/// one is running; a plain form POST waits for the end and redirects to
/// `back` with the outcome as the page's message.
pub async fn start(
    console: &Console,
    session: &SessionId,
    headers: &HeaderMap,
    back: &str,
    kind: &'static str,
    work: impl FnOnce(&App, &tokio::runtime::Handle, &Job) -> anyhow::Result<String> + Send + 'static,
) -> Response {
    let background = headers.contains_key(BACKGROUND_HEADER);
    let job = match console.jobs.begin(kind) {
        Ok(job) => job,
        Err(running) if background => {
            return (
                StatusCode::CONFLICT,
                Json(crate::api::ApiError { error: running }),
            )
                .into_response()
        }
        Err(running) => {
            flash(console, session, true, running);
            return Redirect::to(back).into_response();
        }
    };
    let (app, relay, handle) = (
        console.app.clone(),
        console.relay.clone(),
        tokio::runtime::Handle::current(),
    );
    let worker = job.clone();
    // Not awaited: the job outlives the request (a browser may leave).
    drop(tokio::task::spawn_blocking(move || {
        let guard = EndOnDrop(worker);
        let outcome = work(&app, &handle, &guard.0).map_err(|e| format!("{e:#}"));
        // The job ends once the lineup serves what it changed.
        let version = app.store.version_in_memory();
        if !handle.block_on(relay.routing.caught_up(version, CATCH_UP)) {
            tracing::warn!("the lineup did not catch up with a console {kind} within 60 s");
        }
        guard.0.end(outcome);
    }));
    if background {
        return (StatusCode::ACCEPTED, Json(job.view())).into_response();
    }
    job.ended().await;
    let view = job.view();
    flash(
        console,
        session,
        view.failed,
        view.outcome.unwrap_or_default(),
    );
    Redirect::to(back).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_job_at_a_time_with_its_steps() {
        let jobs = Jobs::default();
        let job = jobs.begin("sync").unwrap();
        job.step("account main");
        job.step("guide panel");
        job.done("account main", "20 channels");
        let Err(busy) = jobs.begin("match") else {
            panic!("a second job started while one runs");
        };
        assert!(busy.starts_with("a sync is already running"), "{busy}");
        let html = section(jobs.latest().as_ref()).into_string();
        assert!(html.contains("account main: 20 channels"), "{html}");
        assert!(html.contains("guide panel: <span"), "{html}");
        assert!(html.contains("data-running=\"true\""), "{html}");
        job.end(Ok("synced".into()));
        job.end(Err("late".into()));
        let view = jobs.latest().unwrap();
        assert!(!view.running && !view.failed);
        assert_eq!(view.outcome.as_deref(), Some("synced"));
        assert!(jobs.begin("match").is_ok(), "a new job once it ended");
    }

    #[test]
    fn a_job_that_panics_still_ends() {
        let jobs = Jobs::default();
        let job = jobs.begin("match").unwrap();
        drop(EndOnDrop(job));
        let view = jobs.latest().unwrap();
        assert!(!view.running && view.failed);
        assert!(jobs.begin("sync").is_ok());
    }
}
