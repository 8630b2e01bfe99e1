//! Why a fetch failed, in one line naming the request's template and the
//! `host:port` involved, never a filled URL or a credential.

use crate::fetch::template::TemplateError;

/// Why the host could not get an answer for a plugin's request. An HTTP
/// status is not an error (the plugin reads it); these are the cases where
/// there is no answer to read.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FetchError {
    /// The template could not be filled or points where the account may not go.
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// A header the plugin asked for cannot be sent.
    #[error("request `{template}`: header `{name}` {reason}")]
    Header {
        /// The request's URL template (never the filled URL).
        template: String,
        /// The header's name as the plugin gave it (cut to 64 characters).
        name: String,
        /// Why it is refused, worded to follow the name.
        reason: String,
    },
    /// Nothing listens at the address.
    #[error("request `{template}`: connection refused by {at}")]
    Refused {
        /// The request's URL template (never the filled URL).
        template: String,
        /// The `host:port` that refused.
        at: String,
    },
    /// The address is one this fetch may not reach (see `fetch::guard`).
    #[error("request `{template}`: not fetched from {at}: {why}")]
    Forbidden {
        /// The request's URL template (never the filled URL).
        template: String,
        /// The `host:port` it would have gone to.
        at: String,
        /// Why that address is refused.
        why: super::guard::Refusal,
    },
    /// The host name does not resolve.
    #[error("request `{template}`: cannot resolve {at}")]
    Dns {
        /// The request's URL template (never the filled URL).
        template: String,
        /// The `host:port` whose name does not resolve.
        at: String,
    },
    /// No connection could be opened in time.
    #[error("request `{template}`: no connection to {at} within {secs} s")]
    ConnectTimeout {
        /// The request's URL template (never the filled URL).
        template: String,
        /// The `host:port` that did not answer.
        at: String,
        /// The connect timeout that ran out, in seconds.
        secs: f64,
    },
    /// Other failures to connect (unreachable network, reset, ...).
    #[error("request `{template}`: cannot connect to {at}: {detail}")]
    Connect {
        /// The request's URL template (never the filled URL).
        template: String,
        /// The `host:port` it tried.
        at: String,
        /// The cause, scrubbed of credentials and cut to one short line.
        detail: String,
    },
    /// The TLS handshake failed (certificate, protocol).
    #[error("request `{template}`: TLS with {at} failed: {detail}")]
    Tls {
        /// The request's URL template (never the filled URL).
        template: String,
        /// The `host:port` of the handshake.
        at: String,
        /// The cause, scrubbed of credentials and cut to one short line.
        detail: String,
    },
    /// The server's certificate was refused: names the account and the fix.
    #[error("{}", super::untrusted_message(.account, .at, .problem))]
    Untrusted {
        /// The request's URL template (never the filled URL).
        template: String,
        /// The `host:port` of the handshake.
        at: String,
        /// The account the request was for (empty when none).
        account: String,
        /// What is wrong with the certificate (`unknown issuer`, ...).
        problem: String,
    },
    /// The whole fetch (redirects and body) took longer than allowed.
    #[error("request `{template}`: no complete answer from {at} after {secs} s")]
    Timeout {
        /// The request's URL template (never the filled URL).
        template: String,
        /// The `host:port` of the first URL (before any redirect).
        at: String,
        /// The whole-fetch timeout that ran out, in seconds.
        secs: f64,
    },
    /// The body is over the configured cap.
    #[error("request `{template}`: answer larger than {}", size(*limit))]
    TooLarge {
        /// The request's URL template (never the filled URL).
        template: String,
        /// The cap on a body, in bytes.
        limit: u64,
    },
    /// More redirects than allowed.
    #[error("request `{template}`: more than {max} redirects (last at {at})")]
    TooManyRedirects {
        /// The request's URL template (never the filled URL).
        template: String,
        /// The `host:port` that sent the redirect over the limit.
        at: String,
        /// The most redirects one fetch follows.
        max: usize,
    },
    /// A redirect leads back to an address already visited.
    #[error("request `{template}`: redirect loop at {at}")]
    RedirectLoop {
        /// The request's URL template (never the filled URL).
        template: String,
        /// The `host:port` whose redirect closes the loop.
        at: String,
    },
    /// A redirect whose target is not an http(s) URL.
    #[error("request `{template}`: {at} redirected to something that is not an http(s) URL")]
    BadRedirect {
        /// The request's URL template (never the filled URL).
        template: String,
        /// The `host:port` that sent the redirect.
        at: String,
    },
    /// A redirect would send the request's body (which may hold credentials)
    /// to another origin.
    #[error(
        "request `{template}`: {at} redirected it, body and all, to another origin; \
         refused (the body may hold credentials)"
    )]
    BodyRedirect {
        /// The request's URL template (never the filled URL).
        template: String,
        /// The `host:port` that sent the redirect.
        at: String,
    },
    /// The connection broke or the answer is not valid HTTP.
    #[error("request `{template}`: broken answer from {at}: {detail}")]
    Http {
        /// The request's URL template (never the filled URL).
        template: String,
        /// The `host:port` that answered.
        at: String,
        /// The cause, scrubbed of credentials and cut to one short line.
        detail: String,
    },
    /// The HTTP client could not be built (TLS roots, system settings).
    #[error("cannot set up the HTTP client: {detail}")]
    Client {
        /// The HTTP library's reason, without any URL.
        detail: String,
    },
}

/// `N MiB` when the cap is whole mebibytes, else KiB or bytes.
fn size(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    match bytes {
        b if b >= MIB && b % MIB == 0 => format!("{} MiB", b / MIB),
        b if b >= 1024 && b % 1024 == 0 => format!("{} KiB", b / 1024),
        b => format!("{b} bytes"),
    }
}
