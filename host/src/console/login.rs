//! Sign-in with the admin token or the console password, and sign-out.
//! The admin token is checked first and never limited; a password attempt
//! is counted per client address before it is verified, two at a time at
//! most (`crate::auth::signin`); past the limit the form answers 429.

use super::{layout, password, session, Console, SessionId};
use crate::auth::ClientAddr;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::{html, DOCTYPE};
use serde::Deserialize;
use std::net::IpAddr;
use zeroize::Zeroizing;

/// The sign-in form's fields (either one).
#[derive(Deserialize)]
pub struct SignIn {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

fn login_page(status: StatusCode, error: Option<&str>) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Sign in · StreamForge" }
                link rel="stylesheet" href="/ui/assets/console.css";
            }
            body.login {
                main {
                    h1 { "StreamForge" }
                    @if let Some(e) = error {
                        p #flash .flash.error role="alert" { (e) }
                    }
                    form method="post" action="/ui/login" {
                        label for="password" { "Admin token or console password" }
                        input #password type="password" name="password" autocomplete="current-password" required autofocus;
                        button type="submit" { "Sign in" }
                    }
                    p.hint {
                        "The admin token is in the data dir (" code { "admin.token" } "); "
                        code { "streamforge console password" } " sets a password."
                    }
                }
            }
        }
    };
    (status, layout::answer(markup)).into_response()
}

/// `GET /ui/login`.
pub async fn form() -> Response {
    login_page(StatusCode::OK, None)
}

/// `POST /ui/login`: a session and 303 to `/ui/` when the token or password
/// is right.
pub async fn sign_in(
    State(console): State<Console>,
    client: Option<Extension<ClientAddr>>,
    Form(form): Form<SignIn>,
) -> Response {
    let (typed_token, typed_password) = (Zeroizing::new(form.token), Zeroizing::new(form.password));
    let secret = if typed_token.is_empty() {
        typed_password
    } else {
        typed_token
    };
    let is_token = console.admin_token.matches(&secret);
    if !is_token {
        let client = client.map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0 .0);
        let ticket = match console.signin.begin(client).await {
            Ok(ticket) => ticket,
            Err(limited) => {
                return login_page(StatusCode::TOO_MANY_REQUESTS, Some(&limited.to_string()))
            }
        };
        let root = console.app.data.root().to_path_buf();
        // argon2 takes tens of milliseconds: not on the async thread.
        let ok = tokio::task::spawn_blocking(move || password::verify(&root, &secret))
            .await
            .unwrap_or(false);
        if !ok {
            drop(ticket); // counted as a failure
            return login_page(
                StatusCode::UNAUTHORIZED,
                Some("wrong token or password; the admin token is in admin.token in the data dir"),
            );
        }
        ticket.succeeded();
    }
    let id = console.sessions.create();
    (
        [(header::SET_COOKIE, session::set_cookie(&id))],
        Redirect::to("/ui/"),
    )
        .into_response()
}

/// `POST /ui/logout`.
pub async fn sign_out(
    State(console): State<Console>,
    Extension(session): Extension<SessionId>,
) -> Response {
    console.sessions.end(&session.0);
    (
        [(header::SET_COOKIE, session::clear_cookie())],
        Redirect::to("/ui/login"),
    )
        .into_response()
}
