//! What a single decoration word means: quality, codec, rate, flag or region.

use crate::quality::Quality;

/// The meaning of one decoration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Marker {
    /// A quality tier ("FHD", "1080p", "4K").
    Quality(Quality),
    /// A lower-case tag that is not a region ("hevc", "50fps", "vip", "backup").
    Tag(String),
    /// A country or region code, lower-case as written ("uk", "ex-yu").
    Region(String),
}

/// Where a word sits, which decides how much it may be read as a decoration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// Inside the name: only quality, codec, rate and flags are decorations.
    Middle,
    /// A prefix or suffix segment (`UK FHD:`, `- HD`): regions count too.
    Edge,
    /// Inside brackets or pipes (`[UK]`, `(B)`); `first` when the group opens the
    /// name, where an unknown upper-case code (`|EXYU|`, `[NBA]`) is a tag too.
    Group { first: bool },
}

/// Country, language and region codes providers put in front of names.
const REGIONS: &[&str] = &[
    "UK",
    "GB",
    "IE",
    "US",
    "USA",
    "CA",
    "MX",
    "BR",
    "AR",
    "LAT",
    "LATAM",
    "LATINO",
    "LATIN",
    "DE",
    "AT",
    "CH",
    "FR",
    "BE",
    "NL",
    "LU",
    "IT",
    "ES",
    "PT",
    "GR",
    "CY",
    "TR",
    "PL",
    "RO",
    "BG",
    "HU",
    "CZ",
    "SK",
    "SI",
    "HR",
    "RS",
    "BA",
    "ME",
    "MK",
    "AL",
    "XK",
    "RU",
    "UA",
    "BY",
    "KZ",
    "GE",
    "AM",
    "AZ",
    "IL",
    "IR",
    "IQ",
    "SA",
    "AE",
    "EG",
    "MA",
    "DZ",
    "TN",
    "LB",
    "JO",
    "SY",
    "KW",
    "QA",
    "OM",
    "BH",
    "YE",
    "PK",
    "IN",
    "BD",
    "LK",
    "NP",
    "AF",
    "CN",
    "HK",
    "TW",
    "JP",
    "KR",
    "TH",
    "VN",
    "PH",
    "MY",
    "ID",
    "SG",
    "AU",
    "NZ",
    "ZA",
    "NG",
    "KE",
    "GH",
    "SE",
    "NO",
    "DK",
    "FI",
    "IS",
    "EE",
    "LV",
    "LT",
    "CO",
    "CL",
    "PE",
    "VE",
    "EC",
    "UY",
    "PY",
    "BO",
    "CR",
    "PA",
    "DO",
    "PR",
    "CU",
    "JM",
    "TT",
    "ARA",
    "ARAB",
    "ARABIC",
    "AFR",
    "AFRICA",
    "ASIA",
    "EU",
    "EUR",
    "EUROPE",
    "INT",
    "EXYU",
    "EX-YU",
    "YU",
    "MENA",
    "CARIB",
    "CARIBBEAN",
    "EN",
    "ENG",
    "FA",
    "PER",
    "KU",
    "KUR",
    "KURD",
    "SWE",
    "NOR",
    "DEN",
    "DNK",
    "FIN",
    "GRE",
    "POL",
    "POR",
    "ROM",
    "ROU",
    "RUS",
    "TUR",
    "UKR",
    "BUL",
    "HUN",
    "CZE",
    "SVK",
    "ESP",
    "ITA",
    "FRA",
    "NED",
    "NLD",
    "BEL",
    "SUI",
    "AUT",
    "IRL",
    "AUS",
    "NZL",
    "MEX",
    "BRA",
    "ARG",
    "COL",
    "IND",
    "PAK",
    "BAN",
    "SRB",
    "CRO",
    "HRV",
    "BIH",
    "MKD",
    "SLO",
    "ALB",
    "ISR",
    "IRN",
    "JPN",
    "KOR",
    "CHN",
    "HKG",
    "TWN",
    "THA",
    "VIE",
    "PHI",
    "PHL",
    "DEU",
    "GBR",
    "QUE",
];

/// Regions that may be glued to the name by a dash (`UK-BBC One`). Kept short:
/// `AT-X` and `AL-JAZEERA` are names.
const GLUED_REGIONS: &[&str] = &[
    "UK", "US", "USA", "CA", "DE", "FR", "ES", "IT", "NL", "PT", "PL", "TR", "GR", "RO", "AR",
    "IN", "PK", "BR", "MX", "AU", "IE", "SE", "NO", "DK", "FI", "BE", "RU",
];

/// Longest word that can be a marker; longer words are skipped without work.
const MAX_MARKER_LEN: usize = 16;

/// True when `word` is a known region code, any case.
pub(crate) fn is_region(word: &str) -> bool {
    word.len() <= 9 && REGIONS.iter().any(|r| r.eq_ignore_ascii_case(word))
}

/// True when `word` is an upper-case region that may be glued by a dash (`UK-`).
pub(crate) fn is_glued_region(word: &str) -> bool {
    GLUED_REGIONS.contains(&word)
}

/// The quality a word announces on its own ("HD", "HD+", "1080p", "4K").
fn quality_word(upper: &str) -> Option<Quality> {
    let upper = upper.strip_suffix('+').unwrap_or(upper);
    Some(match upper {
        "UHD" | "4K" | "8K" | "2160P" | "2160I" | "ULTRAHD" | "UHD4K" | "4KUHD" | "4K-UHD"
        | "UHD-4K" | "UHDTV" => Quality::Uhd,
        "FHD" | "1080P" | "1080I" | "FULLHD" | "FULL-HD" => Quality::Fhd,
        "HD" | "720P" | "720I" | "HDTV" => Quality::Hd,
        "SD" | "576P" | "576I" | "480P" | "480I" | "360P" | "SDTV" => Quality::Sd,
        _ => return None,
    })
}

/// A frame-rate word ("50FPS", "60fps") as its tag.
fn fps_word(upper: &str) -> Option<String> {
    let digits = upper.strip_suffix("FPS")?;
    is_rate(digits).then(|| format!("{digits}fps"))
}

/// True for a plausible frame rate written as digits ("25", "50", "120").
pub(crate) fn is_rate(digits: &str) -> bool {
    (2..=3).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
}

/// A resolution with a rate glued on ("1080p50", "2160p60").
fn resolution_with_rate(upper: &str) -> Option<Vec<Marker>> {
    let cut = upper.find(['P', 'I'])? + 1;
    let (res, rate) = upper.split_at(cut);
    let q = quality_word(res)?;
    is_rate(rate).then(|| vec![Marker::Quality(q), Marker::Tag(format!("{rate}fps"))])
}

/// Codec, dynamic range and provider flags, as their tag.
fn tag_word(upper: &str, place: Place) -> Option<&'static str> {
    Some(match upper {
        "HEVC" | "H265" | "H.265" | "H-265" | "X265" => "hevc",
        "H264" | "H.264" | "H-264" | "X264" | "AVC" => "h264",
        "AV1" => "av1",
        "MPEG2" | "MPEG-2" => "mpeg2",
        "HDR" | "HDR10" | "HDR10+" => "hdr",
        "HLG" => "hlg",
        "VIP" => "vip",
        "RAW" => "raw",
        "BACKUP" | "BACK-UP" | "BKP" => "backup",
        "B" | "BK" if matches!(place, Place::Group { .. }) => "backup",
        _ => return None,
    })
}

/// Reads one word as a decoration in `place`, or `None` when it is part of a name.
pub(crate) fn classify(word: &str, place: Place) -> Option<Vec<Marker>> {
    if word.len() > MAX_MARKER_LEN || !word.is_ascii() {
        return None;
    }
    let upper = word.to_ascii_uppercase();
    if let Some(q) = quality_word(&upper) {
        return Some(vec![Marker::Quality(q)]);
    }
    if let Some(tag) = tag_word(&upper, place) {
        return Some(vec![Marker::Tag(tag.to_string())]);
    }
    if let Some(tag) = fps_word(&upper) {
        return Some(vec![Marker::Tag(tag)]);
    }
    if let Some(markers) = resolution_with_rate(&upper) {
        return Some(markers);
    }
    if place != Place::Middle && is_region(word) {
        return Some(vec![Marker::Region(word.to_ascii_lowercase())]);
    }
    if place == (Place::Group { first: true })
        && (2..=5).contains(&word.len())
        && word.bytes().all(|b| b.is_ascii_uppercase())
    {
        return Some(vec![Marker::Region(word.to_ascii_lowercase())]);
    }
    compound(word, place)
}

/// "HD/FHD", "UK/IE", "UK-IE": every part a decoration.
fn compound(word: &str, place: Place) -> Option<Vec<Marker>> {
    if !word.contains(['/', '-']) {
        return None;
    }
    let mut out = Vec::new();
    for part in word.split(['/', '-']) {
        if part.is_empty() || part.contains(['/', '-']) {
            return None;
        }
        out.extend(classify(part, place)?);
    }
    Some(out)
}

/// Reads two adjacent words as one decoration ("FULL HD", "ULTRA HD", "50 FPS").
pub(crate) fn classify_pair(first: &str, second: &str) -> Option<Vec<Marker>> {
    let second_upper = second.to_ascii_uppercase();
    if second_upper == "HD" {
        if first.eq_ignore_ascii_case("full") {
            return Some(vec![Marker::Quality(Quality::Fhd)]);
        }
        if first.eq_ignore_ascii_case("ultra") {
            return Some(vec![Marker::Quality(Quality::Uhd)]);
        }
    }
    if second_upper == "FPS" && is_rate(first) {
        return Some(vec![Marker::Tag(format!("{first}fps"))]);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(word: &str) -> Option<Quality> {
        match classify(word, Place::Middle)?.first()? {
            Marker::Quality(q) => Some(*q),
            _ => None,
        }
    }

    #[test]
    fn quality_words() {
        assert_eq!(q("4K"), Some(Quality::Uhd));
        assert_eq!(q("fhd"), Some(Quality::Fhd));
        assert_eq!(q("HD+"), Some(Quality::Hd));
        assert_eq!(q("576p"), Some(Quality::Sd));
        assert_eq!(q("SHD"), None);
        assert_eq!(q("E4"), None);
    }

    #[test]
    fn regions_only_at_edges() {
        assert!(classify("UK", Place::Middle).is_none());
        assert_eq!(
            classify("UK", Place::Edge),
            Some(vec![Marker::Region("uk".into())])
        );
        assert!(classify("NBA", Place::Group { first: false }).is_none());
        assert!(classify("NBA", Place::Group { first: true }).is_some());
    }

    #[test]
    fn rates_and_codecs() {
        assert_eq!(
            classify("H.265", Place::Middle),
            Some(vec![Marker::Tag("hevc".into())])
        );
        assert_eq!(
            classify("60fps", Place::Middle),
            Some(vec![Marker::Tag("60fps".into())])
        );
        assert_eq!(
            classify("1080p50", Place::Middle),
            Some(vec![
                Marker::Quality(Quality::Fhd),
                Marker::Tag("50fps".into())
            ])
        );
        assert!(classify_pair("50", "FPS").is_some());
    }
}
