//! What StreamForge believes of an untrusted HTTP peer, decided from bytes
//! alone: which client a request really comes from when a reverse proxy
//! says so ([`forwarded`]), and whether a body a provider sent really is the
//! image it claims to be ([`image`]). Both read hostile input, so both are
//! pure functions with a fuzz target each; the host wires them into its
//! middleware and its logo cache.

pub mod forwarded;
pub mod image;
