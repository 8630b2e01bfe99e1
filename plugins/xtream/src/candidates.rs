//! Stream URL templates for a channel, best first.

/// The account option choosing the container (`ts` or `m3u8`).
pub const STREAM_FORMAT: &str = "stream-format";
/// The account option choosing the URL shape (`live`, `short` or `bare`).
pub const URL_FORM: &str = "url-form";
/// The formats the panel allows (`allowed_output_formats`, comma-separated),
/// which the host keeps from the last account check.
pub const ALLOWED_FORMATS: &str = "allowed-output-formats";

/// The key of a channel's catch-up days in its `extra` (the host reads it:
/// how far back its archive goes).
pub const ARCHIVE_DAYS: &str = "archive-days";
/// The key of the panel's time zone in a channel's `extra`.
pub const ARCHIVE_ZONE: &str = "archive-zone";
/// The option the host adds when it asks for an archive slice: its start,
/// Unix seconds.
pub const ARCHIVE_START: &str = "archive-start";
/// The option the host adds with the slice's length in minutes.
pub const ARCHIVE_MINUTES: &str = "archive-minutes";

/// The URL shapes Xtream panels serve live streams under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// `{server}/live/{username}/{password}/{id}.ext`
    Live,
    /// `{server}/{username}/{password}/{id}.ext`
    Short,
    /// `{server}/{username}/{password}/{id}`
    Bare,
}

/// The URL template of stream `key` in `form` with extension `ext`.
fn template(form: Form, key: &str, ext: &str) -> String {
    match form {
        Form::Live => format!("{{server}}/live/{{username}}/{{password}}/{key}.{ext}"),
        Form::Short => format!("{{server}}/{{username}}/{{password}}/{key}.{ext}"),
        Form::Bare => format!("{{server}}/{{username}}/{{password}}/{key}"),
    }
}

/// The value of option `name`, trimmed and lower-case.
fn option(options: &[(String, String)], name: &str) -> Option<String> {
    options
        .iter()
        .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim().to_ascii_lowercase())
}

/// The ways to play stream `key`: the form the account's options choose first
/// (default `live` + `ts`), then the other MPEG-TS forms as fallbacks. A panel
/// that does not allow `ts` (its `allowed_output_formats`) but allows `m3u8`
/// gets HLS forms instead, unless the user chose the format. A key that is
/// not a decimal stream id gives no candidates, so nothing but placeholders
/// and digits ever reaches a URL.
pub fn stream_candidates(key: &str, options: &[(String, String)]) -> Vec<String> {
    if key.is_empty() || !key.bytes().all(|b| b.is_ascii_digit()) {
        return Vec::new();
    }
    let form = match option(options, URL_FORM).as_deref() {
        Some("short") => Form::Short,
        Some("bare") => Form::Bare,
        _ => Form::Live,
    };
    let allowed: Vec<String> = option(options, ALLOWED_FORMATS)
        .map(|v| v.split(',').map(|f| f.trim().to_string()).collect())
        .unwrap_or_default();
    let hls_only = !allowed.is_empty()
        && !allowed.iter().any(|f| f == "ts")
        && allowed.iter().any(|f| f == "m3u8");
    let ext = match option(options, STREAM_FORMAT).as_deref() {
        Some("m3u8") | Some("hls") => "m3u8",
        Some("ts") => "ts",
        _ if hls_only => "m3u8",
        _ => "ts",
    };
    let fallback_ext = if hls_only { "m3u8" } else { "ts" };
    let mut urls = vec![template(form, key, ext)];
    for fallback in [Form::Live, Form::Short, Form::Bare] {
        if fallback == Form::Bare && fallback_ext == "m3u8" {
            continue;
        }
        let url = template(fallback, key, fallback_ext);
        if !urls.contains(&url) {
            urls.push(url);
        }
    }
    urls
}

/// The ways to play `minutes` of stream `key`'s archive from Unix second
/// `start`: the `/timeshift/` path, then `streaming/timeshift.php`, with
/// the start written in the panel's time zone `zone` (UTC when unknown or
/// not a zone), as panels read it. None for a key that is not a stream id
/// or a start outside the calendar.
pub fn archive_candidates(key: &str, start: i64, minutes: u32, zone: Option<&str>) -> Vec<String> {
    if key.is_empty() || !key.bytes().all(|b| b.is_ascii_digit()) || minutes == 0 {
        return Vec::new();
    }
    let Ok(at) = jiff::Timestamp::from_second(start) else {
        return Vec::new();
    };
    let zone = zone
        .and_then(|z| jiff::tz::TimeZone::get(z).ok())
        .unwrap_or(jiff::tz::TimeZone::UTC);
    let local = at.to_zoned(zone).strftime("%Y-%m-%d:%H-%M").to_string();
    vec![
        format!("{{server}}/timeshift/{{username}}/{{password}}/{minutes}/{local}/{key}.ts"),
        format!(
            "{{server}}/streaming/timeshift.php?username={{username}}&password={{password}}&stream={key}&start={local}&duration={minutes}"
        ),
    ]
}

/// The archive slice the host asks for in `options`, if it does:
/// (start, minutes).
pub fn archive_asked(options: &[(String, String)]) -> Option<(i64, u32)> {
    let start = option(options, ARCHIVE_START)?.parse().ok()?;
    let minutes = option(options, ARCHIVE_MINUTES)?.parse().ok()?;
    Some((start, minutes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn default_is_live_ts_then_fallbacks() {
        assert_eq!(
            stream_candidates("42", &[]),
            [
                "{server}/live/{username}/{password}/42.ts",
                "{server}/{username}/{password}/42.ts",
                "{server}/{username}/{password}/42",
            ]
        );
    }

    #[test]
    fn chosen_form_first() {
        let hls = stream_candidates("7", &opts(&[("stream-format", "m3u8")]));
        assert_eq!(hls[0], "{server}/live/{username}/{password}/7.m3u8");
        assert_eq!(hls.len(), 4);
        let short = stream_candidates("7", &opts(&[("url-form", " Short ")]));
        assert_eq!(short[0], "{server}/{username}/{password}/7.ts");
        assert_eq!(short[1], "{server}/live/{username}/{password}/7.ts");
        assert_eq!(short.len(), 3);
        let bare = stream_candidates(
            "7",
            &opts(&[("url-form", "bare"), ("stream-format", "m3u8")]),
        );
        assert_eq!(bare[0], "{server}/{username}/{password}/7");
        assert_eq!(bare.len(), 3);
    }

    #[test]
    fn a_panel_allowing_only_hls_gets_hls_forms() {
        let only_hls = opts(&[("allowed-output-formats", "m3u8,rtmp")]);
        assert_eq!(
            stream_candidates("7", &only_hls),
            [
                "{server}/live/{username}/{password}/7.m3u8",
                "{server}/{username}/{password}/7.m3u8",
            ]
        );
        // Allowed both, or the user chose: as before.
        let both = opts(&[("allowed-output-formats", "m3u8, ts")]);
        assert_eq!(stream_candidates("7", &both), stream_candidates("7", &[]));
        let chose_ts = opts(&[("allowed-output-formats", "m3u8"), ("stream-format", "ts")]);
        assert_eq!(chose_ts.len(), 2);
        assert_eq!(
            stream_candidates("7", &chose_ts)[0],
            "{server}/live/{username}/{password}/7.ts"
        );
    }

    #[test]
    fn unknown_values_fall_back_to_defaults() {
        let got = stream_candidates(
            "7",
            &opts(&[("url-form", "weird"), ("stream-format", "mkv")]),
        );
        assert_eq!(got, stream_candidates("7", &[]));
    }

    #[test]
    fn only_numeric_keys() {
        assert!(stream_candidates("../1", &[]).is_empty());
        assert!(stream_candidates("{password}", &[]).is_empty());
        assert!(stream_candidates("", &[]).is_empty());
    }

    #[test]
    fn archive_times_are_written_in_the_panel_zone() {
        // 2026-12-08 08:30 UTC is 09:30 in Berlin (CET, UTC+1).
        let start = 1_796_718_600;
        let urls = archive_candidates("42", start, 90, Some("Europe/Berlin"));
        assert_eq!(
            urls[0],
            "{server}/timeshift/{username}/{password}/90/2026-12-08:09-30/42.ts"
        );
        assert!(urls[1].ends_with("stream=42&start=2026-12-08:09-30&duration=90"));
        let utc = archive_candidates("42", start, 90, Some("Not/AZone"));
        assert!(utc[0].contains("/2026-12-08:08-30/"), "{utc:?}");
        assert!(archive_candidates("4x", start, 90, None).is_empty());
        let asked = vec![
            (ARCHIVE_START.to_string(), start.to_string()),
            (ARCHIVE_MINUTES.to_string(), "90".to_string()),
        ];
        assert_eq!(archive_asked(&asked), Some((start, 90)));
        assert_eq!(archive_asked(&[]), None);
    }
}
