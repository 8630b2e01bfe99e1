//! Who may do what, checked in one place: the constant-time comparison of
//! secrets ([`compare`]), the client address a request really comes from
//! (through trusted reverse proxies only, [`client_addr`]), the sign-in
//! limits that keep password guessing slow and cheap ([`signin`]), and the
//! headers that keep a signed-in browser from running or framing what it
//! should not ([`page_headers`]).

pub mod client_addr;
pub mod compare;
pub mod page_headers;
pub mod signin;

pub use client_addr::{ClientAddr, TrustedProxies};
pub use compare::constant_time_eq;
pub use signin::{SignInLimiter, SignInTicket};
