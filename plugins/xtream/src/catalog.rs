//! Reads `get_live_categories` and `get_live_streams` into channels.

use crate::model::{Catalog, Channel, Response};
use crate::problem::excerpt;
use crate::read::read_listing;
use crate::rows::{Listing, RawCategory, RawStream, Row, UserInfo};
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, DefaultHasher};

/// A fixed-seed hasher: a randomly seeded map would make the component import
/// the host's random source for no benefit (ids come from one panel).
type Fixed = BuildHasherDefault<DefaultHasher>;

/// The purpose of the categories request.
pub const CATEGORIES: &str = "categories";
/// The purpose of the streams request.
pub const STREAMS: &str = "streams";

/// Reads the answers to the catalogue requests. Rows without a usable
/// `stream_id` or name are skipped and counted; a bad answer as a whole, or a
/// list with no usable stream at all, is an error (the host then keeps the
/// previous catalogue rather than emptying it on a panel hiccup).
pub fn parse_catalog(responses: &[Response<'_>]) -> Result<Catalog, String> {
    let groups = match responses.iter().find(|r| r.purpose == CATEGORIES) {
        Some(r) => read_categories(r).map_err(|e| format!("live categories: {e}"))?,
        None => HashMap::default(),
    };
    let streams = responses
        .iter()
        .find(|r| r.purpose == STREAMS)
        .ok_or("the host passed no answer to the live streams request")?;
    let rows = rows_of(streams, "stream list").map_err(|e| format!("live streams: {e}"))?;
    let mut catalog = build(rows, &groups)?;
    catalog.zone = responses
        .iter()
        .find(|r| r.purpose == crate::account::ACCOUNT)
        .and_then(zone_of);
    Ok(catalog)
}

/// `server_info.timezone` of an account answer, when it is a plausible zone
/// name (anything else, or no answer, leaves archive times in UTC).
fn zone_of(response: &Response<'_>) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(response.body).ok()?;
    let zone = value.get("server_info")?.get("timezone")?.as_str()?.trim();
    let plausible = !zone.is_empty()
        && zone.len() <= 64
        && zone
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/_-+".contains(&b));
    plausible.then(|| zone.to_string())
}

/// Category id → category name.
fn read_categories(response: &Response<'_>) -> Result<HashMap<String, String, Fixed>, String> {
    let rows = rows_of::<RawCategory>(response, "category list")?;
    let mut groups = HashMap::with_capacity_and_hasher(rows.len(), Fixed::default());
    for row in rows {
        if let (Some(id), Some(name)) = (row.category_id.text(), row.category_name.text()) {
            groups.entry(id).or_insert(name);
        }
    }
    Ok(groups)
}

/// The rows of a listing answer, or why the answer is not a listing.
fn rows_of<T: Row + serde::de::DeserializeOwned>(
    response: &Response<'_>,
    what: &str,
) -> Result<Vec<T>, String> {
    match read_listing::<T>(response)? {
        Listing::List(rows) => Ok(rows),
        Listing::Object {
            user_info: Some(info),
            ..
        } => Err(not_a_list(&info, what)),
        Listing::Object { rows, .. } if !rows.is_empty() => Ok(rows),
        Listing::Object {
            message: Some(m), ..
        } => Err(format!(
            "the panel answered with an error instead of the {what}: \"{}\"",
            excerpt(&m)
        )),
        Listing::Object { .. } => Err(format!(
            "the panel answered with a JSON object instead of the {what}"
        )),
        Listing::Scalar => Err(format!(
            "the panel answered with a single JSON value instead of the {what}"
        )),
    }
}

/// The message for an account object where a listing was expected.
fn not_a_list(info: &UserInfo, what: &str) -> String {
    if info.auth.truthy() {
        format!("the panel answered with the account details instead of the {what}")
    } else {
        "the panel refused these credentials (it answered auth 0)".to_string()
    }
}

/// Turns rows into channels, skipping unusable and repeated ones.
fn build(rows: Vec<RawStream>, groups: &HashMap<String, String, Fixed>) -> Result<Catalog, String> {
    let total = rows.len();
    let mut seen = HashSet::with_capacity_and_hasher(total, Fixed::default());
    let mut catalog = Catalog {
        channels: Vec::with_capacity(total),
        archive_days: Vec::with_capacity(total),
        zone: None,
        skipped: 0,
    };
    for row in rows {
        let days = match row.tv_archive.truthy() {
            // An archive without its length: at least a day.
            true => row.tv_archive_duration.as_u32().unwrap_or(1),
            false => 0,
        };
        match channel(row, groups) {
            Some((id, ch)) if seen.insert(id) => {
                catalog.channels.push(ch);
                catalog.archive_days.push(days);
            }
            _ => catalog.skipped += 1,
        }
    }
    if total == 0 {
        return Err("live streams: the panel lists no live streams".to_string());
    }
    if catalog.channels.is_empty() {
        return Err(format!(
            "live streams: none of the {total} entries has a usable stream_id and name"
        ));
    }
    Ok(catalog)
}

/// One row as a channel, with its numeric id; `None` when unusable.
fn channel(row: RawStream, groups: &HashMap<String, String, Fixed>) -> Option<(u64, Channel)> {
    if !row.is_row {
        return None;
    }
    let id = row.stream_id.as_u64()?;
    let name = row.name.text()?;
    let category = row.category_id.text().or_else(|| row.category_ids.0.text());
    let group = category.map(|id| groups.get(&id).cloned().unwrap_or(id));
    // Key: `stream_id` in decimal; group: the category's name (or its id when
    // the category is unknown); logo, guide id and number: `stream_icon`,
    // `epg_channel_id` and `num`, when not empty.
    let ch = Channel {
        group,
        logo: row.stream_icon.text(),
        guide_id: row.epg_channel_id.text(),
        number: row.num.as_u32(),
        ..Channel::named(id.to_string(), name)
    };
    Some((id, ch))
}
