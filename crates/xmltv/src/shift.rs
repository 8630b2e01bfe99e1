//! A guide's time shift: for guides whose times are off by a fixed amount
//! (a wrong or missing timezone). Plex ignores the XMLTV offset, so the
//! programme instants themselves are moved, in the prepared file: applied
//! once per sync (and once per `guide set --shift`, from the prepared file
//! by the difference), `/xmltv.xml` stays a plain copy of bytes.

use std::fmt;
use std::io::{self, BufRead, Write};

use time::{Date, Duration, Month, PrimitiveDateTime, Time};

use super::prepared::{PREPARED_HEADER, RECORD_PREFIX};

/// Largest shift either way, in minutes (24 hours).
const MAX_MINUTES: i32 = 24 * 60;

/// A whole number of minutes, at most 24 hours either way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GuideShift(i32);

impl GuideShift {
    /// No shift.
    pub const ZERO: GuideShift = GuideShift(0);

    /// The shift in minutes (negative: earlier).
    pub fn minutes(self) -> i32 {
        self.0
    }

    /// A shift of `minutes`, when within 24 hours either way.
    pub fn from_minutes(minutes: i32) -> Option<GuideShift> {
        (minutes.abs() <= MAX_MINUTES).then_some(GuideShift(minutes))
    }

    /// Reads `+2h`, `-1h30m`, `45m`, `0` (hours then minutes, optional sign).
    pub fn parse(text: &str) -> Result<GuideShift, String> {
        let bad = || {
            format!(
                "the guide shift {text:?} is not usable: write hours and minutes like +2h, -1h30m, 45m or 0, at most 24h either way"
            )
        };
        let t = text.trim();
        let (sign, rest) = match t.as_bytes().first() {
            Some(b'-') => (-1, &t[1..]),
            Some(b'+') => (1, &t[1..]),
            _ => (1, t),
        };
        if rest == "0" {
            return Ok(GuideShift::ZERO);
        }
        let (mut total, mut rest, mut units) = (0i64, rest, 0u8);
        while !rest.is_empty() {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 || digits > 4 {
                return Err(bad());
            }
            let n: i64 = rest[..digits].parse().map_err(|_| bad())?;
            let (scale, rank) = match rest.as_bytes().get(digits) {
                Some(b'h') => (60, 1),
                Some(b'm') => (1, 2),
                _ => return Err(bad()),
            };
            if rank <= units {
                return Err(bad()); // repeated unit, or minutes before hours
            }
            units = rank;
            total += n * scale;
            rest = &rest[digits + 1..];
        }
        if units == 0 || total > i64::from(MAX_MINUTES) {
            return Err(bad());
        }
        Ok(GuideShift(sign * total as i32))
    }
}

impl fmt::Display for GuideShift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("0");
        }
        let sign = if self.0 < 0 { '-' } else { '+' };
        let (h, m) = (self.0.abs() / 60, self.0.abs() % 60);
        match (h, m) {
            (h, 0) => write!(f, "{sign}{h}h"),
            (0, m) => write!(f, "{sign}{m}m"),
            (h, m) => write!(f, "{sign}{h}h{m}m"),
        }
    }
}

/// `time` moved by `minutes`, in the same XMLTV form (12 or 14 digits, the
/// same zone): the wall clock moves, so the instant moves by the same amount.
pub(crate) fn shift_time(time: &str, minutes: i32) -> Option<String> {
    let (stamp, zone) = match time.split_once(char::is_whitespace) {
        Some((a, b)) => (a, Some(b.trim_start())),
        None => (time, None),
    };
    if !matches!(stamp.len(), 12 | 14) || !stamp.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| stamp[r].parse::<u16>().ok();
    let date = Date::from_calendar_date(
        i32::from(n(0..4)?),
        Month::try_from(n(4..6)? as u8).ok()?,
        n(6..8)? as u8,
    )
    .ok()?;
    let secs = if stamp.len() == 14 { n(12..14)? } else { 0 };
    let clock = Time::from_hms(n(8..10)? as u8, n(10..12)? as u8, secs as u8).ok()?;
    let moved =
        PrimitiveDateTime::new(date, clock).checked_add(Duration::minutes(i64::from(minutes)))?;
    if !(0..=9999).contains(&moved.year()) {
        return None;
    }
    let mut out = format!(
        "{:04}{:02}{:02}{:02}{:02}",
        moved.year(),
        u8::from(moved.month()),
        moved.day(),
        moved.hour(),
        moved.minute()
    );
    if stamp.len() == 14 {
        out.push_str(&format!("{:02}", moved.second()));
    }
    if let Some(zone) = zone {
        out.push(' ');
        out.push_str(zone);
    }
    Some(out)
}

/// Appends `line` (one prepared record, without its newline) to `out` with
/// its `start` and `stop` moved by `minutes`; `Err` says what is broken.
pub(crate) fn shift_record(line: &[u8], minutes: i32, out: &mut Vec<u8>) -> Result<(), String> {
    if !line.starts_with(RECORD_PREFIX) {
        return Err("a record does not start with <programme channel=".into());
    }
    // Attributes are written `name="value"` with `"` escaped inside values,
    // so the tag is read quote to quote up to its `>`.
    let mut i = b"<programme".len();
    out.extend_from_slice(&line[..i]);
    loop {
        let rest = &line[i..];
        if rest.first() == Some(&b'>') {
            out.extend_from_slice(rest);
            return Ok(());
        }
        let eq = rest
            .windows(2)
            .position(|w| w == b"=\"")
            .ok_or("a record's tag is cut")?;
        let end = rest[eq + 2..]
            .iter()
            .position(|&b| b == b'"')
            .ok_or("a record's attribute is cut")?
            + eq
            + 2;
        let name = rest[..eq].trim_ascii();
        let value = &rest[eq + 2..end];
        out.extend_from_slice(&rest[..eq + 2]);
        if name == b"start" || name == b"stop" {
            let text = std::str::from_utf8(value).map_err(|_| "a record's time is not UTF-8")?;
            let moved = shift_time(text, minutes)
                .ok_or_else(|| format!("the time {text:?} cannot be shifted"))?;
            out.extend_from_slice(moved.as_bytes());
        } else {
            out.extend_from_slice(value);
        }
        out.push(b'"');
        i += end + 1;
    }
}

/// Copies a prepared programme file with every programme moved by `minutes`
/// (a sync applies a guide's shift this way; changing a shift applies the
/// difference to the kept file, with no download).
pub fn shift_file<R: BufRead, W: Write>(
    mut input: R,
    mut output: W,
    minutes: i32,
) -> io::Result<()> {
    let mut line = Vec::with_capacity(4096);
    input.read_until(b'\n', &mut line)?;
    if line != PREPARED_HEADER {
        return Err(io::Error::other("not a prepared programme file"));
    }
    output.write_all(PREPARED_HEADER)?;
    let mut out = Vec::with_capacity(4096);
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        let record = line.strip_suffix(b"\n").unwrap_or(&line);
        out.clear();
        shift_record(record, minutes, &mut out).map_err(io::Error::other)?;
        out.push(b'\n');
        output.write_all(&out)?;
    }
    output.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_shifts() {
        for (text, minutes, shown) in [
            ("+2h", 120, "+2h"),
            ("-1h30m", -90, "-1h30m"),
            ("45m", 45, "+45m"),
            ("0", 0, "0"),
            ("-0", 0, "0"),
            ("24h", 1440, "+24h"),
            ("-23h59m", -1439, "-23h59m"),
            ("90m", 90, "+1h30m"),
        ] {
            let s = GuideShift::parse(text).unwrap();
            assert_eq!((s.minutes(), s.to_string().as_str()), (minutes, shown));
            assert_eq!(GuideShift::parse(shown).unwrap(), s);
        }
        for bad in [
            "", "+", "2", "h", "1m2h", "1h1h", "25h", "24h1m", "1.5h", "2 h", "1d", "-", "99999m",
        ] {
            let e = GuideShift::parse(bad).unwrap_err();
            assert!(e.contains("+2h, -1h30m, 45m or 0"), "{bad:?}: {e}");
        }
    }

    #[test]
    fn shifts_times_across_days_and_keeps_the_form() {
        assert_eq!(
            shift_time("20240101003000 +0100", -90).unwrap(),
            "20231231230000 +0100"
        );
        assert_eq!(shift_time("202402282330", 60).unwrap(), "202402290030");
        assert_eq!(
            shift_time("20240101120015 UTC", 120).unwrap(),
            "20240101140015 UTC"
        );
        assert_eq!(shift_time("20241301120000", 60), None);
    }

    #[test]
    fn shifts_start_and_stop_only() {
        let line = br#"<programme channel="a&quot;b" start="20240101060000 +0000" stop="20240101070000 +0000" catchup-id="stop"><title>T "x"</title></programme>"#;
        let mut out = Vec::new();
        shift_record(line, -30, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"<programme channel="a&quot;b" start="20240101053000 +0000" stop="20240101063000 +0000" catchup-id="stop"><title>T "x"</title></programme>"#
        );
    }

    #[test]
    fn shifting_a_file_by_the_difference_equals_shifting_once() {
        let mut file = PREPARED_HEADER.to_vec();
        file.extend_from_slice(
            b"<programme channel=\"c\" start=\"20240101060000 +0200\"><title>A</title></programme>\n",
        );
        let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
        shift_file(&file[..], &mut a, 150).unwrap();
        shift_file(&a[..], &mut b, -240).unwrap();
        shift_file(&file[..], &mut c, -90).unwrap();
        assert_eq!(b, c);
        assert!(String::from_utf8(c)
            .unwrap()
            .contains("start=\"20240101043000 +0200\""));
        assert!(shift_file(&b"nope\n"[..], &mut Vec::new(), 1).is_err());
    }
}
