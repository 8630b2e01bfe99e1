//! The parts of the XMLTV DTD that ingest enforces, so re-served guides validate.

/// Children of `<programme>` in DTD order; the index is the sort rank.
const PROGRAMME_CHILDREN: [(&str, bool); 25] = [
    // (name, at most once)
    ("title", false),
    ("sub-title", false),
    ("desc", false),
    ("credits", true),
    ("date", true),
    ("category", false),
    ("keyword", false),
    ("language", true),
    ("orig-language", true),
    ("length", true),
    ("icon", false),
    ("url", false),
    ("country", false),
    ("episode-num", false),
    ("video", true),
    ("audio", true),
    ("previously-shown", true),
    ("premiere", true),
    ("last-chance", true),
    ("new", true),
    ("subtitles", false),
    ("rating", false),
    ("star-rating", false),
    ("review", false),
    ("image", false),
];

/// Rank of a programme child in DTD order, and whether it may appear only once.
pub(crate) fn child_rank(name: &[u8]) -> Option<(u8, bool)> {
    PROGRAMME_CHILDREN
        .iter()
        .position(|(n, _)| n.as_bytes() == name)
        .map(|i| (i as u8, PROGRAMME_CHILDREN[i].1))
}

/// Rank of `<title>`, which the DTD requires at least once.
pub(crate) const TITLE_RANK: u8 = 0;
/// Rank of `<category>`, whose texts become the channel's categories.
pub(crate) const CATEGORY_RANK: u8 = 5;
/// Rank of `<desc>`, dropped when empty.
pub(crate) const DESC_RANK: u8 = 2;
/// Rank of `<episode-num>`, checked when `system="xmltv_ns"`.
pub(crate) const EPISODE_RANK: u8 = 13;

/// Attributes the DTD defines on `<programme>` besides `channel` and `start`.
pub(crate) const PROGRAMME_OPTIONAL_ATTRS: [&str; 6] = [
    "stop",
    "pdc-start",
    "vps-start",
    "showview",
    "videoplus",
    "clumpidx",
];

/// An XMLTV time: `YYYYMMDDhhmm`, optional `ss`, optional ` +zzzz` or ` TZNAME`.
pub(crate) fn is_xmltv_time(s: &str) -> bool {
    let (stamp, zone) = match s.split_once(char::is_whitespace) {
        Some((a, b)) => (a, Some(b.trim_start())),
        None => (s, None),
    };
    let stamp_ok = matches!(stamp.len(), 12 | 14) && stamp.bytes().all(|b| b.is_ascii_digit());
    let zone_ok = match zone {
        None => true,
        Some(z) => {
            let b = z.as_bytes();
            (b.len() == 5 && matches!(b[0], b'+' | b'-') && b[1..].iter().all(u8::is_ascii_digit))
                || (!b.is_empty() && b.iter().all(u8::is_ascii_uppercase))
        }
    };
    stamp_ok && zone_ok
}

/// An `xmltv_ns` episode number: three dot-separated parts of `n` or `n/m`.
pub(crate) fn is_xmltv_ns(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            let p: String = p.chars().filter(|c| !c.is_whitespace()).collect();
            let (a, b) = match p.split_once('/') {
                Some((a, b)) => (a.to_owned(), Some(b.to_owned())),
                None => (p, None),
            };
            a.bytes().all(|c| c.is_ascii_digit())
                && b.is_none_or(|b| !b.is_empty() && b.bytes().all(|c| c.is_ascii_digit()))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert!(is_xmltv_time("20240101120000 +0100"));
        assert!(is_xmltv_time("202401011200"));
        assert!(is_xmltv_time("20240101120000 UTC"));
        assert!(!is_xmltv_time("2024-01-01 12:00"));
        assert!(!is_xmltv_time(""));
    }

    #[test]
    fn episodes() {
        assert!(is_xmltv_ns("1.4/10."));
        assert!(is_xmltv_ns(" 0 . 11 . 0/1 "));
        assert!(!is_xmltv_ns("S01E05"));
    }

    #[test]
    fn ranks_follow_the_dtd() {
        assert_eq!(child_rank(b"title"), Some((TITLE_RANK, false)));
        assert_eq!(child_rank(b"desc"), Some((DESC_RANK, false)));
        assert_eq!(child_rank(b"episode-num"), Some((EPISODE_RANK, false)));
        assert_eq!(child_rank(b"date"), Some((4, true)));
        assert_eq!(child_rank(b"lcn"), None);
    }
}
