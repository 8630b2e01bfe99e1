//! Provider accounts and their catalogues: adding and testing accounts
//! through their provider plugin, and syncing catalogues atomically.

pub(crate) mod access;
mod accounts;
pub mod redact;
mod status;
mod sync;

pub use accounts::{AccountView, NewAccount};
pub use status::AccountCheck;
pub use sync::{AccountSync, Progress, SilentProgress};
