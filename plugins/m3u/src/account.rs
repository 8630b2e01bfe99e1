//! What there is to check about an M3U "account": only that the playlist is one.

use crate::model::Response;
use crate::playlist::looks_like_m3u;
use crate::problem::{check_status, not_a_playlist};

/// The account status of a playlist source, as plain values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Always true when `Ok`: a playlist has no login to check.
    pub authenticated: bool,
    /// "Active".
    pub status: String,
}

/// With no answers (the plugin asks for none), the account is fine: an M3U has
/// no login. Given an answer, it must be a playlist.
pub fn parse_account(responses: &[Response<'_>]) -> Result<Account, String> {
    if let Some(response) = responses.first() {
        check_status(response.status)?;
        let text = String::from_utf8_lossy(response.body);
        if !looks_like_m3u(&text) {
            return Err(not_a_playlist(text.trim_start_matches('\u{feff}')));
        }
    }
    Ok(Account {
        authenticated: true,
        status: "Active".to_string(),
    })
}
