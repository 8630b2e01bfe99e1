//! Reading an answer body into a [`Listing`]: status check, BOM and encoding
//! tolerance, and trailing junk after the JSON ignored.

use crate::model::Response;
use crate::problem::{check_status, json_problem};
use crate::rows::{Listing, Row};
use serde::de::{Deserialize, DeserializeOwned};

/// Reads `response` as a listing of `T` rows, or a one-line error.
pub(crate) fn read_listing<T: Row + DeserializeOwned>(
    response: &Response<'_>,
) -> Result<Listing<T>, String> {
    check_status(response.status)?;
    let text = String::from_utf8_lossy(response.body);
    let json = text.trim_start_matches('\u{feff}').trim();
    if json.is_empty() {
        return Err("the panel answered with an empty body".to_string());
    }
    let mut de = serde_json::Deserializer::from_str(json);
    Listing::<T>::deserialize(&mut de).map_err(|e| json_problem(&e, json))
}
