//! Who a request is: the user name and password every Xtream URL carries,
//! checked against the user's argon2 hash once (then remembered by digest
//! until the user's record changes), under the sign-in limits per client.
//! An unknown user costs a hash like a known one, so timing tells nothing.

use super::XtreamState;
use crate::auth::signin::Limited;
use crate::routing::Snapshot;
use crate::store::UserRecord;
use dashmap::DashMap;
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use std::sync::{Arc, OnceLock};

/// Why a request is refused.
#[derive(Debug)]
pub(super) enum Denied {
    /// No such user, or not their password.
    Wrong,
    /// The user is switched off.
    Disabled,
    /// The user's time ran out.
    Expired,
    /// Too many failures from this client, or too many checks at once.
    Limited(Limited),
}

/// A signed-in request: the user and the snapshot it was checked against.
pub(super) struct Authed {
    /// The user.
    pub user: Arc<UserRecord>,
    /// The snapshot (the user's lineup, guides).
    pub snapshot: Arc<Snapshot>,
}

impl Authed {
    /// The guide number of stream `id`, when it is a channel of the user's
    /// lineup (a channel outside it is not there for them).
    pub fn channel(&self, id: u32) -> Option<String> {
        let number = super::number_of_stream(id);
        self.snapshot
            .lineup_named(&self.user.lineup)
            .is_some_and(|l| l.contains(&number))
            .then_some(number)
    }
}

/// Passwords already checked: user → (the hash it was checked against, a
/// digest of name and password). Never the password itself.
#[derive(Default)]
pub(super) struct Verified {
    ok: DashMap<String, (String, [u8; 32])>,
}

fn digest(name: &str, password: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([0]);
    h.update(password.as_bytes());
    h.finalize().into()
}

/// A hash to check unknown users' passwords against.
fn decoy() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        crate::auth::password_hash::hash("streamforge decoy password").unwrap_or_default()
    })
}

/// Checks `name` / `password` from `client`.
pub(super) async fn authenticate(
    state: &XtreamState,
    client: IpAddr,
    name: &str,
    password: &str,
) -> Result<Authed, Denied> {
    let snapshot = state.routing.load();
    let user = snapshot.users.get(name).cloned();
    let sum = digest(name, password);
    let known =
        user.as_ref().is_some_and(|u| {
            state.verified.ok.get(name).is_some_and(|v| {
                v.0 == u.password_hash && crate::auth::constant_time_eq(&v.1, &sum)
            })
        });
    if !known {
        let ticket = state.limiter.begin(client).await.map_err(Denied::Limited)?;
        let hash = user
            .as_ref()
            .map_or_else(|| decoy().to_string(), |u| u.password_hash.clone());
        let given = password.to_string();
        let right =
            tokio::task::spawn_blocking(move || crate::auth::password_hash::verify(&hash, &given))
                .await
                .unwrap_or(false);
        let Some(user) = user.as_ref().filter(|_| right) else {
            return Err(Denied::Wrong); // the ticket counts the failure
        };
        ticket.succeeded();
        state
            .verified
            .ok
            .insert(name.to_string(), (user.password_hash.clone(), sum));
    }
    let user = user.expect("a known user");
    if !user.enabled {
        return Err(Denied::Disabled);
    }
    if user
        .expires
        .is_some_and(|t| t < crate::clock::now_unix() as i64)
    {
        return Err(Denied::Expired);
    }
    Ok(Authed { user, snapshot })
}

/// A request signed in by its `username` and `password` fields (query and
/// form together): the user, and every field for the handler.
pub(super) struct SignedIn {
    /// The user and the snapshot.
    pub authed: Authed,
    /// The password as sent (panels echo it in `user_info`).
    pub password: String,
    /// Every field of the request.
    pub fields: std::collections::HashMap<String, String>,
}

/// Reads the request's fields and signs it in.
pub(super) async fn sign_in(
    state: &XtreamState,
    client: IpAddr,
    query: Option<&str>,
    body: &[u8],
) -> Result<SignedIn, Denied> {
    let fields = super::api::params(query, body);
    let field = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let (name, password) = (field("username"), field("password"));
    let authed = authenticate(state, client, &name, &password).await?;
    Ok(SignedIn {
        authed,
        password,
        fields,
    })
}
