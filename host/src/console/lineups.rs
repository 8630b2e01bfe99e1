//! The lineups page: every lineup (`main` and the others) with its DeviceID,
//! address, channels and tuners in use; make one (name, channels by number
//! or range, groups, tuners, priority, preempt, port), change, remove or
//! split one for Plex's 480 channels; and the Xtream door's users (add with
//! a password field, disable, enable, remove). Each action is the CLI's own
//! operation (`crate::lineup_control`, `crate::users`).

use super::{act, layout, read, Console, SessionId};
use crate::lineup_control::{LineupChange, LineupInfo};
use crate::relay::LineupUse;
use axum::extract::State;
use axum::response::Response;
use axum::{Extension, Form};
use maud::{html, Markup};
use serde::Deserialize;

const BACK: &str = "/ui/lineups";

fn table(list: &[LineupInfo], used: &[LineupUse], base: &str) -> Markup {
    html! {
        div.scroll { table #lineups {
            thead { tr { th { "Lineup" } th { "DeviceID" } th { "Address" } th { "Channels" } th { "Tuners" } th { "Priority" } th { "" } } }
            tbody { @for l in list {
                @let u = used.iter().find(|u| u.name == l.name);
                tr data-lineup=(l.name) {
                    td { b { (l.name) } @if let Some(n) = &l.friendly_name { br; small.muted { (n) } } }
                    td { code { (l.device_id.as_deref().unwrap_or("-")) } }
                    td.wrap {
                        @if l.name == crate::store::MAIN_LINEUP { (base) } @else { (crate::tuner::path_base(base, &l.name)) }
                        @if let Some(port) = l.port { br; (crate::tuner::port_base(base, port)) }
                    }
                    td {
                        (l.channel_count)
                        @if let Some((a, b)) = &l.numbers { br; small.muted { (a) "–" (b) } }
                        @if l.channel_count > crate::routing::lineup::PLEX_CHANNEL_LIMIT { br; span.tag.health { "over Plex's 480" } }
                    }
                    td { (u.map_or(0, |u| u.in_use)) " of " (u.map_or("-".to_string(), |u| u.tuners.to_string())) }
                    td { (l.priority) @if l.preempt { " " span.tag { "preempts" } } }
                    td.actions {
                        form.inline method="post" action="/ui/lineups/split" {
                            input type="hidden" name="name" value=(l.name);
                            input type="number" name="max" value="480" min="1" max="100000" aria-label="channels per part";
                            button type="submit" { "Split" }
                        }
                        @if l.name != crate::store::MAIN_LINEUP {
                            details.edit { summary { "Change" } (lineup_form(Some(l))) }
                            (super::sources::one("/ui/lineups/remove", "Remove", &l.name, Some("Remove this lineup? Media servers lose this tuner.")))
                        }
                    }
                }
            } }
        } }
    }
}

/// The form that makes a lineup (`editing`: `None`) or changes one.
fn lineup_form(editing: Option<&LineupInfo>) -> Markup {
    let (id, action, label) = match editing {
        None => ("create-lineup".to_string(), "/ui/lineups/create", "Make it"),
        Some(l) => (format!("set-{}", l.name), "/ui/lineups/set", "Change it"),
    };
    html! {
        form.stack id=(id) method="post" action=(action) autocomplete="off" {
            @match editing {
                None => { label { "Name (lowercase letters, digits, -)" input type="text" name="name" required pattern="[a-z0-9][a-z0-9-]{0,31}"; } }
                Some(l) => { input type="hidden" name="name" value=(l.name); }
            }
            label { "Name media servers show" input type="text" name="friendly_name" maxlength="64" value=[editing.and_then(|l| l.friendly_name.as_deref())]; }
            label { "Channels by number, separated by commas" input type="text" name="channels" placeholder="101, 102, 205" value=[editing.map(|l| l.channels.join(", "))]; }
            label { "From number" input type="text" name="from" inputmode="decimal" value=[editing.and_then(|l| l.first.as_deref())]; }
            label { "To number" input type="text" name="to" inputmode="decimal" value=[editing.and_then(|l| l.last.as_deref())]; }
            label { "Only these provider groups (commas)" input type="text" name="include_groups"
                value=[editing.map(|l| l.groups.iter().filter(|g| g.include && !g.category).map(|g| g.group.as_str()).collect::<Vec<_>>().join(", "))]; }
            label { "Tuners (empty: as many as main)" input type="number" name="tuners" min="1" max="255" value=[editing.and_then(|l| l.tuners)]; }
            label { "Priority (higher goes first when accounts are full)" input type="number" name="priority" value=(editing.map_or(0, |l| l.priority)); }
            label.check { input type="checkbox" name="preempt" value="true" checked[editing.is_some_and(|l| l.preempt)]; " May end a lower-priority lineup's oldest session" }
            label { "Own port (empty: only under /lineups/NAME/)" input type="number" name="port" min="1" max="65535" value=[editing.and_then(|l| l.port)]; }
            button type="submit" { (label) }
        }
    }
}

fn users(list: &[crate::users::UserView], lineups: &[LineupInfo], base: &str) -> Markup {
    use super::sources::one;
    html! {
        section.card.wide #users {
            h2 { "Players (Xtream Codes users)" }
            p.muted { "TiviMate, IPTV Smarters and other Xtream players sign in at " code { (base) } " with a user's name and password, and see that user's lineup." }
            @if list.is_empty() { p.muted { "No user yet." } } @else {
                div.scroll { table {
                    thead { tr { th { "User" } th { "Lineup" } th { "Connections" } th { "Expires" } th { "" } } }
                    tbody { @for u in list {
                        tr data-user=(u.name) {
                            td { b { (u.name) } @if !u.enabled { " " span.tag.health { "disabled" } } }
                            td { (u.lineup) }
                            td { (u.max_connections) }
                            td { (u.expires.map_or("never".to_string(), super::date_time)) }
                            td.actions {
                                @if u.enabled { (one("/ui/users/disable", "Disable", &u.name, None)) } @else { (one("/ui/users/enable", "Enable", &u.name, None)) }
                                (one("/ui/users/remove", "Remove", &u.name, Some("Remove this user? Their players stop working.")))
                            }
                        }
                    } }
                } }
            }
            details {
                summary { "Add a user" }
                form.stack #add-user method="post" action="/ui/users/add" autocomplete="off" {
                    label { "User name" input type="text" name="name" required pattern="[A-Za-z0-9._-]{1,64}"; }
                    label { "Password (no / ? # % &)" input type="password" name="password" required autocomplete="new-password"; }
                    label { "Lineup" select name="lineup" { @for l in lineups { option value=(l.name) { (l.name) } } } }
                    label { "Channels at once" input type="number" name="max_connections" value="1" min="1" max="100"; }
                    label { "Last day (empty: never)" input type="date" name="expires"; }
                    button type="submit" { "Add" }
                }
            }
        }
    }
}

/// `GET /ui/lineups`.
pub async fn page(
    State(console): State<Console>,
    Extension(session): Extension<SessionId>,
) -> Response {
    let used = console.relay.status().await.lineups;
    let base = crate::tuner::current(&console.device).base_url;
    let loaded = read(&console, |app| {
        Ok((app.lineup.lineups()?, app.users.list()?))
    })
    .await;
    let flash = console.sessions.take_flash(&session.0);
    let body = match loaded {
        Err(e) => html! { h1 { "Lineups" } p.flash.error { (e) } },
        Ok((list, people)) => html! {
            h1 { "Lineups" }
            div.grid {
                section.card.wide {
                    p.muted { "Each lineup is a tuner of its own for Plex, Jellyfin, Emby or Channels DVR: add it by its address. Channels keep their numbers in every lineup; every lineup's tunes share the provider accounts' connections." }
                    (table(&list, &used, &base))
                    details { summary { "Make a lineup" } (lineup_form(None)) }
                }
                (users(&people, &list, &base))
            }
        },
    };
    layout::answer(layout::page("Lineups", "Lineups", flash, body))
}

/// The make-a-lineup form.
#[derive(Deserialize)]
pub struct Create {
    name: String,
    #[serde(default)]
    friendly_name: String,
    #[serde(default)]
    channels: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    include_groups: String,
    #[serde(default)]
    tuners: String,
    #[serde(default)]
    priority: String,
    #[serde(default)]
    preempt: Option<String>,
    #[serde(default)]
    port: String,
}

/// A comma-separated field as a list.
fn list(field: &str) -> Vec<String> {
    field
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// An optional number field.
fn number<T: std::str::FromStr>(field: &str, what: &str) -> anyhow::Result<Option<T>> {
    match field.trim() {
        "" => Ok(None),
        n => n
            .parse()
            .map(Some)
            .map_err(|_| anyhow::anyhow!("{what} `{n}` is not a whole number")),
    }
}

impl Create {
    /// What the form says, as a change: its lists and range replace the
    /// lineup's, empty fields clear what they stand for.
    fn change(&self) -> anyhow::Result<LineupChange> {
        let field = |f: &str| Some(f.trim().to_string());
        Ok(LineupChange {
            friendly_name: Some(self.friendly_name.trim().to_string()).filter(|n| !n.is_empty()),
            tuners: Some(number(&self.tuners, "tuners")?.unwrap_or(0)),
            priority: number(&self.priority, "priority")?,
            preempt: Some(self.preempt.is_some()),
            port: Some(number(&self.port, "port")?.unwrap_or(0)),
            clear_channels: true,
            add_channels: list(&self.channels),
            first: field(&self.from),
            last: field(&self.to),
            included_groups: Some(list(&self.include_groups)),
            ..Default::default()
        })
    }
}

/// `POST /ui/lineups/create`.
pub async fn create(
    State(console): State<Console>,
    Extension(session): Extension<SessionId>,
    Form(f): Form<Create>,
) -> Response {
    act(
        &console,
        &session,
        BACK,
        move |app, _| app.lineup.create_lineup(f.name.trim(), &f.change()?),
        |l| {
            format!(
                "lineup {} made (DeviceID {}, {} channel{}); add it to a media server at its address",
                l.name,
                l.device_id.unwrap_or_default(),
                l.channel_count,
                if l.channel_count == 1 { "" } else { "s" }
            )
        },
    )
    .await
}

/// `POST /ui/lineups/set`.
pub async fn set(
    State(console): State<Console>,
    Extension(session): Extension<SessionId>,
    Form(f): Form<Create>,
) -> Response {
    act(
        &console,
        &session,
        BACK,
        move |app, _| app.lineup.set_lineup(&f.name, &f.change()?),
        |l| {
            let s = if l.channel_count == 1 { "" } else { "s" };
            format!("lineup {} changed ({} channel{s})", l.name, l.channel_count)
        },
    )
    .await
}

/// A form naming one lineup.
#[derive(Deserialize)]
pub struct Named {
    name: String,
}

/// `POST /ui/lineups/remove`.
pub async fn remove(
    State(console): State<Console>,
    Extension(session): Extension<SessionId>,
    Form(f): Form<Named>,
) -> Response {
    act(
        &console,
        &session,
        BACK,
        move |app, _| app.lineup.remove_lineup(&f.name),
        |l| format!("lineup {} removed", l.name),
    )
    .await
}

/// The split form.
#[derive(Deserialize)]
pub struct Split {
    name: String,
    max: usize,
}

/// `POST /ui/lineups/split`.
pub async fn split(
    State(console): State<Console>,
    Extension(session): Extension<SessionId>,
    Form(f): Form<Split>,
) -> Response {
    let max = f.max;
    act(
        &console,
        &session,
        BACK,
        move |app, _| app.lineup.split_lineup(&f.name, f.max),
        move |parts| {
            let names: Vec<String> = parts.into_iter().map(|l| l.name).collect();
            format!(
                "split into {} lineups of at most {max}: {}",
                names.len(),
                names.join(", ")
            )
        },
    )
    .await
}

/// The add-user form (the password in a password field; never shown again).
#[derive(Deserialize)]
pub struct AddUser {
    name: String,
    password: String,
    lineup: String,
    #[serde(default)]
    max_connections: String,
    #[serde(default)]
    expires: String,
}

/// `POST /ui/users/add`.
pub async fn add_user(
    State(console): State<Console>,
    Extension(session): Extension<SessionId>,
    Form(f): Form<AddUser>,
) -> Response {
    let password = zeroize::Zeroizing::new(f.password);
    act(
        &console,
        &session,
        BACK,
        move |app, _| {
            let change = crate::users::UserChange {
                password: Some(password.to_string()),
                lineup: Some(f.lineup),
                max_connections: number(&f.max_connections, "connections")?,
                expires: Some(f.expires),
                ..Default::default()
            };
            app.users.add(f.name.trim(), &change)
        },
        |u| format!("user {} added (lineup {})", u.name, u.lineup),
    )
    .await
}

/// `POST /ui/users/disable|enable|remove`.
async fn user_action(
    console: Console,
    session: SessionId,
    name: String,
    what: &'static str,
) -> Response {
    act(
        &console,
        &session,
        BACK,
        move |app, _| match what {
            "removed" => app.users.remove(&name),
            w => {
                let change = crate::users::UserChange {
                    enabled: Some(w == "enabled"),
                    ..Default::default()
                };
                app.users.set(&name, &change)
            }
        },
        move |u| format!("user {} {what}", u.name),
    )
    .await
}

/// `POST /ui/users/disable`.
pub async fn disable_user(
    State(c): State<Console>,
    Extension(s): Extension<SessionId>,
    Form(f): Form<Named>,
) -> Response {
    user_action(c, s, f.name, "disabled").await
}

/// `POST /ui/users/enable`.
pub async fn enable_user(
    State(c): State<Console>,
    Extension(s): Extension<SessionId>,
    Form(f): Form<Named>,
) -> Response {
    user_action(c, s, f.name, "enabled").await
}

/// `POST /ui/users/remove`.
pub async fn remove_user(
    State(c): State<Console>,
    Extension(s): Extension<SessionId>,
    Form(f): Form<Named>,
) -> Response {
    user_action(c, s, f.name, "removed").await
}
