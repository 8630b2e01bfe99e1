//! The plugin's real work, in plain Rust: no WIT types here, so `cargo test`
//! runs these natively and `lib.rs` only converts to and from the contract.

use serde_json::{Map, Value};

/// The `purpose` of our one catalogue request, so we find its answer again.
pub const CHANNELS: &str = "channels";

/// The key under which a channel keeps its stream URL in `extra`.
pub const URL: &str = "url";

/// Picture quality, best first (mirrors the contract's `quality` enum).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Quality {
    Uhd,
    Fhd,
    Hd,
    Sd,
    Unknown,
}

/// A channel name split into its base name and quality.
#[derive(Debug, PartialEq, Eq)]
pub struct Name {
    pub base_name: String,
    pub quality: Quality,
}

/// One channel read from the list.
#[derive(Debug, PartialEq, Eq)]
pub struct Channel {
    pub key: String,
    pub name: String,
    pub base_name: String,
    pub quality: Quality,
    pub group: Option<String>,
    pub logo: Option<String>,
    pub guide_id: Option<String>,
    pub number: Option<u32>,
    /// A URL template such as `{server}/streams/bbc1.ts`; the host fills it in.
    pub url: String,
}

/// The quality a single word of a name stands for, if any.
fn word_quality(word: &str) -> Option<Quality> {
    // Ignore brackets and separators around the word: "(HD)", "[4K]", "|FHD".
    let word = word.trim_matches(|c: char| !c.is_alphanumeric());
    match word.to_ascii_uppercase().as_str() {
        "4K" | "UHD" => Some(Quality::Uhd),
        "FHD" | "1080" | "1080P" => Some(Quality::Fhd),
        "HD" | "720" | "720P" => Some(Quality::Hd),
        "SD" => Some(Quality::Sd),
        _ => None,
    }
}

/// Reads the quality out of a name and strips the quality words:
/// "BBC One HD" -> ("BBC One", hd). Whole words only, so "SHD TV" is not HD.
pub fn parse_name(name: &str) -> Name {
    let mut quality = Quality::Unknown;
    let mut kept = Vec::new();
    for word in name.split_whitespace() {
        match word_quality(word) {
            Some(q) => quality = quality.min(q), // the best one wins
            None => kept.push(word),
        }
    }
    // Drop separators left dangling at either end: "BBC One | HD" -> "BBC One".
    let is_separator = |w: &&str| !w.chars().any(char::is_alphanumeric);
    while kept.last().is_some_and(is_separator) {
        kept.pop();
    }
    while kept.first().is_some_and(is_separator) {
        kept.remove(0);
    }
    let base_name = match kept.join(" ") {
        empty if empty.is_empty() => name.trim().to_string(), // the name was only "HD"
        base => base,
    };
    Name { base_name, quality }
}

/// Reads a channel list body: `{"channels": [ {...}, ... ]}` (a bare array is
/// fine too). Rows without a name or URL are skipped; a body that is not such
/// a list is an error, shown to the user, so it says what went wrong in one line.
pub fn parse_catalog(status: u16, body: &[u8]) -> Result<Vec<Channel>, String> {
    if !(200..300).contains(&status) {
        return Err(format!("jsonlist: the channel list answered HTTP {status}"));
    }
    let json: Value = serde_json::from_slice(body)
        .map_err(|e| format!("jsonlist: the channel list is not valid JSON ({e})"))?;
    let rows = match &json {
        Value::Array(rows) => rows,
        Value::Object(top) => match top.get("channels") {
            Some(Value::Array(rows)) => rows,
            _ => return Err("jsonlist: expected an object with a \"channels\" list".into()),
        },
        _ => return Err("jsonlist: expected an object with a \"channels\" list".into()),
    };
    Ok(rows
        .iter()
        .filter_map(Value::as_object)
        .filter_map(channel)
        .collect())
}

/// One row as a channel, or `None` when it lacks a name or a URL.
fn channel(row: &Map<String, Value>) -> Option<Channel> {
    let name = text(row, "name")?;
    let url = text(row, "url")?;
    let parsed = parse_name(&name);
    Some(Channel {
        // The id must stay the same from one refresh to the next; the URL is
        // the next best thing when a row has none.
        key: text(row, "id").unwrap_or_else(|| url.clone()),
        base_name: parsed.base_name,
        quality: parsed.quality,
        group: text(row, "group"),
        logo: text(row, "logo"),
        guide_id: text(row, "guide_id"),
        number: number(row.get("number")),
        name,
        url,
    })
}

/// A non-empty string field (numbers are accepted too: `"id": 42`).
fn text(row: &Map<String, Value>, field: &str) -> Option<String> {
    let text = match row.get(field)? {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    (!text.is_empty()).then_some(text)
}

/// A channel number given as `101` or `"101"`.
fn number(value: Option<&Value>) -> Option<u32> {
    match value? {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The stream URL stored in a channel's `extra`, as its single candidate.
pub fn stream_candidates(extra: &[(String, String)]) -> Vec<String> {
    extra
        .iter()
        .find(|(key, value)| key == URL && !value.is_empty())
        .map(|(_, url)| vec![url.clone()])
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(base_name: &str, quality: Quality) -> Name {
        Name {
            base_name: base_name.into(),
            quality,
        }
    }

    #[test]
    fn quality_words_are_read_and_stripped() {
        assert_eq!(parse_name("BBC One HD"), name("BBC One", Quality::Hd));
        assert_eq!(
            parse_name("Sky Cinema 4K"),
            name("Sky Cinema", Quality::Uhd)
        );
        assert_eq!(parse_name("ITV UHD"), name("ITV", Quality::Uhd));
        assert_eq!(parse_name("Film4 FHD"), name("Film4", Quality::Fhd));
        assert_eq!(parse_name("Dave 1080p"), name("Dave", Quality::Fhd));
        assert_eq!(parse_name("Dave 720"), name("Dave", Quality::Hd));
        assert_eq!(parse_name("Quest sd"), name("Quest", Quality::Sd));
        assert_eq!(parse_name("Channel 5"), name("Channel 5", Quality::Unknown));
    }

    #[test]
    fn decorations_around_quality_words_go_too() {
        assert_eq!(parse_name("BBC Two (HD)"), name("BBC Two", Quality::Hd));
        assert_eq!(parse_name("BBC Two | FHD"), name("BBC Two", Quality::Fhd));
        assert_eq!(parse_name("  E4   [SD] "), name("E4", Quality::Sd));
    }

    #[test]
    fn best_quality_wins_and_only_whole_words_count() {
        assert_eq!(
            parse_name("Eurosport HD 4K"),
            name("Eurosport", Quality::Uhd)
        );
        assert_eq!(parse_name("SHD TV"), name("SHD TV", Quality::Unknown));
        assert_eq!(parse_name("HD"), name("HD", Quality::Hd));
    }

    const LIST: &str = r#"{"channels":[
        {"id":"bbc1","name":"BBC One HD","url":"{server}/streams/bbc1.ts","group":"UK",
         "logo":"https://logos.example/bbc1.png","guide_id":"bbc1.uk","number":101},
        {"name":"ITV","url":"{server}/streams/itv.ts","number":"103"},
        {"id":"broken","url":"{server}/streams/nameless.ts"},
        {"id":"nourl","name":"No URL"},
        "not a row",
        {"id":7,"name":"Film4 FHD","url":"{server}/streams/film4.ts","number":-1}
    ]}"#;

    #[test]
    fn catalog_reads_good_rows_and_skips_bad_ones() {
        let channels = parse_catalog(200, LIST.as_bytes()).unwrap();
        assert_eq!(channels.len(), 3);
        assert_eq!(
            channels[0],
            Channel {
                key: "bbc1".into(),
                name: "BBC One HD".into(),
                base_name: "BBC One".into(),
                quality: Quality::Hd,
                group: Some("UK".into()),
                logo: Some("https://logos.example/bbc1.png".into()),
                guide_id: Some("bbc1.uk".into()),
                number: Some(101),
                url: "{server}/streams/bbc1.ts".into(),
            }
        );
        // Optional fields may be missing; without an id the URL is the key.
        assert_eq!(channels[1].key, "{server}/streams/itv.ts");
        assert_eq!(channels[1].number, Some(103));
        assert_eq!(channels[1].group, None);
        // A numeric id is fine; a negative number is ignored.
        assert_eq!(channels[2].key, "7");
        assert_eq!(channels[2].number, None);
        assert_eq!(channels[2].quality, Quality::Fhd);
    }

    #[test]
    fn a_bare_array_is_a_list_too() {
        let body = br#"[{"name":"ITV","url":"{url}/itv"}]"#;
        assert_eq!(parse_catalog(200, body).unwrap().len(), 1);
        assert_eq!(parse_catalog(200, b"[]").unwrap(), Vec::new());
    }

    #[test]
    fn bad_bodies_are_one_line_errors() {
        for (status, body) in [
            (200, &b"<html>oops</html>"[..]),
            (200, b"{\"items\":[]}"),
            (200, b"42"),
            (404, b"{\"channels\":[]}"),
        ] {
            let error = parse_catalog(status, body).unwrap_err();
            assert!(error.starts_with("jsonlist: "), "{error}");
            assert!(!error.contains('\n'), "{error}");
        }
        assert!(parse_catalog(200, b"nope")
            .unwrap_err()
            .contains("not valid JSON"));
        assert!(parse_catalog(503, b"").unwrap_err().contains("HTTP 503"));
    }

    #[test]
    fn the_stored_url_is_the_only_candidate() {
        let extra = vec![
            ("other".to_string(), "x".to_string()),
            (URL.to_string(), "{server}/streams/bbc1.ts".to_string()),
        ];
        assert_eq!(stream_candidates(&extra), vec!["{server}/streams/bbc1.ts"]);
        assert!(stream_candidates(&[]).is_empty());
        assert!(stream_candidates(&[(URL.to_string(), String::new())]).is_empty());
    }
}
