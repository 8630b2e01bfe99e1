//! The channels page: the lineup with number, name, logo, group and each
//! channel's streams in the order they are tried (measured quality, score,
//! confidence, account) with what each measured and how it behaved; search
//! and filters (unmatched, low confidence, group); pinning a stream, ordering the pins, unmapping; and, for an unmatched channel, the
//! matcher's suggestions to map with one click. Every action is the CLI's
//! `map`/`unmap` ([`crate::matching::Matching`]).

use super::{act, layout, read, Console, SessionId};
use crate::matching::{ChannelMappings, MappingsQuery, LOW_CONFIDENCE};
use axum::extract::{Query, State};
use axum::response::Response;
use axum::{Extension, Form};
use maud::{html, Markup};
use serde::Deserialize;
use std::collections::HashMap;

/// Channels per page (keeps a page under 100 KB).
const PER_PAGE: usize = 25;

/// Suggestions shown for an unmatched channel.
const SUGGESTIONS: usize = 8;

/// `?q=&show=&group=&page=`.
#[derive(Deserialize, Default)]
pub struct Filter {
    #[serde(default)]
    q: String,
    /// `all`, `unmatched` or `low`.
    #[serde(default)]
    show: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    page: usize,
}

impl Filter {
    fn query(&self, page: usize) -> String {
        let enc = |s: &str| {
            percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
        };
        format!(
            "/ui/channels?q={}&show={}&group={}&page={page}",
            enc(&self.q),
            enc(&self.show),
            enc(&self.group)
        )
    }
}

/// What the page shows of a channel besides its mappings.
#[derive(Default, Clone)]
struct Extra {
    logo: Option<String>,
    group: Option<String>,
}

fn keeps(f: &Filter, c: &ChannelMappings, extra: &Extra) -> bool {
    let q = f.q.trim().to_lowercase();
    let text = !q.is_empty()
        && !c.name.to_lowercase().contains(&q)
        && !c.guide_id.to_lowercase().contains(&q)
        && c.number.as_deref() != Some(q.as_str());
    let show = match f.show.as_str() {
        "unmatched" => c.streams.is_empty(),
        "low" => !c.streams.is_empty() && c.streams.iter().all(|s| s.confidence < LOW_CONFIDENCE),
        _ => true,
    };
    let group = f.group.is_empty() || extra.group.as_deref() == Some(f.group.as_str());
    !text && show && group
}

/// A POST form of one button carrying a channel's stream.
fn button(action: &str, label: &str, fields: &[(&str, &str)], back: &str) -> Markup {
    html! {
        form.inline method="post" action=(action) {
            @for (name, value) in fields { input type="hidden" name=(name) value=(value); }
            input type="hidden" name="back" value=(back);
            button type="submit" { (label) }
        }
    }
}

fn channel(c: &ChannelMappings, extra: &Extra, disabled: bool, back: &str) -> Markup {
    let pins = c.streams.iter().filter(|s| s.manual).count();
    let id = [("guide_id", c.guide_id.as_str())];
    html! {
        article.channel data-guide=(c.guide_id) .disabled[disabled] {
            header {
                span.num { (c.number.as_deref().unwrap_or("–")) }
                @if let Some(logo) = &extra.logo { img.logo src=(logo) alt="" loading="lazy" referrerpolicy="no-referrer"; }
                span.name { (c.name) }
                @if let Some(g) = &extra.group { span.tag { (g) } }
                @if disabled { span.tag { "disabled" } }
                code.muted { (c.guide_id) }
                span.actions {
                    @if disabled { (button("/ui/channels/enable", "Enable", &id, back)) }
                    @else { (button("/ui/channels/disable", "Disable", &id, back)) }
                }
            }
            @if c.streams.is_empty() {
                p.muted { "No stream. " a href=(format!("/ui/channels/suggest?guide_id={}", percent_encoding::utf8_percent_encode(&c.guide_id, percent_encoding::NON_ALPHANUMERIC))) { "Suggestions" } }
            } @else {
                ol.streams {
                    @for (i, s) in c.streams.iter().enumerate() {
                        @let fields = [("guide_id", c.guide_id.as_str()), ("account", s.account.as_str()), ("key", s.key.as_str())];
                        li data-account=(s.account) data-key=(s.key) .pinned[s.manual] {
                            span.sname { (if s.name.is_empty() { s.key.as_str() } else { s.name.as_str() }) }
                            " " span.tag { (s.quality.label()) }
                            @if let Some(m) = s.stats.as_ref().and_then(|m| m.measured).filter(|m| *m != s.quality) {
                                " " span.tag.mismatch title="what its picture measured" { "measures " (m.label()) }
                            }
                            " " span.conf { (format!("{:.0} %", s.confidence * 100.0)) }
                            " " span.acct { (s.account) }
                            @if s.manual { " " span.tag.pin { "pinned" } }
                            @if let Some(stats) = &s.stats {
                                " " span.score title="how it behaved lately, 0 to 100" { "score " (stats.score) }
                                br;
                                span.muted.stats { (stats.explained) }
                            }
                            span.actions {
                                @if s.manual {
                                    @if i > 0 { (button("/ui/channels/move", "↑", &[fields[0], fields[1], fields[2], ("dir", "up")], back)) }
                                    @if i + 1 < pins { (button("/ui/channels/move", "↓", &[fields[0], fields[1], fields[2], ("dir", "down")], back)) }
                                } @else {
                                    (button("/ui/channels/pin", "Pin", &fields, back))
                                }
                                (button("/ui/channels/unmap", "Unmap", &fields, back))
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /ui/channels`.
pub async fn page(
    State(console): State<Console>,
    Extension(session): Extension<SessionId>,
    Query(filter): Query<Filter>,
) -> Response {
    let snapshot = console.relay.routing.load();
    let extras: HashMap<String, Extra> = snapshot
        .lineup
        .entries
        .iter()
        .map(|e| {
            (
                e.guide_id.clone(),
                Extra {
                    logo: e.logo.clone(),
                    group: e.group.clone(),
                },
            )
        })
        .collect();
    let loaded = read(&console, |app| {
        let all = app.matching.mappings(&MappingsQuery::default())?;
        Ok((all, app.store.lineup_rules()?.disabled_channels))
    })
    .await;
    let flash = console.sessions.take_flash(&session.0);
    let (all, disabled) = match loaded {
        Ok((all, disabled)) => (all, disabled),
        Err(e) => {
            let body = html! { h1 { "Channels" } p.flash.error { (e) } };
            return layout::answer(layout::page("Channels", "Channels", flash, body));
        }
    };
    let mut groups: Vec<&str> = extras.values().filter_map(|e| e.group.as_deref()).collect();
    groups.sort_unstable();
    groups.dedup();
    let none = Extra::default();
    let kept: Vec<&ChannelMappings> = all
        .iter()
        .filter(|c| keeps(&filter, c, extras.get(&c.guide_id).unwrap_or(&none)))
        .collect();
    let pages = kept.len().div_ceil(PER_PAGE).max(1);
    let page = filter.page.min(pages - 1);
    let back = filter.query(page);
    let unmatched = all.iter().filter(|c| c.streams.is_empty()).count();
    let body = html! {
        h1 { "Channels" }
        p.muted { (all.len()) " guide channels, " (unmatched) " without a stream." }
        form.filters method="get" action="/ui/channels" {
            input type="search" name="q" value=(filter.q) placeholder="name, id or number" aria-label="search";
            select name="show" aria-label="show" {
                option value="" { "all" }
                option value="unmatched" selected[filter.show == "unmatched"] { "unmatched" }
                option value="low" selected[filter.show == "low"] { "low confidence" }
            }
            select name="group" aria-label="group" {
                option value="" { "every group" }
                @for g in &groups { option value=(g) selected[*g == filter.group] { (g) } }
            }
            button type="submit" { "Show" }
        }
        @if kept.is_empty() { p.muted { "No channel matches." } }
        @for c in kept.iter().skip(page * PER_PAGE).take(PER_PAGE) {
            (channel(c, extras.get(&c.guide_id).unwrap_or(&none), disabled.contains(&c.guide_id), &back))
        }
        @if pages > 1 {
            nav.pages {
                @if page > 0 { a href=(filter.query(page - 1)) { "← previous" } }
                span { "page " (page + 1) " of " (pages) }
                @if page + 1 < pages { a href=(filter.query(page + 1)) { "next →" } }
            }
        }
    };
    layout::answer(layout::page("Channels", "Channels", flash, body))
}

/// `?guide_id=`.
#[derive(Deserialize)]
pub struct Guide {
    guide_id: String,
}

/// `GET /ui/channels/suggest?guide_id=`: the matcher's candidates, each
/// mapped with one click.
pub async fn suggestions(
    State(console): State<Console>,
    Extension(session): Extension<SessionId>,
    Query(q): Query<Guide>,
) -> Response {
    let id = q.guide_id.clone();
    let found = read(&console, move |app| {
        let channel = app
            .matching
            .mappings(&MappingsQuery {
                unmatched: false,
                channel: Some(id.clone()),
            })?
            .remove(0);
        Ok((channel, app.matching.suggestions(&id, SUGGESTIONS)?))
    })
    .await;
    let back = format!(
        "/ui/channels/suggest?guide_id={}",
        percent_encoding::utf8_percent_encode(&q.guide_id, percent_encoding::NON_ALPHANUMERIC)
    );
    let body = match found {
        Err(e) => html! { h1 { "Suggestions" } p.flash.error { (e) } },
        Ok((channel, found)) => html! {
            h1 { "Suggestions for " (channel.name) }
            p.muted { code { (channel.guide_id) } " · " (channel.streams.len()) " stream(s) mapped now · " a href="/ui/channels?show=unmatched" { "back to unmatched channels" } }
            @if found.is_empty() {
                p.muted { "The matcher has no candidate for this channel." }
            } @else {
                ol.streams #suggestions {
                    @for s in &found {
                        li data-account=(s.account) data-key=(s.key) {
                            span.sname { (s.name) } " " span.tag { (s.quality.label()) }
                            " " span.conf { (format!("{:.0} %", s.confidence * 100.0)) }
                            " " span.acct { (s.account) }
                            span.actions { (button("/ui/channels/pin", "Map", &[("guide_id", channel.guide_id.as_str()), ("account", s.account.as_str()), ("key", s.key.as_str())], &back)) }
                        }
                    }
                }
            }
        },
    };
    let flash = console.sessions.take_flash(&session.0);
    layout::answer(layout::page("Suggestions", "Channels", flash, body))
}

/// A stream of a channel, from a form.
#[derive(Deserialize)]
pub struct StreamForm {
    guide_id: String,
    account: String,
    key: String,
    #[serde(default)]
    back: String,
    #[serde(default)]
    dir: String,
}

impl StreamForm {
    /// Where to send the browser afterwards: a console page only.
    fn back(&self) -> String {
        if self.back.starts_with("/ui/") && !self.back.starts_with("//") {
            self.back.clone()
        } else {
            "/ui/channels".into()
        }
    }
}

/// `POST /ui/channels/pin`: pins the stream after the channel's other pins.
pub async fn pin(
    State(console): State<Console>,
    Extension(session): Extension<SessionId>,
    Form(f): Form<StreamForm>,
) -> Response {
    let back = f.back();
    act(
        &console,
        &session,
        &back,
        move |app, _| {
            let now = app.matching.mappings(&MappingsQuery {
                unmatched: false,
                channel: Some(f.guide_id.clone()),
            })?;
            let pins = now
                .first()
                .map_or(0, |c| c.streams.iter().filter(|s| s.manual).count());
            app.matching
                .map(&f.guide_id, &f.account, &f.key, pins as u32)?;
            Ok(format!("pinned {}/{} to {}", f.account, f.key, f.guide_id))
        },
        |text| text,
    )
    .await
}

/// `POST /ui/channels/move` (`dir=up|down`): moves a pinned stream among
/// the channel's pins, which are then ranked 0, 1, 2… in the new order.
pub async fn move_pin(
    State(console): State<Console>,
    Extension(session): Extension<SessionId>,
    Form(f): Form<StreamForm>,
) -> Response {
    let back = f.back();
    act(
        &console,
        &session,
        &back,
        move |app, _| {
            let channel = app
                .matching
                .mappings(&MappingsQuery {
                    unmatched: false,
                    channel: Some(f.guide_id.clone()),
                })?
                .remove(0);
            let mut pins: Vec<(String, String)> = channel
                .streams
                .iter()
                .filter(|s| s.manual)
                .map(|s| (s.account.clone(), s.key.clone()))
                .collect();
            let at = pins
                .iter()
                .position(|(a, k)| *a == f.account && *k == f.key)
                .ok_or_else(|| {
                    anyhow::anyhow!("{}/{} is not pinned to {}", f.account, f.key, f.guide_id)
                })?;
            let to = match f.dir.as_str() {
                "up" => at.saturating_sub(1),
                "down" => (at + 1).min(pins.len() - 1),
                other => anyhow::bail!("cannot move a pin `{other}`: up or down"),
            };
            pins.swap(at, to);
            for (rank, (account, key)) in pins.iter().enumerate() {
                app.matching.map(&f.guide_id, account, key, rank as u32)?;
            }
            Ok(format!("moved {}/{} {}", f.account, f.key, f.dir))
        },
        |text| text,
    )
    .await
}

/// `guide_id` and where to go back to.
#[derive(Deserialize)]
pub struct ChannelForm {
    guide_id: String,
    #[serde(default)]
    back: String,
}

/// `POST /ui/channels/disable` and `/enable`: the same as `channel
/// disable|enable GUIDE_ID`.
async fn set_channel_enabled(
    console: Console,
    session: SessionId,
    f: ChannelForm,
    on: bool,
) -> Response {
    let back = StreamForm {
        guide_id: String::new(),
        account: String::new(),
        key: String::new(),
        back: f.back,
        dir: String::new(),
    }
    .back();
    let guide_id = f.guide_id;
    act(
        &console,
        &session,
        &back,
        move |app, _| app.lineup.set_channel_enabled(&guide_id, on),
        move |c| {
            let what = if on {
                "back in the lineup"
            } else {
                "out of the lineup (its number is kept)"
            };
            format!("{} {what}", c.guide_id)
        },
    )
    .await
}

/// `POST /ui/channels/disable`.
pub async fn disable(
    State(console): State<Console>,
    Extension(session): Extension<SessionId>,
    Form(f): Form<ChannelForm>,
) -> Response {
    set_channel_enabled(console, session, f, false).await
}

/// `POST /ui/channels/enable`.
pub async fn enable(
    State(console): State<Console>,
    Extension(session): Extension<SessionId>,
    Form(f): Form<ChannelForm>,
) -> Response {
    set_channel_enabled(console, session, f, true).await
}

/// `POST /ui/channels/unmap`.
pub async fn unmap(
    State(console): State<Console>,
    Extension(session): Extension<SessionId>,
    Form(f): Form<StreamForm>,
) -> Response {
    let back = f.back();
    act(
        &console,
        &session,
        &back,
        move |app, _| {
            app.matching.unmap(&f.guide_id, &f.account, &f.key)?;
            Ok(format!(
                "unmapped {}/{} from {}",
                f.account, f.key, f.guide_id
            ))
        },
        |text| text,
    )
    .await
}
