//! The ingest driver: quick-xml events in, channel records and prepared
//! programme records out.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::{BufRead, BufWriter, Read, Write};
use std::ops::ControlFlow;

use quick_xml::events::{BytesEnd, BytesStart, Event};
use quick_xml::Reader;

use super::attrs::{element_name, read_attributes};
use super::channel::{Channel, ChannelBuilder};
use super::error::{IngestError, PipelineFault, Position};
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
    Ingest::open(input, programmes, limits)?.run()
}

/// Where the event being handled is in the stream quick-xml reads, and
/// whether the guard cut bytes inside it.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: u64,
    end: u64,
    cut: bool,
}

/// One ingest in progress: the parser, the prepared output and what was
/// found so far, with a method per XML event.
struct Ingest<'r, W: Write> {
    reader: Reader<Guard<Box<dyn BufRead + 'r>>>,
    limits: IngestLimits,
    out: BufWriter<W>,
    summary: IngestSummary,
    found: Found,
    stats: EntityStats,
    prog: ProgrammeBuilder,
    item: Item,
    /// Elements open around the next event (0: before or after the root).
    depth: usize,
    root_seen: bool,
    /// The text an entity reference resolved to (reused).
    text: String,
}

impl<'r, W: Write> Ingest<'r, W> {
    /// Opens the input (gzip, prolog, encoding) and writes the prepared
    /// file's header.
    fn open<R: Read + 'r>(
        input: R,
        programmes: W,
        limits: &IngestLimits,
    ) -> Result<Self, IngestError> {
        let source = source::open(input, limits)?;
        let summary = IngestSummary {
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
        Ok(Ingest {
            reader,
            limits: *limits,
            out,
            summary,
            found: Found::default(),
            stats: EntityStats::default(),
            prog: ProgrammeBuilder::default(),
            item: Item::None,
            depth: 0,
            root_seen: false,
            text: String::new(),
        })
    }

    /// Reads events until the root element closes (or a second one would
    /// start), then gives the channels and the summary.
    fn run(mut self) -> Result<IngestedGuide, IngestError> {
        let mut buf = Vec::with_capacity(64 * 1024);
        loop {
            let start = self.reader.buffer_position();
            self.reader.get_mut().forget_before(start);
            buf.clear();
            let event = match self.reader.read_event_into(&mut buf) {
                Ok(ev) => ev,
                Err(e) => return Err(convert_error(e, &self.reader, self.summary.gzip)),
            };
            let end = self.reader.buffer_position();
            let span = Span {
                start,
                end,
                cut: self.reader.get_ref().cut_within(start, end),
            };
            let flow = match event {
                Event::Start(ref e) => self.start(e, false, span)?,
                Event::Empty(ref e) => self.start(e, true, span)?,
                Event::End(ref e) => self.end(e)?,
                Event::Text(ref t) => self.text(t, span.cut),
                Event::CData(ref t) => self.cdata(t, span.cut),
                Event::GeneralRef(ref r) => self.reference(r, span.cut),
                Event::Eof => self.eof(span)?,
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {
                    ControlFlow::Continue(())
                }
            };
            if flow.is_break() {
                break;
            }
        }
        self.finish()
    }

    /// Where a position of the filtered stream is in the input.
    fn position(&self, filtered: u64) -> Position {
        self.reader.get_ref().position(filtered)
    }

    /// A start tag (`empty`: `<x/>`): the root, a top-level item, or a
    /// part of one.
    fn start(
        &mut self,
        e: &BytesStart<'_>,
        empty: bool,
        span: Span,
    ) -> Result<ControlFlow<()>, IngestError> {
        if self.depth >= MAX_DEPTH {
            return Err(IngestError::TooLarge {
                what: format!("elements nested deeper than {MAX_DEPTH}"),
                at: self.position(span.start),
            });
        }
        match self.depth {
            0 => {
                if self.root(e, empty, span)?.is_break() {
                    return Ok(ControlFlow::Break(()));
                }
            }
            1 => self.open_item(e, empty, span.cut)?,
            _ => self.open_inside_item(e, empty, span.cut),
        }
        if !empty {
            self.depth += 1;
        }
        Ok(ControlFlow::Continue(()))
    }

    /// The root element: `<tv>` once; a second root ends the document.
    fn root(
        &mut self,
        e: &BytesStart<'_>,
        empty: bool,
        span: Span,
    ) -> Result<ControlFlow<()>, IngestError> {
        if self.root_seen {
            return Ok(ControlFlow::Break(()));
        }
        let name = element_name(e);
        if name != b"tv" {
            return Err(IngestError::WrongRoot {
                found: String::from_utf8_lossy(name).into_owned(),
                at: self.position(span.start),
            });
        }
        self.root_seen = true;
        Ok(if empty {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        })
    }

    /// A top-level element: a channel, a programme, or something skipped.
    fn open_item(&mut self, e: &BytesStart<'_>, empty: bool, cut: bool) -> Result<(), IngestError> {
        let attrs = read_attributes(e, &mut self.stats);
        self.item = match element_name(e) {
            b"channel" => {
                let mut b = ChannelBuilder::new(attrs.as_deref().unwrap_or(&[]));
                if cut {
                    b.mark_oversized();
                }
                Item::Channel(b)
            }
            b"programme" => {
                self.prog
                    .begin(attrs, self.limits.max_element_bytes, &mut self.summary);
                if cut {
                    self.prog.mark_oversized();
                }
                Item::Programme
            }
            _ => {
                self.summary.skip(SkipReason::UnknownElement);
                Item::Other
            }
        };
        if empty {
            self.finish_item()?;
        }
        Ok(())
    }

    /// An element inside a channel or programme.
    fn open_inside_item(&mut self, e: &BytesStart<'_>, empty: bool, cut: bool) {
        let name = element_name(e);
        match &mut self.item {
            Item::Channel(b) => {
                let attrs = read_attributes(e, &mut self.stats).unwrap_or_default();
                b.start(name, &attrs);
                if empty {
                    b.end();
                }
                if cut {
                    b.mark_oversized();
                }
            }
            Item::Programme => {
                let attrs = read_attributes(e, &mut self.stats);
                self.prog.start(name, attrs, empty, &mut self.summary);
                if cut {
                    self.prog.mark_oversized();
                }
            }
            Item::None | Item::Other => {}
        }
    }

    /// An end tag: the root's ends the document, a top-level one finishes
    /// its item.
    fn end(&mut self, e: &BytesEnd<'_>) -> Result<ControlFlow<()>, IngestError> {
        self.depth -= 1;
        match self.depth {
            0 => return Ok(ControlFlow::Break(())),
            1 => self.finish_item()?,
            _ => match &mut self.item {
                Item::Channel(b) => b.end(),
                Item::Programme => self.prog.end(e.name().into_inner().as_bytes()),
                Item::None | Item::Other => {}
            },
        }
        Ok(ControlFlow::Continue(()))
    }

    /// Text (entity references come as events of their own); a `&` in it
    /// starts no reference.
    fn text(&mut self, raw: &str, cut: bool) -> ControlFlow<()> {
        if self.depth >= 2 {
            self.stats.bare_amp += raw.bytes().filter(|&b| b == b'&').count() as u64;
            feed_text(&mut self.item, &mut self.prog, raw, cut);
        }
        ControlFlow::Continue(())
    }

    /// A CDATA section: its text as it is.
    fn cdata(&mut self, raw: &str, cut: bool) -> ControlFlow<()> {
        if self.depth >= 2 {
            feed_text(&mut self.item, &mut self.prog, raw, cut);
        }
        ControlFlow::Continue(())
    }

    /// An entity reference, resolved under the entity policy.
    fn reference(&mut self, name: &str, cut: bool) -> ControlFlow<()> {
        if self.depth >= 2 {
            self.text.clear();
            match resolve_entity(name) {
                Resolved::Char(c) => self.text.push(c),
                Resolved::Nothing => {}
                Resolved::Literal => {
                    self.stats.unknown += 1;
                    self.text.push('&');
                    self.text.push_str(name);
                    self.text.push(';');
                }
            }
            feed_text(&mut self.item, &mut self.prog, &self.text, cut);
        }
        ControlFlow::Continue(())
    }

    /// The end of the input: fine only after the root closed.
    fn eof(&self, span: Span) -> Result<ControlFlow<()>, IngestError> {
        if !self.root_seen {
            return Err(IngestError::NotXml {
                what: "no root element found".into(),
                at: self.position(span.end),
            });
        }
        if self.depth > 0 {
            return Err(IngestError::Malformed {
                what: format!(
                    "the document ends inside {} unclosed element(s) (truncated download?)",
                    self.depth
                ),
                at: self.position(span.end),
            });
        }
        Ok(ControlFlow::Break(()))
    }

    /// A top-level item closed: keep it, or count why not.
    fn finish_item(&mut self) -> Result<(), IngestError> {
        match std::mem::replace(&mut self.item, Item::None) {
            Item::Channel(b) => match b.finish() {
                Err(reason) => self.summary.skip(reason),
                Ok(_) if self.found.channels.len() >= self.limits.max_channels => {
                    self.summary.skip(SkipReason::ChannelOverLimit)
                }
                Ok(rec) => {
                    if self.found.ids.insert(rec.id.clone()) {
                        self.found.channels.push(rec);
                    } else {
                        self.summary.skip(SkipReason::ChannelDuplicate);
                    }
                }
            },
            Item::Programme => {
                match self
                    .prog
                    .finish(&mut self.out, &mut self.summary)
                    .map_err(IngestError::Write)?
                {
                    Err(reason) => self.summary.skip(reason),
                    Ok(()) => self.programme_kept(),
                }
            }
            Item::None | Item::Other => {}
        }
        Ok(())
    }

    /// Counts a programme written, and notes its categories for its channel.
    fn programme_kept(&mut self) {
        let (prog, found) = (&self.prog, &mut self.found);
        self.summary.programmes += 1;
        if !found.ids.contains(prog.channel()) {
            self.summary.programmes_unknown_channel += 1;
        }
        let room = found.categories.len()
            < self
                .limits
                .max_channels
                .saturating_mul(CATEGORY_IDS_PER_CHANNEL);
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

    /// Flushes the programmes and gives each channel its categories.
    fn finish(self) -> Result<IngestedGuide, IngestError> {
        let Ingest {
            reader,
            mut out,
            mut summary,
            mut found,
            stats,
            ..
        } = self;
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
