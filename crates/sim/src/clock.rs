//! Wall-clock helpers: unix seconds and the two text formats panels use
//! (XMLTV `YYYYMMDDhhmmss +0000` and `time_now` `YYYY-MM-DD hh:mm:ss`).

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, now.
pub(crate) fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn civil(secs: u64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(secs.min(253_402_300_799) as i64)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

/// XMLTV time stamp, always UTC: `20240101120000 +0000`.
pub(crate) fn xmltv_time(secs: u64) -> String {
    let t = civil(secs);
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02} +0000",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Panel `time_now` text: `2024-01-01 12:00:00`.
pub(crate) fn panel_time(secs: u64) -> String {
    let t = civil(secs);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
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
