//! Guide ingest and XMLTV output: realistic guides, gzip, every bad-input case,
//! the round trip through the prepared file, DTD validation and bounded memory.

use std::io::{self, Read, Write};
use std::process::Command;

use streamforge::guide::{
    ingest, write_channel, write_footer, write_header, ChannelSelection, IngestError, IngestLimits,
    IngestedGuide, ProgrammeReader, SkipReason, PREPARED_HEADER,
};

const GUIDE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE tv SYSTEM "xmltv.dtd">
<tv source-info-name="Test" generator-info-name="gen">
  <channel id="bbc1.uk">
    <display-name lang="en">BBC One</display-name>
    <display-name>BBC 1 HD</display-name>
    <display-name>101</display-name>
    <icon src="http://logos.example/bbc1.png?a=1&amp;b=2"/>
    <url>http://bbc.co.uk</url>
  </channel>
  <channel id="arte.fr">
    <display-name>Arte</display-name>
    <display-name>ARTE HD</display-name>
    <lcn>7</lcn>
    <icon src="http://logos.example/arte.png"/>
  </channel>
  <channel id="zdf.de"><display-name>ZDF</display-name></channel>
  <programme start="20240101060000 +0000" stop="20240101070000 +0000" channel="bbc1.uk">
    <title lang="en">Breakfast &amp; News &lt;Live&gt;</title>
    <sub-title>Part 1</sub-title>
    <category lang="en">News</category>
    <desc lang="en">The latest "headlines"
on two lines.</desc>
    <credits><presenter>Jane Doe</presenter><guest>John &amp; Co</guest></credits>
    <date>2024</date>
    <icon src="http://img.example/b.png"/>
    <episode-num system="xmltv_ns">0.11.0/1</episode-num>
    <episode-num system="onscreen">S01E12</episode-num>
    <video><aspect>16:9</aspect><quality>HDTV</quality></video>
    <audio><stereo>stereo</stereo></audio>
    <previously-shown start="20231231"/>
    <subtitles type="teletext"/>
    <rating system="UK"><value>PG</value></rating>
    <star-rating><value>3/5</value></star-rating>
  </programme>
  <programme start="20240101070000 +0100" stop="20240101080000 +0100" channel="arte.fr">
    <title lang="fr">Été à Paris — «Crème brûlée»</title>
    <title lang="de">Sommer in Paris</title>
    <desc lang="fr">Cuisine&nbsp;française</desc>
  </programme>
  <programme start="20240101080000 +0100" channel="zdf.de">
    <title>Nachrichten</title><new/>
  </programme>
  <programme start="20240101090000 +0100" channel="zdf.de">
    <title>Sport</title>
  </programme>
  <programme start="20240101090000 +0000" stop="20240101100000 +0000" channel="bbc1.uk">
    <title>Weather</title>
  </programme>
  <programme start="20240101090000 +0000" channel="unknown.tv"><title>Kept anyway</title></programme>
</tv>
"#;

fn run(input: impl Read) -> Result<(IngestedGuide, String), IngestError> {
    run_with(input, &IngestLimits::default())
}

fn run_with(
    input: impl Read,
    limits: &IngestLimits,
) -> Result<(IngestedGuide, String), IngestError> {
    let mut out = Vec::new();
    let guide = ingest(input, &mut out, limits)?;
    Ok((
        guide,
        String::from_utf8(out).expect("prepared file is UTF-8"),
    ))
}

fn err(input: &[u8]) -> String {
    match run(input) {
        Ok((g, _)) => panic!("expected an error, got {:?}", g.summary),
        Err(e) => {
            let s = e.to_string();
            assert!(!s.contains('\n'), "error must be one line: {s}");
            s
        }
    }
}

fn wrap(body: &str) -> String {
    format!("<?xml version=\"1.0\"?>\n<tv>\n<channel id=\"a.tv\"><display-name>A</display-name></channel>\n{body}\n</tv>\n")
}

#[test]
fn realistic_guide_gives_channels_and_programmes() {
    let (g, prepared) = run(GUIDE.as_bytes()).unwrap();
    assert_eq!(g.channels.len(), 3);
    let bbc = &g.channels[0];
    assert_eq!(bbc.id, "bbc1.uk");
    assert_eq!(bbc.names, ["BBC One", "BBC 1 HD", "101"]);
    assert_eq!(
        bbc.icon.as_deref(),
        Some("http://logos.example/bbc1.png?a=1&b=2")
    );
    assert_eq!(bbc.number.as_deref(), Some("101"));
    assert_eq!(g.channels[1].number.as_deref(), Some("7"));
    assert_eq!(g.channels[2].number, None);
    assert_eq!(g.summary.programmes, 6);
    assert_eq!(g.summary.programmes_unknown_channel, 1);
    assert_eq!(g.summary.skipped_total(), 0, "{}", g.summary);
    assert!(!g.summary.gzip);

    assert!(prepared.starts_with(std::str::from_utf8(PREPARED_HEADER).unwrap()));
    let lines: Vec<&str> = prepared.lines().skip(1).collect();
    assert_eq!(lines.len(), 6);
    let first = lines[0];
    assert!(first.starts_with("<programme channel=\"bbc1.uk\" start=\"20240101060000 +0000\" stop=\"20240101070000 +0000\">"), "{first}");
    assert!(first.contains("<title lang=\"en\">Breakfast &amp; News &lt;Live&gt;</title>"));
    assert!(first.contains("The latest &quot;headlines&quot;&#10;on two lines."));
    // DTD order: desc before credits before date before category before icon...
    let pos = |s: &str| {
        first
            .find(s)
            .unwrap_or_else(|| panic!("{s} missing in {first}"))
    };
    assert!(pos("<sub-title") < pos("<desc"));
    assert!(pos("<desc") < pos("<credits>"));
    assert!(pos("<credits>") < pos("<date>"));
    assert!(pos("<date>") < pos("<category"));
    assert!(pos("<category") < pos("<icon"));
    assert!(pos("<icon") < pos("<episode-num"));
    assert!(pos("<video>") < pos("<audio>"));
    assert!(pos("<previously-shown start=\"20231231\"/>") < pos("<subtitles"));
    assert!(pos("<rating system=\"UK\"><value>PG</value></rating>") < pos("<star-rating>"));
    assert!(first.contains("<guest>John &amp; Co</guest>"));
    assert!(first.contains("<episode-num system=\"onscreen\">S01E12</episode-num>"));
    assert!(lines[1].contains("Été à Paris — «Crème brûlée»"));
    assert!(lines[1].contains("<title lang=\"de\">Sommer in Paris</title>"));
    assert!(lines[1].contains("Cuisine\u{a0}française"));
    assert!(lines[2].contains("<new/>"));
    assert!(lines[5].contains("channel=\"unknown.tv\""));
}

#[test]
fn gzip_is_detected_by_magic_bytes() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(GUIDE.as_bytes()).unwrap();
    let bytes = gz.finish().unwrap();
    let (plain, plain_out) = run(GUIDE.as_bytes()).unwrap();
    let (g, out) = run(&bytes[..]).unwrap();
    assert!(g.summary.gzip);
    assert_eq!(g.channels, plain.channels);
    assert_eq!(out, plain_out);

    let cut = &bytes[..bytes.len() / 2];
    let e = err(cut);
    assert!(
        e.contains("gzip") || e.contains("truncated") || e.contains("malformed"),
        "{e}"
    );
}

#[test]
fn not_xml_at_all() {
    let e = err(b"<!DOCTYPE html>\n<html><head><title>Login</title></head><body>x</body></html>");
    assert!(e.contains("HTML page"), "{e}");
    let e = err(b"{\"error\": \"invalid credentials\"}");
    assert!(e.contains("JSON") && e.contains("byte 0"), "{e}");
    let e = err(b"");
    assert!(e.contains("empty"), "{e}");
    let e = err(b"Service Unavailable");
    assert!(e.contains("instead of '<'"), "{e}");
}

#[test]
fn wrong_root_element() {
    let e = err(b"<?xml version=\"1.0\"?>\n<rss><channel/></rss>");
    assert!(
        e.contains("root element is <rss>") && e.contains("byte 22"),
        "{e}"
    );
}

#[test]
fn malformed_and_truncated_xml() {
    let e = err(wrap(
        "<programme start=\"20240101000000\" channel=\"a.tv\"><title>x</titel></programme>",
    )
    .as_bytes());
    assert!(
        e.starts_with("malformed XML at byte") && e.contains("line 4"),
        "{e}"
    );
    let full = GUIDE.as_bytes();
    let e = err(&full[..full.len() - 40]);
    assert!(e.contains("unclosed") || e.contains("malformed"), "{e}");
    let e = err(b"<tv><channel id=\"a\"><display-name>A</display-name");
    assert!(e.contains("malformed"), "{e}");
}

#[test]
fn wrong_encoding_declarations() {
    let latin_but_utf8 = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<tv>\n<channel id=\"a.tv\"><display-name>Café</display-name></channel></tv>";
    let e = err(latin_but_utf8.as_bytes());
    assert!(
        e.contains("ISO-8859-1") && e.contains("UTF-8") && e.contains("line 3"),
        "{e}"
    );

    let mut invalid =
        b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tv>\n<channel id=\"a.tv\"><display-name>Caf"
            .to_vec();
    invalid.extend_from_slice(b"\xE9</display-name></channel></tv>");
    let e = err(&invalid);
    assert!(
        e.contains("0xE9") && e.contains("byte 80") && e.contains("line 3"),
        "{e}"
    );

    let e = err(b"<?xml version=\"1.0\" encoding=\"klingon-8\"?><tv/>");
    assert!(e.contains("klingon-8"), "{e}");

    // A real Latin-1 document is transcoded.
    let mut latin = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<tv><channel id=\"a.tv\"><display-name>Caf".to_vec();
    latin.extend_from_slice(b"\xE9</display-name></channel></tv>");
    let (g, _) = run(&latin[..]).unwrap();
    assert_eq!(g.channels[0].names, ["Café"]);
}

#[test]
fn entities_are_never_expanded() {
    let doc = r#"<?xml version="1.0"?>
<!DOCTYPE tv [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<tv><channel id="a.tv"><display-name>&lol9;</display-name></channel>
<programme start="20240101000000" channel="a.tv"><title>&lol9; &nbsp;&eacute;&foo; AT&amp;T &#233; Tom & Jerry</title></programme></tv>"#;
    let (g, prepared) = run(doc.as_bytes()).unwrap();
    assert_eq!(g.channels[0].names, ["&lol9;"]);
    let line = prepared.lines().nth(1).unwrap();
    assert!(
        line.contains("<title>&amp;lol9; \u{a0}é&amp;foo; AT&amp;T é Tom &amp; Jerry</title>"),
        "{line}"
    );
    assert!(line.len() < 200);
    assert_eq!(g.summary.unknown_entities, 3);
    assert_eq!(g.summary.bare_ampersands, 1);
}

#[test]
fn programmes_missing_channel_or_start_are_skipped_and_counted() {
    let doc = wrap(
        "<programme start=\"20240101000000\"><title>no channel</title></programme>\n\
         <programme channel=\"a.tv\"><title>no start</title></programme>\n\
         <programme channel=\"a.tv\" start=\"yesterday\"><title>bad start</title></programme>\n\
         <programme channel=\"a.tv\" start=\"20240101000000\"><desc>no title</desc></programme>\n\
         <programme channel=\"a.tv\" start=\"20240101000000\" stop=\"soon\" foo=\"x\"><title>ok</title><desc> </desc><blink>x</blink><date>1</date><date>2</date></programme>\n\
         <channel><display-name>no id</display-name></channel>\n\
         <channel id=\"a.tv\"><display-name>dup</display-name></channel>\n\
         <advert>x</advert>",
    );
    let (g, prepared) = run(doc.as_bytes()).unwrap();
    let s = &g.summary;
    assert_eq!(s.programmes, 1);
    assert_eq!(s.skipped(SkipReason::ProgrammeMissingChannel), 1);
    assert_eq!(s.skipped(SkipReason::ProgrammeMissingStart), 1);
    assert_eq!(s.skipped(SkipReason::ProgrammeBadStart), 1);
    assert_eq!(s.skipped(SkipReason::ProgrammeNoTitle), 1);
    assert_eq!(s.skipped(SkipReason::StopInvalid), 1);
    assert_eq!(s.skipped(SkipReason::AttributeUnknown), 1);
    assert_eq!(s.skipped(SkipReason::ChildInvalid), 1);
    assert_eq!(s.skipped(SkipReason::ChildUnknown), 1);
    assert_eq!(s.skipped(SkipReason::ChildRepeated), 1);
    assert_eq!(s.skipped(SkipReason::ChannelMissingId), 1);
    assert_eq!(s.skipped(SkipReason::ChannelDuplicate), 1);
    assert_eq!(s.skipped(SkipReason::UnknownElement), 1);
    let line = prepared.lines().nth(1).unwrap();
    assert_eq!(line, "<programme channel=\"a.tv\" start=\"20240101000000\"><title>ok</title><date>1</date></programme>");
}

/// Found by fuzzing: characters XML cannot carry in a channel id must not
/// part the channel from its programmes, and a programme whose channel is
/// only such characters has no channel.
#[test]
fn control_characters_in_ids_keep_channels_and_programmes_together() {
    let doc = "<tv><channel id=\"a\u{1}.tv\"><display-name>A</display-name></channel>\n\
         <programme channel=\"a\u{1}.tv\" start=\"20240101000000\"><title>t</title></programme>\n\
         <programme channel=\"\u{1}\" start=\"20240101000000\"><title>t</title></programme></tv>";
    let (g, prepared) = run(doc.as_bytes()).unwrap();
    assert_eq!(g.channels[0].id, "a.tv");
    assert_eq!(g.summary.programmes, 1);
    assert_eq!(g.summary.skipped(SkipReason::ProgrammeMissingChannel), 1);
    assert!(
        prepared.contains("<programme channel=\"a.tv\""),
        "{prepared}"
    );
}

/// Found by fuzzing: a parser message quoting a tag with line breaks, and
/// a very long one, still make a one-line, bounded error.
#[test]
fn errors_quoting_the_input_stay_one_bounded_line() {
    let e = err(b"<tv><a></b\nc></tv>");
    assert!(e.contains("malformed XML"), "{e}");
    let long = format!("<tv><a></b{}></tv>", "x".repeat(100_000));
    let e = err(long.as_bytes());
    assert!(e.len() < 400, "{} bytes", e.len());
}

/// A `Read` that produces a document piece by piece, never holding it whole.
struct Generated<I: Iterator<Item = Vec<u8>>> {
    parts: I,
    cur: Vec<u8>,
    pos: usize,
}

impl<I: Iterator<Item = Vec<u8>>> Generated<I> {
    fn new(parts: I) -> Self {
        Generated {
            parts,
            cur: Vec::new(),
            pos: 0,
        }
    }
}

impl<I: Iterator<Item = Vec<u8>>> Read for Generated<I> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.cur.len() {
            match self.parts.next() {
                Some(p) => {
                    self.cur = p;
                    self.pos = 0;
                }
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.cur.len() - self.pos);
        buf[..n].copy_from_slice(&self.cur[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Counts bytes and lines written, keeping none of them.
#[derive(Default)]
struct Sink {
    bytes: u64,
    lines: u64,
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.bytes += buf.len() as u64;
        self.lines += buf.iter().filter(|&&b| b == b'\n').count() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn gigantic_line_and_gigantic_text_are_bounded() {
    // 50 MB on one line made of ordinary programmes: fine.
    let n = 200_000;
    let head = std::iter::once(
        b"<tv><channel id=\"a.tv\"><display-name>A</display-name></channel>".to_vec(),
    );
    let progs = (0..n).map(|i| {
        format!("<programme start=\"20240101000000\" channel=\"a.tv\"><title>Show {i}</title><desc>{}</desc></programme>", "x".repeat(170)).into_bytes()
    });
    let tail = std::iter::once(b"</tv>".to_vec());
    let mut sink = Sink::default();
    let g = ingest(
        Generated::new(head.chain(progs).chain(tail)),
        &mut sink,
        &IngestLimits::default(),
    )
    .unwrap();
    assert_eq!(g.summary.programmes, n);
    assert_eq!(sink.lines, n + 1);
    assert!(g.summary.xml_bytes > 50_000_000);

    // One 50 MB text node: that programme is skipped, the next is kept.
    let huge = (0..50).map(|_| vec![b'y'; 1 << 20]);
    let doc = std::iter::once(b"<tv><programme start=\"20240101000000\" channel=\"a.tv\"><title>big</title><desc>".to_vec())
        .chain(huge)
        .chain(std::iter::once(b"</desc></programme>\n<programme start=\"20240101000000\" channel=\"a.tv\" stop=\"".to_vec()))
        .chain((0..20).map(|_| vec![b'1'; 1 << 20]))
        .chain(std::iter::once(b"\"><title>big attr</title></programme>\n<programme start=\"20240101000000\" channel=\"a.tv\"><title>small</title></programme></tv>".to_vec()));
    let mut out = Vec::new();
    let g = ingest(Generated::new(doc), &mut out, &IngestLimits::default()).unwrap();
    assert_eq!(g.summary.programmes, 1);
    assert_eq!(g.summary.skipped(SkipReason::ProgrammeTooLarge), 2);
    assert!(out.len() < 1000);
    assert!(String::from_utf8(out)
        .unwrap()
        .contains("<title>small</title>"));
}

#[test]
fn programme_over_the_element_cap_is_skipped() {
    let limits = IngestLimits {
        max_element_bytes: 4096,
        ..IngestLimits::default()
    };
    let many = "<category>c</category>".repeat(500);
    let doc = wrap(&format!(
        "<programme start=\"20240101000000\" channel=\"a.tv\"><title>t</title>{many}</programme>\
         <programme start=\"20240101000000\" channel=\"a.tv\"><title>t2</title></programme>"
    ));
    let (g, _) = run_with(doc.as_bytes(), &limits).unwrap();
    assert_eq!(g.summary.programmes, 1);
    assert_eq!(g.summary.skipped(SkipReason::ProgrammeTooLarge), 1);
}

#[test]
fn deep_nesting_is_refused() {
    let doc = format!("<tv>{}", "<a>".repeat(100));
    let e = err(doc.as_bytes());
    assert!(e.contains("nested deeper"), "{e}");
}

#[test]
fn big_generated_guide_streams_with_right_counts() {
    let channels = 2_000u64;
    let per = 60u64;
    let head = std::iter::once(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tv>\n".to_vec());
    let chans = (0..channels).map(|c| {
        format!("<channel id=\"ch{c}.tv\"><display-name>Channel {c}</display-name><display-name>{c}</display-name><icon src=\"http://x/{c}.png\"/></channel>\n").into_bytes()
    });
    let progs = (0..channels).map(|c| {
        let mut s = String::new();
        for p in 0..per {
            s.push_str(&format!(
                "<programme start=\"202401{:02}{:02}0000 +0000\" stop=\"202401{:02}{:02}3000 +0000\" channel=\"ch{c}.tv\">\n  <title>Programme {p} on {c} &amp; friends</title>\n  <desc>Description {p} with ümlauts and &lt;markup&gt;</desc>\n  <category>Cat</category>\n</programme>\n",
                1 + p / 24, p % 24, 1 + p / 24, p % 24
            ));
        }
        s.into_bytes()
    });
    let tail = std::iter::once(b"</tv>\n".to_vec());
    let mut sink = Sink::default();
    let g = ingest(
        Generated::new(head.chain(chans).chain(progs).chain(tail)),
        &mut sink,
        &IngestLimits::default(),
    )
    .unwrap();
    assert_eq!(g.summary.channels, channels);
    assert_eq!(g.summary.programmes, channels * per);
    assert_eq!(g.summary.skipped_total(), 0);
    assert_eq!(sink.lines, channels * per + 1);
    assert_eq!(g.channels[5].number.as_deref(), Some("5"));
}

fn xmltv_output(g: &IngestedGuide, prepared: &str, selection: &ChannelSelection) -> (String, u64) {
    let mut out = Vec::new();
    write_header(&mut out).unwrap();
    for c in &g.channels {
        for id in selection.outputs(&c.id) {
            write_channel(&mut out, id, &c.names, c.icon.as_deref()).unwrap();
        }
    }
    let mut reader = ProgrammeReader::new(prepared.as_bytes()).unwrap();
    let n = reader.copy_selected(selection, &mut out).unwrap();
    write_footer(&mut out).unwrap();
    (String::from_utf8(out).unwrap(), n)
}

#[test]
fn round_trip_filters_and_renames() {
    let (g, prepared) = run(GUIDE.as_bytes()).unwrap();
    let mut sel = ChannelSelection::new();
    sel.add("bbc1.uk", "bbc-one.lineup");
    sel.add("arte.fr", "arte.fr");
    let (xml, n) = xmltv_output(&g, &prepared, &sel);
    assert_eq!(n, 3);
    assert!(xml.contains("<channel id=\"bbc-one.lineup\">"));
    assert!(!xml.contains("zdf.de"));
    assert!(!xml.contains("unknown.tv"));
    assert_eq!(xml.matches("channel=\"bbc-one.lineup\"").count(), 2);

    // Re-ingesting the output gives the same programmes.
    let (again, prepared2) = run(xml.as_bytes()).unwrap();
    assert_eq!(again.summary.programmes, 3);
    assert_eq!(again.channels.len(), 2);
    let mut sel2 = ChannelSelection::new();
    sel2.add("bbc-one.lineup", "bbc1.uk");
    sel2.add("arte.fr", "arte.fr");
    let mut a = Vec::new();
    ProgrammeReader::new(prepared2.as_bytes())
        .unwrap()
        .copy_selected(&sel2, &mut a)
        .unwrap();
    let originals: Vec<&str> = prepared
        .lines()
        .skip(1)
        .filter(|l| !l.contains("zdf") && !l.contains("unknown"))
        .collect();
    assert_eq!(
        String::from_utf8(a).unwrap().lines().collect::<Vec<_>>(),
        originals
    );
}

#[test]
fn reader_refuses_foreign_or_damaged_files() {
    assert!(ProgrammeReader::new(&b"<tv>\n"[..]).is_err());
    let mut damaged = PREPARED_HEADER.to_vec();
    damaged.extend_from_slice(b"<programme channel=\"a\" start=\"1\"><title>x</ti");
    let mut r = ProgrammeReader::new(&damaged[..]).unwrap();
    let e = r.next_record().unwrap_err().to_string();
    assert!(e.contains("record 1"), "{e}");
}

#[test]
fn output_validates_with_tv_validate_file() {
    let found = Command::new("tv_validate_file")
        .arg("--help")
        .output()
        .is_ok();
    assert!(
        found,
        "\n\n*** tv_validate_file not found: run `apt-get install xmltv-util` (CI installs it). ***\n\n"
    );
    let (g, prepared) = run(GUIDE.as_bytes()).unwrap();
    let sel = ChannelSelection::identity(["bbc1.uk", "arte.fr", "zdf.de"]);
    let (xml, _) = xmltv_output(&g, &prepared, &sel);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("xmltv.xml");
    std::fs::write(&path, &xml).unwrap();
    let dtd = [
        "/usr/share/xmltv/xmltv.dtd",
        "/usr/share/perl5/XMLTV/xmltv.dtd",
    ]
    .into_iter()
    .find(|p| std::path::Path::new(p).exists());
    let mut cmd = Command::new("tv_validate_file");
    if let Some(dtd) = dtd {
        std::fs::copy(dtd, dir.path().join("xmltv.dtd")).unwrap();
        cmd.arg("--dtd-file").arg(dtd);
    }
    let out = cmd.arg(&path).current_dir(dir.path()).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "tv_validate_file failed:\n{text}\n--- document ---\n{xml}"
    );
    assert!(text.contains("Validated ok"), "{text}");
}
