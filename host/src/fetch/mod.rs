//! The host performs plugins' HTTP requests.
//!
//! A provider plugin returns [`HttpRequest`](crate::model::HttpRequest)s
//! whose URLs are templates; [`Fetcher::fetch`] fills them for one account
//! (refusing origins the account does not allow), follows the provider's
//! redirects itself, bounds time and size, and hands back an
//! [`HttpResponse`](crate::model::HttpResponse) whose body and headers have
//! the account's username and password replaced by `{username}` /
//! `{password}`. Plugins never see a secret or a filled URL, and no error or
//! Debug output carries one. Requests may carry a method and a body template
//! (contract 0.2.0); a run of several requests may share a [`CookieJar`].
//! Every hop of every fetch goes only where [`guard`] allows: a redirect
//! (or a URL from guide data, such as a logo) may not lead the server to
//! loopback or LAN addresses its source is not served from. Plugins' URL
//! templates are filled in [`template`], right before a request.

mod access;
mod account_http;
mod classify;
mod client;
mod config;
mod cookies;
mod error;
pub mod guard;
pub(crate) mod headers;
mod scrub;
pub mod template;

pub use access::AccountAccess;
pub use account_http::{
    certificate_problem, untrusted_message, AccountHttp, ClientsByCa, NO_ACCOUNT_HTTP,
};
pub use client::Fetcher;
pub use config::FetchConfig;
pub use cookies::CookieJar;
pub use error::FetchError;
pub use guard::AddressGuard;
pub use scrub::Scrubber;
