//! Wall-clock helpers: unix seconds and the two text formats panels use
//! (XMLTV `YYYYMMDDhhmmss +0000` and `time_now` `YYYY-MM-DD hh:mm:ss`),
//! without pulling in a date crate.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the unix epoch, now.
pub(crate) fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Calendar date and time (UTC) of a unix time: (year, month, day, h, m, s).
fn civil(secs: u64) -> (i64, u32, u32, u32, u32, u32) {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s) = (rem / 3_600, (rem % 3_600) / 60, rem % 60);
    (year, month, day, h as u32, m as u32, s as u32)
}

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
