//! Who may do what, checked in one place: who a request is
//! ([`Principal`]) and how a refusal is answered ([`Refusal`]: 401, 403 or
//! 429); the admin token and its middleware ([`admin`]); the constant-time
//! comparison of secrets ([`compare`]); the client address a request really
//! comes from (through trusted reverse proxies only, [`client_addr`]); the
//! sign-in limits that keep password guessing slow and cheap ([`signin`]);
//! and the headers that keep a signed-in browser from running or framing
//! what it should not ([`page_headers`]). Camera tokens are signed and
//! verified in `crate::tokens`; console sessions live in
//! `crate::console::session`.

pub mod admin;
pub mod client_addr;
pub mod compare;
pub mod page_headers;
pub mod password_hash;
pub mod principal;
pub mod signin;

pub use admin::AdminToken;
pub use client_addr::{ClientAddr, TrustedProxies};
pub use compare::constant_time_eq;
pub use principal::{Principal, Refusal};
pub use signin::{SignInLimiter, SignInTicket};
