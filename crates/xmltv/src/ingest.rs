//! The ingest driver: quick-xml events in, channel records and prepared
//! programme records out.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::{BufWriter, Read, Write};

use quick_xml::events::Event;
use quick_xml::Reader;

use super::attrs::{element_name, read_attributes};
use super::channel::{Channel, ChannelBuilder};
use super::error::{IngestError, PipelineFault};
use super::escape::{resolve_entity, EntityStats, Resolved};
use super::guard::Guard;
use super::limits::IngestLimits;
use super::prepared::PREPARED_HEADER;
use super::programme::ProgrammeBuilder;
use super::source;
use super::summary::{IngestSummary, SkipReason};

/// Deepest element nesting accepted (XMLTV needs 4); deeper is refused so the
/// parser's stack of open names stays small.
const MAX_DEPTH: usize = 64;

/// What a successful ingest produced besides the programme file.
#[derive(Debug, Clone, Default)]
pub struct IngestedGuide {
    /// The guide's channels, in document order.
    pub channels: Vec<Channel>,
    /// Counts of what was kept and skipped.
    pub summary: IngestSummary,
}

/// The top-level item being read.
enum Item {
    None,
    Channel(ChannelBuilder),
    Programme,
    /// An unknown element: swallowed whole.
    Other,
}

/// Reads an XMLTV document from `input` (plain or gzip, detected by magic bytes)
/// as a stream, writes its programmes to `programmes` in the prepared format
/// (see [`crate::prepared`]) and returns its channels and a summary.
///
/// Memory stays bounded by `limits` whatever the input size. On `Err` the
/// programme output is incomplete: the caller writes it to a temporary file and
/// renames it only on `Ok`, so the previous guide stays in place.
pub fn ingest<R: Read, W: Write>(
    input: R,
    programmes: W,
    limits: &IngestLimits,
) -> Result<IngestedGuide, IngestError> {
    let source = source::open(input, limits)?;
    let mut summary = IngestSummary {
        gzip: source.gzip,
        encoding: source.encoding.clone(),
        ..IngestSummary::default()
    };
    let mut reader = Reader::from_reader(source.guard);
    let config = reader.config_mut();
    config.check_end_names = true;
    config.allow_dangling_amp = true;
    config.expand_empty_elements = false;
    let mut out = BufWriter::with_capacity(256 * 1024, programmes);
    out.write_all(PREPARED_HEADER).map_err(IngestError::Write)?;

    let mut found = Found::default();
    let mut stats = EntityStats::default();
    let mut prog = ProgrammeBuilder::default();
    let mut item = Item::None;
    let mut depth = 0usize;
    let mut root_seen = false;
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut text = String::new();

    loop {
        let start = reader.buffer_position();
        reader.get_mut().forget_before(start);
        buf.clear();
        let event = match reader.read_event_into(&mut buf) {
            Ok(ev) => ev,
            Err(e) => return Err(convert_error(e, &reader, summary.gzip)),
        };
        let end = reader.buffer_position();
        let cut = reader.get_ref().cut_within(start, end);
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                let name = element_name(e);
                if depth >= MAX_DEPTH {
                    return Err(IngestError::TooLarge {
                        what: format!("elements nested deeper than {MAX_DEPTH}"),
                        at: reader.get_ref().position(start),
                    });
                }
                match depth {
                    0 => {
                        if root_seen {
                            break;
                        }
                        if name != b"tv" {
                            return Err(IngestError::WrongRoot {
                                found: String::from_utf8_lossy(name).into_owned(),
                                at: reader.get_ref().position(start),
                            });
                        }
                        root_seen = true;
                        if empty {
                            break;
                        }
                    }
                    1 => {
                        let attrs = read_attributes(e, &mut stats);
                        item = match name {
                            b"channel" => {
                                let mut b = ChannelBuilder::new(attrs.as_deref().unwrap_or(&[]));
                                if cut {
                                    b.mark_oversized();
                                }
                                Item::Channel(b)
                            }
                            b"programme" => {
                                prog.begin(attrs, limits.max_element_bytes, &mut summary);
                                if cut {
                                    prog.mark_oversized();
                                }
                                Item::Programme
                            }
                            _ => {
                                summary.skip(SkipReason::UnknownElement);
                                Item::Other
                            }
                        };
                        if empty {
                            finish_item(
                                &mut item,
                                &mut prog,
                                &mut out,
                                &mut found,
                                &mut summary,
                                limits,
                            )?;
                        }
                    }
                    _ => match &mut item {
                        Item::Channel(b) => {
                            let attrs = read_attributes(e, &mut stats).unwrap_or_default();
                            b.start(name, &attrs);
                            if empty {
                                b.end();
                            }
                            if cut {
                                b.mark_oversized();
                            }
                        }
                        Item::Programme => {
                            let attrs = read_attributes(e, &mut stats);
                            prog.start(name, attrs, empty, &mut summary);
                            if cut {
                                prog.mark_oversized();
                            }
                        }
                        Item::None | Item::Other => {}
                    },
                }
                if !empty {
                    depth += 1;
                }
            }
            Event::End(ref e) => {
                depth -= 1;
                match depth {
                    0 => break,
                    1 => finish_item(
                        &mut item,
                        &mut prog,
                        &mut out,
                        &mut found,
                        &mut summary,
                        limits,
                    )?,
                    _ => match &mut item {
                        Item::Channel(b) => b.end(),
                        Item::Programme => prog.end(e.name().into_inner().as_bytes()),
                        Item::None | Item::Other => {}
                    },
                }
            }
            Event::Text(ref t) => {
                if depth >= 2 {
                    let raw: &str = t;
                    stats.bare_amp += raw.bytes().filter(|&b| b == b'&').count() as u64;
                    feed_text(&mut item, &mut prog, raw, cut);
                }
            }
            Event::CData(ref t) => {
                if depth >= 2 {
                    let raw: &str = t;
                    feed_text(&mut item, &mut prog, raw, cut);
                }
            }
            Event::GeneralRef(ref r) => {
                if depth >= 2 {
                    let name: &str = r;
                    text.clear();
                    match resolve_entity(name) {
                        Resolved::Char(c) => text.push(c),
                        Resolved::Nothing => {}
                        Resolved::Literal => {
                            stats.unknown += 1;
                            text.push('&');
                            text.push_str(name);
                            text.push(';');
                        }
                    }
                    feed_text(&mut item, &mut prog, &text, cut);
                }
            }
            Event::Eof => {
                if !root_seen {
                    return Err(IngestError::NotXml {
                        what: "no root element found".into(),
                        at: reader.get_ref().position(end),
                    });
                }
                if depth > 0 {
                    return Err(IngestError::Malformed {
                        what: format!(
                            "the document ends inside {depth} unclosed element(s) (truncated download?)"
                        ),
                        at: reader.get_ref().position(end),
                    });
                }
                break;
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    out.flush().map_err(IngestError::Write)?;
    let mut channels = found.channels;
    for c in &mut channels {
        if let Some(set) = found.categories.remove(&c.id) {
            c.categories = set.into_iter().collect();
        }
    }
    summary.channels = channels.len() as u64;
    summary.unknown_entities = stats.unknown;
    summary.bare_ampersands = stats.bare_amp;
    summary.xml_bytes = reader.get_ref().position(reader.buffer_position()).offset;
    Ok(IngestedGuide { channels, summary })
}

fn feed_text(item: &mut Item, prog: &mut ProgrammeBuilder, piece: &str, cut: bool) {
    match item {
        Item::Channel(b) => {
            b.text(piece);
            if cut {
                b.mark_oversized();
            }
        }
        Item::Programme => {
            prog.text(piece);
            if cut {
                prog.mark_oversized();
            }
        }
        Item::None | Item::Other => {}
    }
}

/// The channels read so far, and the categories of their programmes.
#[derive(Default)]
struct Found {
    channels: Vec<Channel>,
    ids: HashSet<String>,
    /// Per programme channel id (a programme may come before its channel),
    /// at most [`MAX_CHANNEL_CATEGORIES`] each, for at most
    /// `CATEGORY_IDS_PER_CHANNEL × max_channels` ids; given to the channels
    /// at the end.
    categories: HashMap<String, BTreeSet<String>>,
}

/// Categories kept per channel (the distinct ones first seen).
const MAX_CHANNEL_CATEGORIES: usize = 32;
/// Programme channel ids whose categories are tracked, per channel kept.
pub const CATEGORY_IDS_PER_CHANNEL: usize = 4;

fn finish_item<W: Write>(
    item: &mut Item,
    prog: &mut ProgrammeBuilder,
    out: &mut W,
    found: &mut Found,
    summary: &mut IngestSummary,
    limits: &IngestLimits,
) -> Result<(), IngestError> {
    match std::mem::replace(item, Item::None) {
        Item::Channel(b) => match b.finish() {
            Err(reason) => summary.skip(reason),
            Ok(_) if found.channels.len() >= limits.max_channels => {
                summary.skip(SkipReason::ChannelOverLimit)
            }
            Ok(rec) => {
                if found.ids.insert(rec.id.clone()) {
                    found.channels.push(rec);
                } else {
                    summary.skip(SkipReason::ChannelDuplicate);
                }
            }
        },
        Item::Programme => match prog.finish(out, summary).map_err(IngestError::Write)? {
            Err(reason) => summary.skip(reason),
            Ok(()) => {
                summary.programmes += 1;
                if !found.ids.contains(prog.channel()) {
                    summary.programmes_unknown_channel += 1;
                }
                let room = found.categories.len()
                    < limits.max_channels.saturating_mul(CATEGORY_IDS_PER_CHANNEL);
                let tracked = found.categories.contains_key(prog.channel());
                if !prog.categories().is_empty() && (tracked || room) {
                    let set = found
                        .categories
                        .entry(prog.channel().to_string())
                        .or_default();
                    for c in prog.categories() {
                        if set.len() < MAX_CHANNEL_CATEGORIES {
                            set.insert(c.clone());
                        }
                    }
                }
            }
        },
        Item::None | Item::Other => {}
    }
    Ok(())
}

/// Turns a quick-xml error into a one-line [`IngestError`] with its position.
fn convert_error<R>(e: quick_xml::Error, reader: &Reader<Guard<R>>, gzip: bool) -> IngestError
where
    R: std::io::BufRead,
{
    let guard = reader.get_ref();
    match e {
        quick_xml::Error::Io(io) => match PipelineFault::from_io(&io) {
            Some(fault) => fault.into_ingest(),
            None => IngestError::Read {
                what: if gzip {
                    format!("gzip stream: {io}")
                } else {
                    io.to_string()
                },
                at: guard.position(reader.buffer_position()),
            },
        },
        quick_xml::Error::Encoding(err) => IngestError::Encoding {
            what: err.to_string(),
            at: guard.position(reader.buffer_position()),
        },
        // quick-xml quotes the offending tag, which may hold line breaks and
        // run long: the error stays one bounded line.
        other => IngestError::Malformed {
            what: super::error::one_line(&other.to_string(), 200),
            at: guard.position(reader.error_position()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A channel's categories are the distinct, trimmed `<category>` texts
    /// of its programmes, sorted; programmes of unknown channels add none.
    #[test]
    fn channels_keep_their_programmes_categories() {
        let xml = r#"<tv>
  <channel id="a"><display-name>A</display-name></channel>
  <channel id="b"><display-name>B</display-name></channel>
  <programme start="20300101120000 +0000" channel="a"><title>x</title><category> News </category><category>Talk</category></programme>
  <programme start="20300101130000 +0000" channel="a"><title>y</title><category>News</category><category></category></programme>
  <programme start="20300101130000 +0000" channel="z"><title>z</title><category>Film</category></programme>
</tv>"#;
        let got = ingest(xml.as_bytes(), Vec::new(), &IngestLimits::default()).unwrap();
        let cats: Vec<(&str, Vec<String>)> = got
            .channels
            .iter()
            .map(|c| (c.id.as_str(), c.categories.clone()))
            .collect();
        assert_eq!(
            cats,
            [
                ("a", vec!["News".to_string(), "Talk".to_string()]),
                ("b", vec![])
            ]
        );
    }

    /// Categories survive the guide being written back out (as `/xmltv.xml`
    /// is) and read again: pieces, entities, CDATA, dropped characters and
    /// programmes before their channel give the same categories.
    #[test]
    fn categories_survive_a_round_trip() {
        let xml = "<tv>\n\
  <programme start=\"20300101120000 +0000\" channel=\"a\"><title>x</title><category>Early</category></programme>\n\
  <channel id=\"a\"><display-name>A</display-name></channel>\n\
  <programme start=\"20300101130000 +0000\" channel=\"a\"><title>y</title>\
<category>Kids &amp; Family\u{85}</category><category><![CDATA[Sci<Fi>]]></category>\
<category>&unknown; x</category><category>   </category></programme>\n\
</tv>";
        let limits = IngestLimits::default();
        let mut prepared = Vec::new();
        let first = ingest(xml.as_bytes(), &mut prepared, &limits).unwrap();
        let mut doc = Vec::new();
        crate::write_header(&mut doc).unwrap();
        for c in &first.channels {
            crate::write_channel(&mut doc, &c.id, &c.names, c.icon.as_deref()).unwrap();
        }
        let selection = crate::ChannelSelection::identity(["a"]);
        crate::ProgrammeReader::new(&prepared[..])
            .unwrap()
            .copy_selected(&selection, &mut doc)
            .unwrap();
        crate::write_footer(&mut doc).unwrap();
        let again = ingest(&doc[..], Vec::new(), &limits).unwrap();
        assert_eq!(
            first.channels[0].categories,
            ["&unknown; x", "Early", "Kids & Family", "Sci<Fi>"]
        );
        assert_eq!(again.channels, first.channels);
    }
}
