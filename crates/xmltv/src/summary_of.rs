//! What a player's guide shows of one programme (start, stop, title,
//! description), read from a prepared record: for answers that are not XMLTV
//! (the Xtream door's short EPG).

use crate::attrs::{element_name, read_attributes};
use crate::escape::{resolve_entity, EntityStats, Resolved};
use crate::programmes::ProgrammeRecord;
use quick_xml::events::Event;
use quick_xml::reader::Reader;

/// One programme, as players list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgrammeSummary {
    /// Unix seconds it starts.
    pub start: i64,
    /// Unix seconds it ends (its start when the guide gives no stop).
    pub stop: i64,
    /// Its first title.
    pub title: String,
    /// Its first description.
    pub description: String,
}

/// An XMLTV time (`20261207210000 +0100`, the zone optional) as unix seconds.
pub fn parse_time(text: &str) -> Option<i64> {
    let text = text.trim();
    let digits = text.get(..14)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |a: usize, b: usize| digits[a..b].parse::<i64>().ok();
    let (y, mo, d, h, mi, s) = (
        n(0, 4)?,
        n(4, 6)?,
        n(6, 8)?,
        n(8, 10)?,
        n(10, 12)?,
        n(12, 14)?,
    );
    let offset = match text[14..].trim() {
        "" => 0,
        z if z.len() == 5 && (z.starts_with('+') || z.starts_with('-')) => {
            let sign = if z.starts_with('-') { -1 } else { 1 };
            let hh: i64 = z[1..3].parse().ok()?;
            let mm: i64 = z[3..5].parse().ok()?;
            sign * (hh * 3600 + mm * 60)
        }
        _ => return None,
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let (y, m) = if mo <= 2 {
        (y - 1, mo + 9)
    } else {
        (y, mo - 3)
    };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + mi * 60 + s - offset)
}

impl ProgrammeRecord<'_> {
    /// Start, stop, title and description; `None` for a record without a
    /// readable start.
    pub fn summary(&self) -> Option<ProgrammeSummary> {
        let mut reader = Reader::from_reader(self.xml());
        let (mut start, mut stop) = (None, None);
        let (mut title, mut description) = (None::<String>, None::<String>);
        let mut inside: Option<&'static str> = None;
        let mut text = String::new();
        let mut buf = Vec::new();
        let mut stats = EntityStats::default();
        loop {
            match reader.read_event_into(&mut buf).ok()? {
                Event::Start(e) if element_name(&e) == b"programme" => {
                    for (name, value) in read_attributes(&e, &mut stats)? {
                        match name.as_str() {
                            "start" => start = parse_time(&value),
                            "stop" => stop = parse_time(&value),
                            _ => {}
                        }
                    }
                }
                Event::Start(e) => {
                    inside = match element_name(&e) {
                        b"title" if title.is_none() => Some("title"),
                        b"desc" if description.is_none() => Some("desc"),
                        _ => None,
                    };
                    text.clear();
                }
                Event::Text(ref t) if inside.is_some() => text.push_str(t),
                Event::CData(ref t) if inside.is_some() => text.push_str(t),
                Event::GeneralRef(ref r) if inside.is_some() => {
                    if let Resolved::Char(c) = resolve_entity(r) {
                        text.push(c);
                    }
                }
                Event::End(_) => match inside.take() {
                    Some("title") => title = Some(std::mem::take(&mut text)),
                    Some(_) => description = Some(std::mem::take(&mut text)),
                    None => {}
                },
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
        }
        let start = start?;
        Some(ProgrammeSummary {
            start,
            stop: stop.unwrap_or(start),
            title: title.unwrap_or_default(),
            description: description.unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_gives_its_times_title_and_description() {
        let file = format!(
            "{}{}",
            String::from_utf8_lossy(crate::PREPARED_HEADER),
            "<programme channel=\"a.uk\" start=\"19700101010000 +0100\" stop=\"19700101003000 +0000\"><title lang=\"en\">News &amp; Weather</title><title>Other</title><desc>Today&#39;s <![CDATA[news]]></desc></programme>\n"
        );
        let mut reader = crate::ProgrammeReader::new(file.as_bytes()).unwrap();
        let record = reader.next_record().unwrap().unwrap();
        let s = record.summary().unwrap();
        assert_eq!((s.start, s.stop), (0, 1800));
        assert_eq!(s.title, "News & Weather");
        assert_eq!(s.description, "Today's news");
    }

    #[test]
    fn times_read_with_their_zone() {
        assert_eq!(parse_time("19700101000000 +0000"), Some(0));
        assert_eq!(parse_time("19700101010000 +0100"), Some(0));
        assert_eq!(parse_time("20261207210000"), Some(1_796_677_200));
        assert_eq!(
            parse_time("20240229120000 -0230"),
            Some(1_709_208_000 + 9_000)
        );
        assert_eq!(parse_time("2026"), None);
        assert_eq!(parse_time("20261207210000 CET"), None);
    }
}
