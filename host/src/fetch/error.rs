//! Why a fetch failed, in one line naming the request's template and the
//! `host:port` involved, never a filled URL or a credential.

use crate::plugins::template::TemplateError;

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
        template: String,
        name: String,
        reason: String,
    },
    /// Nothing listens at the address.
    #[error("request `{template}`: connection refused by {at}")]
    Refused { template: String, at: String },
    /// The host name does not resolve.
    #[error("request `{template}`: cannot resolve {at}")]
    Dns { template: String, at: String },
    /// No connection could be opened in time.
    #[error("request `{template}`: no connection to {at} within {secs} s")]
    ConnectTimeout {
        template: String,
        at: String,
        secs: f64,
    },
    /// Other failures to connect (unreachable network, reset, ...).
    #[error("request `{template}`: cannot connect to {at}: {detail}")]
    Connect {
        template: String,
        at: String,
        detail: String,
    },
    /// The TLS handshake failed (certificate, protocol).
    #[error("request `{template}`: TLS with {at} failed: {detail}")]
    Tls {
        template: String,
        at: String,
        detail: String,
    },
    /// The whole fetch (redirects and body) took longer than allowed.
    #[error("request `{template}`: no complete answer from {at} after {secs} s")]
    Timeout {
        template: String,
        at: String,
        secs: f64,
    },
    /// The body is over the configured cap.
    #[error("request `{template}`: answer larger than {}", size(*limit))]
    TooLarge { template: String, limit: u64 },
    /// More redirects than allowed.
    #[error("request `{template}`: more than {max} redirects (last at {at})")]
    TooManyRedirects {
        template: String,
        at: String,
        max: usize,
    },
    /// A redirect leads back to an address already visited.
    #[error("request `{template}`: redirect loop at {at}")]
    RedirectLoop { template: String, at: String },
    /// A redirect whose target is not an http(s) URL.
    #[error("request `{template}`: {at} redirected to something that is not an http(s) URL")]
    BadRedirect { template: String, at: String },
    /// The connection broke or the answer is not valid HTTP.
    #[error("request `{template}`: broken answer from {at}: {detail}")]
    Http {
        template: String,
        at: String,
        detail: String,
    },
    /// The HTTP client could not be built (TLS roots, system settings).
    #[error("cannot set up the HTTP client: {detail}")]
    Client { detail: String },
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
