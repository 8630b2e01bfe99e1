//! Building and running the server from resolved [`Settings`] ([`run`]):
//! the HTTP connection loop ([`http`]) within the bounds of [`connections`]
//! (a cap on open connections, head, idle and body timeouts) over sockets
//! tracked by [`io`], the process's open-file limit raised so the cap has
//! room ([`open_files`]), UDP and SSDP [`discovery`], config [`reload`]s on
//! SIGHUP and the shutdown [`signals`]. `crate::cli` only parses flags,
//! resolves settings and calls [`run()`].

pub mod connections;
pub mod discovery;
pub mod http;
pub mod io;
mod lineup_listeners;
pub mod open_files;
pub mod reload;
mod run;
pub mod settings;
pub mod signals;

pub use run::run;
pub use settings::Settings;
