//! The frame every console page shares: head, navigation, the one-shot
//! message, and the embedded style sheet and script.

use super::session::Flash;
use maud::{html, Markup, DOCTYPE};

/// The pages in the navigation: path and label.
const NAV: [(&str, &str); 6] = [
    ("/ui/", "Dashboard"),
    ("/ui/channels", "Channels"),
    ("/ui/lineups", "Lineups"),
    ("/ui/sources", "Sources"),
    ("/ui/events", "Events"),
    ("/ui/cameras", "Cameras"),
];

/// A whole page titled `title`, `active` marked in the navigation.
pub fn page(title: &str, active: &str, flash: Option<Flash>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · StreamForge" }
                link rel="stylesheet" href="/ui/assets/console.css";
            }
            body {
                header {
                    nav {
                        a.brand href="/ui/" { "StreamForge" }
                        @for (href, label) in NAV {
                            a.on[label == active] href=(href) { (label) }
                        }
                        form.out method="post" action="/ui/logout" {
                            button type="submit" { "Sign out" }
                        }
                    }
                }
                main {
                    @if let Some(f) = flash {
                        p #flash .flash .error[f.error] role="status" { (f.text) }
                    }
                    (body)
                }
                script src="/ui/assets/console.js" {}
            }
        }
    }
}

/// The page as an HTTP answer.
pub fn answer(markup: Markup) -> axum::response::Response {
    axum::response::IntoResponse::into_response(axum::response::Html(markup.into_string()))
}
