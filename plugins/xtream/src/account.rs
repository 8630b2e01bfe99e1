//! Reads `player_api.php`'s `user_info` into the account's status.

use crate::model::{Account, Response};
use crate::problem::excerpt;
use crate::read::read_listing;
use crate::rows::{Listing, NoRow, UserInfo};

/// The purpose of the account request.
pub const ACCOUNT: &str = "account";

/// Reads the answer to the account request. A refused login that the panel
/// answers with HTTP 200 and `auth: 0` is `Ok` with `authenticated: false`.
pub fn parse_account(responses: &[Response<'_>]) -> Result<Account, String> {
    let response = responses
        .iter()
        .find(|r| r.purpose == ACCOUNT)
        .or(responses.first())
        .ok_or("the host passed no answer to the account request")?;
    match read_listing::<NoRow>(response)? {
        Listing::Object { user_info: Some(info), .. } => Ok(account_from(info)),
        Listing::Object { message: Some(message), .. } => {
            Err(format!("the panel answered without account details: \"{}\"", excerpt(&message)))
        }
        _ => Err("the panel answered without account details (no user_info); is this an Xtream Codes panel?"
            .to_string()),
    }
}

/// The account status `user_info` describes.
fn account_from(info: UserInfo) -> Account {
    let mut formats: Vec<String> = Vec::new();
    for format in info.allowed_output_formats.0 {
        let format = format.to_ascii_lowercase();
        if !formats.contains(&format) {
            formats.push(format);
        }
    }
    Account {
        authenticated: info.auth.truthy(),
        status: info.status.text().unwrap_or_else(|| "Unknown".to_string()),
        expires_at: info.exp_date.as_i64().filter(|&t| t > 0),
        max_connections: info.max_connections.as_u32(),
        active_connections: info.active_cons.as_u32(),
        formats,
    }
}
