//! The dashboard: tuners in use, the channels playing (source, viewers,
//! rate), each account's connections against its limit and its expiry, the
//! addresses to give Plex, and the latest events; its live part is redrawn
//! every second over `/ui/live`.

use super::{bytes, date_time, events, layout, read, Console, SessionId};
use crate::catalog::AccountView;
use crate::relay::RelayStatus;
use axum::extract::State;
use axum::response::Response;
use axum::Extension;
use maud::{html, Markup};

/// Events the dashboard shows.
const LATEST: usize = 15;

fn ago(unix: u64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let s = now.saturating_sub(unix);
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min", s / 60),
        _ => format!("{} h {} min", s / 3600, s % 3600 / 60),
    }
}

/// The part of the dashboard that changes while it is open.
pub fn live(status: &RelayStatus, accounts: &[AccountView]) -> Markup {
    html! {
        section.card {
            h2 { "Tuners" }
            p.big {
                span #tuners-in-use { (status.tuners_in_use) } " of " span #tuners-total { (status.tuners) } " in use"
            }
            @if status.lineups.len() > 1 {
                ul #lineup-tuners { @for l in &status.lineups {
                    li data-lineup=(l.name) { (l.name) ": " (l.in_use) " of " (l.tuners) }
                } }
            }
        }
        section.card.wide {
            h2 { "Playing" }
            @if status.sessions.is_empty() {
                p.muted #nothing-playing { "Nothing is playing." }
            } @else {
                div.scroll { table #playing {
                    thead { tr { th { "Channel" } th { "Source" } th { "Measured" } th { "Viewers" } th { "Rate" } th { "Sent" } th { "For" } th { "Failovers" } } }
                    tbody { @for s in &status.sessions {
                        tr data-channel=(s.channel) {
                            td {
                                b { (s.channel) } " " (s.name)
                                @if !s.lineup.is_empty() && s.lineup != crate::store::MAIN_LINEUP { " " span.tag { "via " (s.lineup) } }
                            }
                            td {
                                @match (&s.account, &s.stream_key) {
                                    (Some(a), Some(k)) => { (a) " / " (k) " " span.tag { (s.quality.as_deref().unwrap_or("?")) } }
                                    _ => { span.muted { "starting…" } }
                                }
                                @if !s.health.is_empty() && s.health != "ok" { " " span.tag.health { (s.health) } }
                            }
                            td.measured {
                                @match &s.measured.video {
                                    Some(video) => {
                                        (video)
                                        @if let Some(tier) = &s.measured.tier { " " span.tag { (tier) } }
                                        @if let Some(audio) = &s.measured.audio { br; span.muted { (audio) } }
                                    }
                                    None => { span.muted { "–" } }
                                }
                            }
                            td.viewers data-viewers=(s.viewers) { (s.viewers) }
                            td { (bytes(s.rate)) "/s" }
                            td { (bytes(s.bytes_sent)) }
                            td { (ago(s.started)) }
                            td.failovers { (s.failovers) }
                        }
                        @if !s.viewer_list.is_empty() {
                            tr.who data-channel=(s.channel) {
                                td colspan="7" { small.muted {
                                    @for (i, v) in s.viewer_list.iter().enumerate() {
                                        @if i > 0 { " · " }
                                        (v.address.as_deref().unwrap_or("?"))
                                        @if let Some(ua) = &v.user_agent { " " (ua) }
                                        " since " (ago(v.since)) ", " (bytes(v.bytes))
                                    }
                                } }
                            }
                        }
                    } }
                } }
            }
        }
        section.card.wide {
            h2 { "Accounts" }
            @if status.accounts.is_empty() && accounts.is_empty() {
                p.muted { "No account yet: add one on " a href="/ui/sources" { "Sources" } "." }
            } @else {
                div.scroll { table #accounts {
                    thead { tr { th { "Account" } th { "Connections" } th { "Status" } th { "Expires" } } }
                    tbody { @for a in accounts {
                        @let used = status.accounts.iter().find(|u| u.name == a.name);
                        tr {
                            td { (a.name) }
                            td { (used.map_or(0, |u| u.in_use)) " of " (used.map_or(a.max_connections, |u| u.limit)) }
                            td { @if !a.enabled { "disabled" } @else { (a.check.as_ref().map_or("-", |c| c.status.as_str())) } }
                            td { (a.check.as_ref().and_then(|c| c.expires_at).map_or("-".to_string(), date_time)) }
                        }
                    } }
                } }
            }
        }
    }
}

/// The live part, read now (the relay's status, with each session's
/// failovers, and the accounts).
pub async fn live_part(console: &Console) -> Markup {
    let status = console.relay.status().await;
    let accounts = read(console, |app| app.catalog.list_accounts())
        .await
        .unwrap_or_default();
    live(&status, &accounts)
}

fn setup(base: &str) -> Markup {
    let urls = [
        ("tuner", "Tuner (HDHomeRun) address", base.to_string()),
        ("xmltv", "Guide (XMLTV)", format!("{base}/xmltv.xml")),
        ("m3u", "Playlist (M3U)", format!("{base}/playlist.m3u")),
    ];
    html! {
        section.card.wide #setup {
            h2 { "Setup" }
            @for (id, label, url) in &urls {
                label.url for=(format!("url-{id}")) { (label) }
                div.copyrow {
                    input id=(format!("url-{id}")) type="text" readonly value=(url);
                    button type="button" data-copy=(format!("url-{id}")) { "Copy" }
                }
            }
            details {
                summary { "Adding the tuner to Plex" }
                ol {
                    li { "In Plex: Settings → Live TV & DVR → Set up Plex DVR." }
                    li { "If the tuner is not found, choose “Don't see your HDHomeRun device?” and enter the tuner address above." }
                    li { "Continue, and when asked for a guide choose “Have an XMLTV guide?” and paste the XMLTV address." }
                    li { "Check the channel list and finish." }
                }
            }
        }
    }
}

/// `GET /ui/`.
pub async fn page(
    State(console): State<Console>,
    Extension(session): Extension<SessionId>,
) -> Response {
    let base = console
        .device
        .read()
        .map(|d| d.base_url.clone())
        .unwrap_or_else(|e| e.into_inner().base_url.clone());
    let log = console.app.events.clone();
    let all = read(&console, move |_| Ok(log.snapshot()))
        .await
        .unwrap_or_default();
    let after = all.last().map_or(0, |e| e.id);
    let latest = events::latest(all, LATEST, |_| true);
    let live_now = live_part(&console).await;
    let body = html! {
        h1 { "Dashboard" }
        div.grid {
            div #live .grid data-dashboard="1" { (live_now) }
            (setup(&base))
            section.card.wide data-live=(after) {
                h2 { "Latest events" a.more href="/ui/events" { "all" } }
                (events::table(&latest, LATEST, "", ""))
            }
        }
    };
    let flash = console.sessions.take_flash(&session.0);
    layout::answer(layout::page("Dashboard", "Dashboard", flash, body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::relay::{AccountUse, SessionView};

    #[test]
    fn the_live_part_shows_viewers_sources_and_escapes_names() {
        let status = RelayStatus {
            tuners: 4,
            tuners_in_use: 1,
            lineups: Vec::new(),
            sessions: vec![SessionView {
                lineup: "main".into(),
                id: "0a1b2c3d".into(),
                health: "ok".into(),
                last_byte_ms: Some(1_000),
                failovers: 2,
                channel: "7".into(),
                name: "<b>News</b>".into(),
                guide_id: "news.uk".into(),
                account: Some("main".into()),
                stream_key: Some("11020".into()),
                quality: Some("HD".into()),
                source_since: Some(1),
                viewers: 3,
                viewer_list: vec![crate::relay::ViewerView {
                    address: Some("192.168.1.20:50312".into()),
                    user_agent: Some("<Plex>".into()),
                    since: 1,
                    bytes: 1_000,
                }],
                started: 1,
                bytes: 10,
                bytes_sent: 2_000_000,
                rate: 500_000,
                buffered: 0,
                measured: crate::relay::Measured {
                    video: Some("1280x720p50 H.264 High".into()),
                    tier: Some("HD".into()),
                    audio: Some("AAC 2ch 48 kHz".into()),
                },
                streams: Vec::new(),
            }],
            accounts: vec![AccountUse {
                name: "main".into(),
                in_use: 1,
                limit: 2,
            }],
            runtime_lag: Default::default(),
            cameras: Vec::new(),
            put_back: Vec::new(),
        };
        let html = live(&status, &[]).into_string();
        assert!(html.contains("data-viewers=\"3\""), "{html}");
        assert!(html.contains("main / 11020"), "{html}");
        assert!(html.contains("&lt;b&gt;News"), "{html}");
        assert!(html.contains("500.0 kB/s"), "{html}");
        assert!(html.contains("<td class=\"failovers\">2</td>"), "{html}");
        // What the stream measured to be, beside what its name says.
        assert!(html.contains("1280x720p50 H.264 High"), "{html}");
        assert!(html.contains("AAC 2ch 48 kHz"), "{html}");
        // Each viewer, its agent escaped.
        assert!(html.contains("192.168.1.20:50312 &lt;Plex&gt;"), "{html}");
    }
}
