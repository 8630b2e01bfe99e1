//! `/api/v1` routes: thin handlers over [`App`] methods, behind a bearer
//! token. Errors answer `{"error": "<the line the CLI would print>"}`.

use super::{AddGuide, ApiError, GuideSettings, MapRequest, MatchRequest, SyncRequest};
use crate::app::App;
use crate::auth::AdminToken;
use crate::catalog::{NewAccount, SilentProgress};
use crate::lineup_control::{AccountToggle, ChannelToggle, GroupAction, UnmappedToggle};
use crate::matching::MappingsQuery;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tokio::runtime::Handle;

/// Shared state of the admin routes.
#[derive(Clone)]
struct Admin {
    app: Arc<App>,
    /// The running relay (absent in tests that serve only the API).
    relay: Option<Arc<crate::relay::Relay>>,
}

/// An operation's failure, as an HTTP answer.
struct Failure(anyhow::Error);

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.into())
    }
}

impl IntoResponse for Failure {
    /// What the user asked for that cannot be done answers 400 with the line
    /// the CLI would print; the server's own trouble (its database failing)
    /// answers 500 with a short generic line, and the log says why.
    fn into_response(self) -> Response {
        let internal = self
            .0
            .chain()
            .any(|cause| cause.downcast_ref::<crate::store::StoreError>().is_some());
        if internal {
            tracing::error!("admin API: {:#}", self.0);
            let body = ApiError {
                error: "internal error: the server could not use its database; its log says why"
                    .into(),
            };
            return (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response();
        }
        let body = ApiError {
            error: format!("{:#}", self.0),
        };
        (StatusCode::BAD_REQUEST, Json(body)).into_response()
    }
}

/// A JSON answer. Big ones are serialized on the blocking pool, where they
/// were computed (see [`off_thread`]).
type Answer = Result<Response, Failure>;

/// The admin API for `app`, answering only requests bearing `token`.
pub fn router(app: Arc<App>, token: AdminToken, relay: Option<Arc<crate::relay::Relay>>) -> Router {
    let state = Admin { app, relay };
    Router::new()
        .route("/accounts", get(list_accounts).post(add_account))
        .route("/accounts/{name}", axum::routing::delete(remove_account))
        .route("/accounts/{name}/test", post(test_account))
        .route("/accounts/{name}/set", post(set_account))
        .route("/guides", get(list_guides).post(add_guide))
        .route("/guides/{name}", axum::routing::delete(remove_guide))
        .route("/guides/{name}/settings", post(set_guide))
        .route("/sync", post(sync))
        .route("/match", post(run_match))
        .route("/mappings", get(mappings).post(map))
        .route("/mappings/remove", post(unmap))
        .route("/accounts/{name}/enabled", post(set_account_enabled))
        .route("/lineup/channels", post(set_channel_enabled))
        .route("/lineup/groups", get(lineup_groups).post(change_group))
        .route("/lineup/unmapped", post(set_expose_unmapped))
        .route("/lineups", get(list_lineups).post(create_lineup))
        .route("/lineups/{name}", get(show_lineup).delete(remove_lineup))
        .route("/lineups/{name}/set", post(set_lineup))
        .route("/users", get(list_users).post(add_user))
        .route("/users/{name}", axum::routing::delete(remove_user))
        .route("/users/{name}/set", post(set_user))
        .route("/lineups/{name}/split", post(split_lineup))
        .route("/events", get(events))
        .route("/status", get(status))
        .route("/streams/probe", post(probe_streams))
        .route("/plugins", get(list_plugins).post(install_plugin))
        .route("/plugins/{name}", axum::routing::delete(remove_plugin))
        .route("/backup", get(backup))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            publish_changes,
        ))
        .layer(middleware::from_fn_with_state(
            token,
            crate::auth::admin::require,
        ))
        .with_state(state)
}

/// After a request that may have changed the lineup, answers only once the
/// tuner and the relay serve the change (the routing snapshot caught up), so
/// `map` then `lineup.json` never sees the old lineup.
async fn publish_changes(State(admin): State<Admin>, request: Request, next: Next) -> Response {
    let writes = request.method() != axum::http::Method::GET;
    let response = next.run(request).await;
    if let (true, Some(relay)) = (writes, &admin.relay) {
        let version = admin.app.store.version_in_memory();
        let limit = std::time::Duration::from_secs(60);
        if !relay.routing.caught_up(version, limit).await {
            tracing::warn!("the lineup did not catch up with a change within {limit:?}");
        }
    }
    response
}

async fn status(State(a): State<Admin>) -> Answer {
    match &a.relay {
        Some(relay) => Ok(Json(relay.status().await).into_response()),
        None => Err(Failure(anyhow::anyhow!(
            "this server does not relay streams"
        ))),
    }
}

/// What `streams probe` asks for.
#[derive(Debug, Default, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct ProbeRequest {
    /// Only this lineup channel's streams.
    pub channel: Option<String>,
}

async fn probe_streams(State(a): State<Admin>, Json(request): Json<ProbeRequest>) -> Answer {
    match &a.relay {
        Some(relay) => Ok(Json(relay.probe_streams(request.channel).await?).into_response()),
        None => Err(Failure(anyhow::anyhow!(
            "this server does not relay streams"
        ))),
    }
}

/// Runs `op` on the blocking pool, so no admin request ever makes the async
/// thread (which moves every channel's bytes) wait on the database, a plugin
/// or the disk, nor on serializing a big answer. `op` gets the app and the
/// runtime's handle, to drive async operations (their network I/O still runs
/// on the runtime).
async fn off_thread<T: serde::Serialize + Send + 'static>(
    admin: &Admin,
    op: impl FnOnce(&App, &Handle) -> anyhow::Result<T> + Send + 'static,
) -> Answer {
    let (app, handle) = (admin.app.clone(), Handle::current());
    let json = crate::blocking::run(move || Ok(serde_json::to_vec(&op(&app, &handle)?)?)).await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
}

async fn list_accounts(State(a): State<Admin>) -> Answer {
    off_thread(&a, |app, _| app.catalog.list_accounts()).await
}

async fn add_account(State(a): State<Admin>, Json(new): Json<NewAccount>) -> Answer {
    off_thread(&a, |app, rt| rt.block_on(app.catalog.add_account(new))).await
}

async fn remove_account(State(a): State<Admin>, Path(name): Path<String>) -> Answer {
    off_thread(&a, move |app, _| app.catalog.remove_account(&name)).await
}

async fn set_account(
    State(a): State<Admin>,
    Path(name): Path<String>,
    Json(change): Json<crate::catalog::AccountChange>,
) -> Answer {
    off_thread(&a, move |app, _| app.catalog.set_account(&name, change)).await
}

async fn test_account(State(a): State<Admin>, Path(name): Path<String>) -> Answer {
    off_thread(&a, move |app, rt| {
        rt.block_on(app.catalog.test_account(&name))
    })
    .await
}

async fn list_guides(State(a): State<Admin>) -> Answer {
    off_thread(&a, |app, _| app.guides.list_guides()).await
}

async fn add_guide(State(a): State<Admin>, Json(g): Json<AddGuide>) -> Answer {
    off_thread(&a, move |app, rt| {
        let shift = parse_shift(g.shift.as_deref().unwrap_or("0"))?;
        rt.block_on(app.guides.add_guide(&g.name, &g.source, shift))
    })
    .await
}

async fn set_guide(
    State(a): State<Admin>,
    Path(name): Path<String>,
    Json(s): Json<GuideSettings>,
) -> Answer {
    off_thread(&a, move |app, rt| {
        let shift = parse_shift(&s.shift)?;
        rt.block_on(app.guides.set_shift(&name, shift))
    })
    .await
}

fn parse_shift(text: &str) -> anyhow::Result<crate::guide::GuideShift> {
    crate::guide::GuideShift::parse(text).map_err(anyhow::Error::msg)
}

async fn remove_guide(State(a): State<Admin>, Path(name): Path<String>) -> Answer {
    off_thread(&a, move |app, _| app.guides.remove_guide(&name)).await
}

async fn sync(State(a): State<Admin>, Json(req): Json<SyncRequest>) -> Answer {
    off_thread(&a, move |app, rt| {
        rt.block_on(app.sync(req.account.as_deref(), &SilentProgress))
    })
    .await
}

async fn run_match(State(a): State<Admin>, Json(req): Json<MatchRequest>) -> Answer {
    off_thread(&a, move |app, rt| {
        rt.block_on(app.matching.run_match(req.dry_run))
    })
    .await
}

async fn mappings(State(a): State<Admin>, Query(q): Query<MappingsQuery>) -> Answer {
    off_thread(&a, move |app, _| app.matching.mappings(&q)).await
}

async fn map(State(a): State<Admin>, Json(m): Json<MapRequest>) -> Answer {
    off_thread(&a, move |app, _| {
        app.matching.map(&m.guide_id, &m.account, &m.key, m.rank)
    })
    .await
}

async fn unmap(State(a): State<Admin>, Json(m): Json<MapRequest>) -> Answer {
    off_thread(&a, move |app, _| {
        app.matching.unmap(&m.guide_id, &m.account, &m.key)
    })
    .await
}

async fn set_account_enabled(
    State(a): State<Admin>,
    Path(name): Path<String>,
    Json(t): Json<AccountToggle>,
) -> Answer {
    off_thread(&a, move |app, _| {
        app.lineup.set_account_enabled(&name, t.enabled)
    })
    .await
}

async fn set_channel_enabled(State(a): State<Admin>, Json(t): Json<ChannelToggle>) -> Answer {
    off_thread(&a, move |app, _| {
        app.lineup.set_channel_enabled(&t.guide_id, t.enabled)
    })
    .await
}

async fn lineup_groups(State(a): State<Admin>) -> Answer {
    off_thread(&a, |app, _| app.lineup.groups()).await
}

async fn change_group(State(a): State<Admin>, Json(action): Json<GroupAction>) -> Answer {
    off_thread(&a, move |app, _| app.lineup.change_group(&action)).await
}

async fn set_expose_unmapped(State(a): State<Admin>, Json(t): Json<UnmappedToggle>) -> Answer {
    off_thread(&a, move |app, _| app.lineup.set_expose_unmapped(t.on)).await
}

async fn list_lineups(State(a): State<Admin>) -> Answer {
    off_thread(&a, |app, _| app.lineup.lineups()).await
}

async fn show_lineup(State(a): State<Admin>, Path(name): Path<String>) -> Answer {
    off_thread(&a, move |app, _| app.lineup.lineup_info(&name)).await
}

async fn create_lineup(State(a): State<Admin>, Json(new): Json<NewLineup>) -> Answer {
    off_thread(&a, move |app, _| {
        app.lineup.create_lineup(&new.name, &new.change)
    })
    .await
}

async fn set_lineup(
    State(a): State<Admin>,
    Path(name): Path<String>,
    Json(change): Json<crate::lineup_control::LineupChange>,
) -> Answer {
    off_thread(&a, move |app, _| app.lineup.set_lineup(&name, &change)).await
}

async fn remove_lineup(State(a): State<Admin>, Path(name): Path<String>) -> Answer {
    off_thread(&a, move |app, _| app.lineup.remove_lineup(&name)).await
}

async fn split_lineup(
    State(a): State<Admin>,
    Path(name): Path<String>,
    Json(split): Json<SplitLineup>,
) -> Answer {
    off_thread(&a, move |app, _| app.lineup.split_lineup(&name, split.max)).await
}

async fn list_users(State(a): State<Admin>) -> Answer {
    off_thread(&a, |app, _| app.users.list()).await
}

async fn add_user(State(a): State<Admin>, Json(new): Json<NewUser>) -> Answer {
    off_thread(&a, move |app, _| app.users.add(&new.name, &new.change)).await
}

async fn set_user(
    State(a): State<Admin>,
    Path(name): Path<String>,
    Json(change): Json<crate::users::UserChange>,
) -> Answer {
    off_thread(&a, move |app, _| app.users.set(&name, &change)).await
}

async fn remove_user(State(a): State<Admin>, Path(name): Path<String>) -> Answer {
    off_thread(&a, move |app, _| app.users.remove(&name)).await
}

/// Body of `POST /api/v1/users`: `user add NAME ...` (the password inside,
/// over the admin connection only; never stored as given).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewUser {
    /// The user name.
    pub name: String,
    /// Password, lineup, limits.
    #[serde(default)]
    pub change: crate::users::UserChange,
}

/// Body of `POST /api/v1/lineups`: `lineup create NAME ...`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewLineup {
    /// The new lineup's name.
    pub name: String,
    /// What to set on it.
    #[serde(default)]
    pub change: crate::lineup_control::LineupChange,
}

/// Body of `POST /api/v1/lineups/{name}/split`: `lineup split NAME --max N`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SplitLineup {
    /// Channels per part at most.
    pub max: usize,
}

#[derive(Deserialize)]
struct EventsQuery {
    #[serde(default)]
    after: u64,
    limit: Option<usize>,
}

async fn events(State(a): State<Admin>, Query(q): Query<EventsQuery>) -> Answer {
    let limit = q.limit.unwrap_or(1000);
    off_thread(&a, move |app, _| Ok(app.events.since(q.after, limit))).await
}

async fn list_plugins(State(a): State<Admin>) -> Answer {
    off_thread(&a, |app, _| app.plugins.list()).await
}

#[derive(Deserialize)]
struct InstallQuery {
    source: String,
}

async fn install_plugin(
    State(a): State<Admin>,
    Query(q): Query<InstallQuery>,
    body: axum::body::Bytes,
) -> Answer {
    off_thread(&a, move |app, _| {
        app.plugins.install_bytes(&body, &q.source, false)
    })
    .await
}

async fn remove_plugin(State(a): State<Admin>, Path(name): Path<String>) -> Answer {
    off_thread(&a, move |app, _| app.plugins.remove(&name)).await
}

#[derive(Deserialize)]
struct BackupQuery {
    #[serde(default)]
    include_key: bool,
}

/// The data dir as a backup archive (see [`crate::backup`]): made into a
/// temporary file on the blocking pool, then streamed from it.
async fn backup(State(a): State<Admin>, Query(q): Query<BackupQuery>) -> Answer {
    let app = a.app.clone();
    let file = crate::blocking::run(move || {
        crate::backup::write_to_temp(&app.data, &app.store, q.include_key)
    })
    .await?;
    let body = axum::body::Body::from_stream(stream_file(tokio::fs::File::from_std(file)));
    Ok(([(header::CONTENT_TYPE, "application/gzip")], body).into_response())
}

/// A file's bytes as a body stream, 64 KiB at a time (tokio reads files on
/// the blocking pool).
fn stream_file(
    file: tokio::fs::File,
) -> impl futures_util::Stream<Item = std::io::Result<bytes::Bytes>> + Send {
    futures_util::stream::try_unfold(file, |mut file| async move {
        use tokio::io::AsyncReadExt;
        let mut chunk = bytes::BytesMut::with_capacity(64 * 1024);
        match file.read_buf(&mut chunk).await? {
            0 => Ok(None),
            _ => Ok(Some((chunk.freeze(), file))),
        }
    })
}
