//! The sources page: accounts (add with the password in a password field,
//! test, remove; status, expiry, connections), guides (add, remove, last
//! sync, counts), sync and match, and plugins (list, inspect, remove). Each
//! action is the CLI's own operation on [`crate::app::App`].

use super::{act, date_time, layout, read, Console, SessionId};
use crate::catalog::{AccountView, NewAccount, SilentProgress};
use crate::guide::GuideView;
use crate::plugins::Manifest;
use axum::extract::State;
use axum::response::Response;
use axum::{Extension, Form};
use maud::{html, Markup};
use serde::Deserialize;
use zeroize::Zeroizing;

const BACK: &str = "/ui/sources";

fn one(action: &str, label: &str, name: &str, confirm: Option<&str>) -> Markup {
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
    let body = match loaded {
        Err(e) => html! { h1 { "Sources" } p.flash.error { (e) } },
        Ok((a, g, p)) => html! {
            h1 { "Sources" }
            div.toolbar {
                form.inline method="post" action="/ui/sync" data-busy="Syncing every catalogue and guide…" { button type="submit" { "Sync now" } }
                form.inline method="post" action="/ui/match" data-busy="Matching guide channels to streams…" { button type="submit" { "Match now" } }
                span #busy role="status" {}
            }
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

/// `POST /ui/sync`: every catalogue and guide (the page shows a busy line
/// while it runs).
pub async fn sync(
    State(console): State<Console>,
    Extension(session): Extension<SessionId>,
) -> Response {
    act(
        &console,
        &session,
        BACK,
        |app, rt| rt.block_on(app.sync(None, &SilentProgress)),
        |r| {
            let channels: usize = r.accounts.iter().map(|a| a.channels).sum();
            format!(
                "synced {} account(s) ({channels} streams) and {} guide(s)",
                r.accounts.len(),
                r.guides.len()
            )
        },
    )
    .await
}

/// `POST /ui/match`.
pub async fn run_match(
    State(console): State<Console>,
    Extension(session): Extension<SessionId>,
) -> Response {
    act(
        &console,
        &session,
        BACK,
        |app, rt| rt.block_on(app.matching.run_match(false)),
        |s| {
            format!(
                "{} of {} guide channels matched ({} low confidence), {} manual pins kept",
                s.matched, s.guide_channels, s.low_confidence, s.manual_kept
            )
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
