//! Wall-clock helpers: unix seconds and the two text formats panels use
//! (XMLTV `YYYYMMDDhhmmss +0000` and `time_now` `YYYY-MM-DD hh:mm:ss`),
//! without pulling in a date crate.

use crate::clock::civil;
pub(crate) use crate::clock::now_unix;

/// XMLTV time stamp, always UTC: `20240101120000 +0000`.
pub(crate) fn xmltv_time(secs: u64) -> String {
    let (y, mo, d, h, mi, s) = civil(secs);
    format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02} +0000")
}

/// Panel `time_now` text: `2024-01-01 12:00:00`.
pub(crate) fn panel_time(secs: u64) -> String {
    let (y, mo, d, h, mi, s) = civil(secs);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_times() {
        assert_eq!(xmltv_time(0), "19700101000000 +0000");
        assert_eq!(panel_time(1_700_000_000), "2023-11-14 22:13:20");
        assert_eq!(xmltv_time(951_782_400), "20000229000000 +0000");
    }
}
