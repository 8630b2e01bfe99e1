//! Running the server: the HTTP connection loop ([`http`]) within the
//! bounds of [`connections`] (a cap on open connections, head, idle and
//! body timeouts) over sockets tracked by [`io`], and the process's
//! open-file limit raised so the cap has room ([`open_files`]).

pub mod connections;
pub mod http;
pub mod io;
pub mod open_files;
