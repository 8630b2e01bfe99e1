//! The requests the plugin asks the host to make, as URL templates.

use crate::account::ACCOUNT;
use crate::catalog::{CATEGORIES, STREAMS};
use crate::model::Request;

/// The player API with credential placeholders; the host fills them in.
const API: &str = "{server}/player_api.php?username={username}&password={password}";

/// The login and account status request.
pub fn account_requests() -> Vec<Request> {
    vec![Request::new(ACCOUNT, API.to_string())]
}

/// The live categories and live streams requests, and the account's (its
/// `server_info` names the time zone archive times are written in).
pub fn catalog_requests() -> Vec<Request> {
    vec![
        Request::new(CATEGORIES, format!("{API}&action=get_live_categories")),
        Request::new(STREAMS, format!("{API}&action=get_live_streams")),
        Request::new(ACCOUNT, API.to_string()),
    ]
}
