//! Stream URL templates for a channel, best first.

/// The account option choosing the container (`ts` or `m3u8`).
pub const STREAM_FORMAT: &str = "stream-format";
/// The account option choosing the URL shape (`live`, `short` or `bare`).
pub const URL_FORM: &str = "url-form";

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
/// (default `live` + `ts`), then the other MPEG-TS forms as fallbacks. A key
/// that is not a decimal stream id gives no candidates, so nothing but
/// placeholders and digits ever reaches a URL.
pub fn stream_candidates(key: &str, options: &[(String, String)]) -> Vec<String> {
    if key.is_empty() || !key.bytes().all(|b| b.is_ascii_digit()) {
        return Vec::new();
    }
    let form = match option(options, URL_FORM).as_deref() {
        Some("short") => Form::Short,
        Some("bare") => Form::Bare,
        _ => Form::Live,
    };
    let ext = match option(options, STREAM_FORMAT).as_deref() {
        Some("m3u8") | Some("hls") => "m3u8",
        _ => "ts",
    };
    let mut urls = vec![template(form, key, ext)];
    for fallback in [Form::Live, Form::Short, Form::Bare] {
        let url = template(fallback, key, "ts");
        if !urls.contains(&url) {
            urls.push(url);
        }
    }
    urls
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
}
