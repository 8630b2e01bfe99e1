//! The cameras page: a grid of live pictures (MJPEG at the low level), each
//! linking to the camera's live page. The camera endpoints want a token:
//! the page carries a short-lived one minted for this signed-in session,
//! for every camera, never stored.

use super::{layout, Console, SessionId};
use crate::tokens::Scope;
use axum::extract::State;
use axum::response::Response;
use axum::Extension;
use maud::html;
use std::time::Duration;

/// The life of the token the page's pictures and links carry.
const TOKEN_TTL: Duration = Duration::from_secs(15 * 60);

/// `GET /ui/cameras`.
pub async fn page(
    State(console): State<Console>,
    Extension(session): Extension<SessionId>,
) -> Response {
    let cameras = console.relay.status().await.cameras;
    let token = if cameras.is_empty() {
        Ok(String::new())
    } else {
        console
            .camera_keys
            .issue(&Scope::All, TOKEN_TTL, "console")
            .map_err(|e| e.to_string())
    };
    let enc = |s: &str| {
        percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    let body = html! {
        h1 { "Cameras" }
        @if cameras.is_empty() {
            p.muted { "No camera. Add one with " code { "streamforge camera add NAME --url rtsp://…" } "." }
        }
        @match &token {
            Err(e) => { p.flash.error { "cannot make a token for the pictures: " (e) } }
            Ok(token) => {
                @if !cameras.is_empty() { p.muted { "The pictures and links below work for 15 minutes; reload the page for more." } }
                div.cams {
                    @for c in &cameras {
                        @let id = enc(&c.id);
                        figure.cam data-camera=(c.id) {
                            a href=(format!("/cameras/{id}?token={token}")) {
                                img src=(format!("/api/v1/cameras/{id}/stream.mjpeg?quality=low&token={token}")) alt=(format!("live picture of {}", c.name)) width="640" height="360";
                            }
                            figcaption {
                                b { (c.name) } " "
                                span.tag .bad[!c.online] { (if c.online { "online" } else { "offline" }) }
                                " " (c.viewers) " viewer(s) · "
                                a href=(format!("/cameras/{id}?token={token}")) { "live page" }
                            }
                        }
                    }
                }
            }
        }
    };
    let flash = console.sessions.take_flash(&session.0);
    layout::answer(layout::page("Cameras", "Cameras", flash, body))
}
