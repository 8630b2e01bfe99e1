//! The sources page: accounts (add with the password in a password field,
//! test, remove; status, expiry, connections), guides (add, remove, last
//! sync, counts), sync and match with live progress (`jobs`), and plugins
//! (list, inspect, install from an uploaded file or a URL with its sha256,
//! remove). Each action is the CLI's own operation on [`crate::app::App`].

use super::{act, date_time, flash, jobs, layout, read, Console, SessionId};
use crate::catalog::{AccountView, NewAccount};
use crate::guide::GuideView;
use crate::plugins::download::{fetch_verified, MAX_PLUGIN_BYTES};
use crate::plugins::Manifest;
use axum::extract::{Multipart, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::{html, Markup};
use serde::Deserialize;
use zeroize::Zeroizing;

const BACK: &str = "/ui/sources";

/// The largest upload the install form takes: the largest plugin, plus room
/// for the form's own fields.
pub const UPLOAD_LIMIT: usize = MAX_PLUGIN_BYTES + 64 * 1024;

/// A form of one button naming one thing (`name`), asking `confirm` first when given.
pub(super) fn one(action: &str, label: &str, name: &str, confirm: Option<&str>) -> Markup {
    html! {
        form.inline method="post" action=(action) data-confirm=[confirm] {
            input type="hidden" name="name" value=(name);
            button type="submit" { (label) }
        }
    }
}

fn accounts(list: &[AccountView], used: &[crate::relay::AccountUse]) -> Markup {
    html! {
        section.card.wide #accounts {
            h2 { "Accounts" }
            @if list.is_empty() { p.muted { "No account yet." } } @else {
                div.scroll { table {
                    thead { tr { th { "Name" } th { "Provider" } th { "Status" } th { "Expires" } th { "Connections" } th { "Channels" } th { "" } } }
                    tbody { @for a in list {
                        @let u = used.iter().find(|u| u.name == a.name);
                        tr data-account=(a.name) {
                            td { b { (a.name) } br; small.muted.wrap { (a.url) } }
                            td { (a.provider) }
                            td { @if !a.enabled { "disabled" } @else { (a.check.as_ref().map_or("-", |c| c.status.as_str())) } }
                            td { (a.check.as_ref().and_then(|c| c.expires_at).map_or("-".to_string(), date_time)) }
                            td { (u.map_or(0, |u| u.in_use)) " of " (a.max_connections) }
                            td { (a.channels.map_or("-".to_string(), |n| n.to_string()))
                                 @if let Some(t) = a.synced_at { br; small.muted { (date_time(t as i64)) } } }
                            td.actions {
                                (one("/ui/accounts/test", "Test", &a.name, None))
                                @if a.enabled { (one("/ui/accounts/disable", "Disable", &a.name, Some("Stop using this account's streams?"))) }
                                @else { (one("/ui/accounts/enable", "Enable", &a.name, None)) }
                                (one("/ui/accounts/remove", "Remove", &a.name, Some("Remove this account and its mappings?")))
                            }
                        }
                    } }
                } }
            }
            details open[list.is_empty()] {
                summary { "Add an account" }
                form.stack #add-account method="post" action="/ui/accounts/add" autocomplete="off" {
                    label { "Name" input type="text" name="name" required pattern="[A-Za-z0-9._-]{1,64}"; }
                    label { "Provider" select name="provider" { option value="xtream" { "Xtream Codes" } option value="m3u" { "M3U playlist" } } }
                    label { "Server or playlist URL" input type="url" name="url" required; }
                    label { "Username" input type="text" name="username"; }
                    label { "Password" input type="password" name="password" autocomplete="new-password"; }
                    label { "Max connections (empty: what the provider says)" input type="number" name="max_connections" min="1" max="1000"; }
                    button type="submit" { "Add and check" }
                }
            }
        }
    }
}

fn guides(list: &[GuideView]) -> Markup {
    html! {
        section.card.wide #guides {
            h2 { "Guides" }
            @if list.is_empty() { p.muted { "No guide yet." } } @else {
                div.scroll { table {
                    thead { tr { th { "Name" } th { "Channels" } th { "Programmes" } th { "Last sync" } th { "" } } }
                    tbody { @for g in list {
                        tr {
                            td { b { (g.name) } br; small.muted.wrap { (g.source) } }
                            td { (g.channels) } td { (g.programmes) }
                            td { (if g.synced_at == 0 { "-".to_string() } else { date_time(g.synced_at as i64) }) }
                            td.actions { (one("/ui/guides/remove", "Remove", &g.name, Some("Remove this guide?"))) }
                        }
                    } }
                } }
            }
            details open[list.is_empty()] {
                summary { "Add a guide" }
                form.stack method="post" action="/ui/guides/add" {
                    label { "Name" input type="text" name="name" required; }
                    label { "XMLTV URL or path on the server" input type="text" name="source" required; }
                    button type="submit" { "Add and read" }
                }
            }
        }
    }
}

fn plugins(list: &[Manifest]) -> Markup {
    html! {
        section.card.wide #plugins {
            h2 { "Plugins" }
            div.scroll { table {
                thead { tr { th { "Name" } th { "Kind" } th { "Version" } th { "Details" } th { "" } } }
                tbody { @for p in list {
                    tr {
                        td { b { (p.name) } }
                        td { (p.world.to_string()) }
                        td { (p.version) " " small.muted { (p.contract) } }
                        td { details { summary { "inspect" }
                            p.wrap { (p.description) }
                            p.wrap { "sha256 " code { (p.sha256) } }
                            p.wrap { "from " (p.source) }
                            p.wrap { "imports: " (if p.imports.is_empty() { "none".to_string() } else { p.imports.join(", ") }) }
                        } }
                        td.actions { @if p.builtin { span.muted { "built in" } } @else { (one("/ui/plugins/remove", "Remove", &p.name, Some("Remove this plugin?"))) } }
                    }
                } }
            } }
            details {
                summary { "Install a plugin" }
                form.stack #upload-plugin method="post" action="/ui/plugins/upload" enctype="multipart/form-data" {
                    label { "A .wasm component file (" (MAX_PLUGIN_BYTES >> 20) " MiB at most)" input type="file" name="plugin" accept=".wasm,application/wasm" required; }
                    label { "Its sha256 (optional)" input type="text" name="sha256" pattern="[0-9a-fA-F]{64}" autocomplete="off"; }
                    button type="submit" { "Upload and install" }
                }
                form.stack #fetch-plugin method="post" action="/ui/plugins/fetch" {
                    label { "Or an https URL" input type="url" name="url" required; }
                    label { "Its sha256 (required: the checksum its author published)" input type="text" name="sha256" required pattern="[0-9a-fA-F]{64}" autocomplete="off"; }
                    button type="submit" { "Download and install" }
                }
            }
        }
    }
}

/// `GET /ui/sources`.
pub async fn page(
    State(console): State<Console>,
    Extension(session): Extension<SessionId>,
) -> Response {
    let used = console.relay.status().await.accounts;
    let loaded = read(&console, |app| {
        Ok((
            app.catalog.list_accounts()?,
            app.guides.list_guides()?,
            app.plugins.list()?,
        ))
    })
    .await;
    let flash = console.sessions.take_flash(&session.0);
    let job = console.jobs.latest();
    let body = match loaded {
        Err(e) => html! { h1 { "Sources" } p.flash.error { (e) } },
        Ok((a, g, p)) => html! {
            h1 { "Sources" }
            div.toolbar {
                form.inline #sync method="post" action="/ui/sync" data-job="sync" { button type="submit" { "Sync now" } }
                form.inline #match method="post" action="/ui/match" data-job="match" { button type="submit" { "Match now" } }
                span #busy role="status" {}
            }
            section.card #job { (jobs::section(job.as_ref())) }
            div.grid { (accounts(&a, &used)) (guides(&g)) (plugins(&p)) }
        },
    };
    layout::answer(layout::page("Sources", "Sources", flash, body))
}

/// The add-account form.
#[derive(Deserialize)]
pub struct AddAccount {
    name: String,
    provider: String,
    url: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    max_connections: String,
}

/// `POST /ui/accounts/add`: checked with the provider before it is stored
/// (a refusal is shown and nothing is kept).
pub async fn add_account(
    State(console): State<Console>,
    Extension(session): Extension<SessionId>,
    Form(f): Form<AddAccount>,
) -> Response {
    let password = Zeroizing::new(f.password);
    act(
        &console,
        &session,
        BACK,
        move |app, rt| {
            let max_connections =
                match f.max_connections.trim() {
                    "" => None,
                    n => Some(n.parse::<u32>().map_err(|_| {
                        anyhow::anyhow!("max connections `{n}` is not a whole number")
                    })?),
                };
            let new = NewAccount {
                name: f.name.trim().to_string(),
                provider: f.provider,
                url: f.url.trim().to_string(),
                username: Some(f.username.trim().to_string()).filter(|u| !u.is_empty()),
                password: Some(password.to_string()).filter(|p| !p.is_empty()),
                max_connections,
                priority: 0,
                check: true,
                http: Default::default(),
            };
            rt.block_on(app.catalog.add_account(new))
        },
        |a| format!("account {} added; sync to fetch its channels", a.name),
    )
    .await
}

/// A form naming one thing.
#[derive(Deserialize)]
pub struct Named {
    name: String,
}

/// `POST /ui/accounts/test`.
pub async fn test_account(
    State(console): State<Console>,
    Extension(session): Extension<SessionId>,
    Form(f): Form<Named>,
) -> Response {
    act(
        &console,
        &session,
        BACK,
        move |app, rt| rt.block_on(app.catalog.test_account(&f.name)),
        |c| {
            format!(
                "{}: {}{}{}",
                c.account,
                c.status,
                c.expires_at
                    .map(|t| format!(", expires {}", date_time(t)))
                    .unwrap_or_default(),
                match (c.active_connections, c.max_connections) {
                    (Some(a), Some(m)) => format!(", {a} of {m} connections in use"),
                    _ => String::new(),
                }
            )
        },
    )
    .await
}

/// `POST /ui/accounts/disable` and `/enable`: the same as `account
/// disable|enable NAME`.
async fn set_account_enabled(
    console: Console,
    session: SessionId,
    name: String,
    on: bool,
) -> Response {
    act(
        &console,
        &session,
        BACK,
        move |app, _| app.lineup.set_account_enabled(&name, on),
        move |a| {
            let state = if on {
                "enabled"
            } else {
                "disabled: its streams are not used"
            };
            format!("account {} {state}", a.name)
        },
    )
    .await
}

/// `POST /ui/accounts/disable`.
pub async fn disable_account(
    State(console): State<Console>,
    Extension(session): Extension<SessionId>,
    Form(f): Form<Named>,
) -> Response {
    set_account_enabled(console, session, f.name, false).await
}

/// `POST /ui/accounts/enable`.
pub async fn enable_account(
    State(console): State<Console>,
    Extension(session): Extension<SessionId>,
    Form(f): Form<Named>,
) -> Response {
    set_account_enabled(console, session, f.name, true).await
}

/// `POST /ui/accounts/remove`.
pub async fn remove_account(
    State(console): State<Console>,
    Extension(session): Extension<SessionId>,
    Form(f): Form<Named>,
) -> Response {
    act(
        &console,
        &session,
        BACK,
        move |app, _| app.catalog.remove_account(&f.name),
        |a| format!("account {} removed", a.name),
    )
    .await
}

/// The add-guide form.
#[derive(Deserialize)]
pub struct AddGuide {
    name: String,
    source: String,
}

/// `POST /ui/guides/add`.
pub async fn add_guide(
    State(console): State<Console>,
    Extension(session): Extension<SessionId>,
    Form(f): Form<AddGuide>,
) -> Response {
    act(
        &console,
        &session,
        BACK,
        move |app, rt| {
            rt.block_on(
                app.guides
                    .add_guide(f.name.trim(), f.source.trim(), Default::default()),
            )
        },
        |g| {
            format!(
                "guide {} added: {} channels, {} programmes",
                g.name, g.channels, g.programmes
            )
        },
    )
    .await
}

/// `POST /ui/guides/remove`.
pub async fn remove_guide(
    State(console): State<Console>,
    Extension(session): Extension<SessionId>,
    Form(f): Form<Named>,
) -> Response {
    act(
        &console,
        &session,
        BACK,
        move |app, _| app.guides.remove_guide(&f.name),
        |g| format!("guide {} removed", g.name),
    )
    .await
}

/// `POST /ui/sync`: every catalogue and guide, as a background job whose
/// steps the page shows.
pub async fn sync(
    State(console): State<Console>,
    Extension(session): Extension<SessionId>,
    headers: HeaderMap,
) -> Response {
    jobs::start(
        &console,
        &session,
        &headers,
        BACK,
        "sync",
        |app, rt, job| Ok(rt.block_on(app.sync(None, job))?.total()),
    )
    .await
}

/// `POST /ui/match`: the matcher over every guide channel, as a background
/// job.
pub async fn run_match(
    State(console): State<Console>,
    Extension(session): Extension<SessionId>,
    headers: HeaderMap,
) -> Response {
    jobs::start(
        &console,
        &session,
        &headers,
        BACK,
        "match",
        |app, rt, job| {
            use crate::catalog::Progress;
            let what = "matching guide channels to streams";
            job.step(what);
            let s = rt.block_on(app.matching.run_match(false))?;
            let line = format!("{} matched {}", s.counts(), s.details());
            job.done(what, &line);
            Ok(line)
        },
    )
    .await
}

/// `POST /ui/plugins/remove`.
pub async fn remove_plugin(
    State(console): State<Console>,
    Extension(session): Extension<SessionId>,
    Form(f): Form<Named>,
) -> Response {
    act(
        &console,
        &session,
        BACK,
        move |app, _| app.plugins.remove(&f.name),
        |m| format!("plugin {} removed", m.name),
    )
    .await
}

/// Installs `bytes` as the CLI and the admin API do (validated, precompiled,
/// kept under the data dir), on the blocking pool.
async fn install(
    console: &Console,
    session: &SessionId,
    bytes: anyhow::Result<(Vec<u8>, String)>,
) -> Response {
    let (bytes, origin) = match bytes {
        Ok(got) => got,
        Err(e) => {
            flash(console, session, true, format!("{e:#}"));
            return Redirect::to(BACK).into_response();
        }
    };
    act(
        console,
        session,
        BACK,
        move |app, _| app.plugins.install_bytes(&bytes, &origin, false),
        |m| {
            format!(
                "installed plugin {} {} ({}, contract {}, sha256 {})",
                m.name, m.version, m.world, m.contract, m.sha256
            )
        },
    )
    .await
}

/// The upload form's file and optional checksum, read within [`UPLOAD_LIMIT`].
async fn read_upload(mut form: Multipart) -> anyhow::Result<(Vec<u8>, String)> {
    let (mut file, mut name, mut sha256) = (None, String::new(), String::new());
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| anyhow::anyhow!("the upload could not be read: {}", e.body_text()))?
    {
        match field.name() {
            Some("plugin") => {
                name = field.file_name().unwrap_or("plugin.wasm").to_string();
                let bytes = field.bytes().await.map_err(|e| {
                    anyhow::anyhow!(
                        "the upload could not be read ({} MiB at most): {}",
                        MAX_PLUGIN_BYTES >> 20,
                        e.body_text()
                    )
                })?;
                file = Some(bytes.to_vec());
            }
            Some("sha256") => sha256 = field.text().await.unwrap_or_default(),
            _ => {}
        }
    }
    let bytes = file
        .filter(|b| !b.is_empty())
        .ok_or_else(|| anyhow::anyhow!("choose a .wasm file to upload"))?;
    if bytes.len() > MAX_PLUGIN_BYTES {
        anyhow::bail!(
            "{name} is larger than {} MiB; refusing",
            MAX_PLUGIN_BYTES >> 20
        );
    }
    let sha256 = Some(sha256.trim()).filter(|s| !s.is_empty());
    crate::plugins::registry::verify_sha256(&bytes, sha256)
        .map_err(|e| anyhow::anyhow!("cannot install {name}: {e:#}"))?;
    Ok((bytes, format!("upload {name}")))
}

/// `POST /ui/plugins/upload` (multipart: `plugin`, the file; `sha256`,
/// optional).
pub async fn upload_plugin(
    State(console): State<Console>,
    Extension(session): Extension<SessionId>,
    form: Multipart,
) -> Response {
    let bytes = read_upload(form).await;
    install(&console, &session, bytes).await
}

/// The install-from-URL form.
#[derive(Deserialize)]
pub struct FetchPlugin {
    url: String,
    #[serde(default)]
    sha256: String,
}

/// `POST /ui/plugins/fetch`: the server downloads the plugin (https, size
/// cap, timeout) and installs it only when its sha256 is the one given.
pub async fn fetch_plugin(
    State(console): State<Console>,
    Extension(session): Extension<SessionId>,
    Form(f): Form<FetchPlugin>,
) -> Response {
    let bytes = fetch_verified(&f.url, &f.sha256).await.map(|b| {
        let origin = url::Url::parse(f.url.trim())
            .map(|u| crate::plugins::download::shown(&u))
            .unwrap_or_default();
        (b, origin)
    });
    install(&console, &session, bytes).await
}
