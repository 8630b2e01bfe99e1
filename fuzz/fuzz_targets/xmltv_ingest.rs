//! Fuzzes the streaming XMLTV reader (`streamforge_xmltv::ingest`) with
//! small limits: any bytes give a guide or a typed one-line `IngestError`, never
//! a panic. A guide keeps at most `max_channels` distinct, trimmed channel ids
//! that XML output writes unchanged (programme records carry them as written);
//! its prepared programme file reads back record by record (one line each, as
//! many as the summary counts). The same bytes gzip-compressed ingest the same.
//! Written back out as XMLTV (the way `/xmltv.xml` is written) the guide
//! ingests again to the same channels and byte-identical programme records.
#![no_main]

use flate2::write::GzEncoder;
use flate2::Compression;
use libfuzzer_sys::fuzz_target;
use std::collections::{BTreeSet, HashSet};
use std::io::Write;
use streamforge_xmltv::{
    ingest, is_channel_number, write_channel, write_footer, write_header, Channel,
    ChannelSelection, IngestError, IngestLimits, IngestedGuide, ProgrammeReader,
    CATEGORY_IDS_PER_CHANNEL, PREPARED_HEADER,
};

const LIMITS: IngestLimits = IngestLimits {
    max_text_bytes: 256,
    max_element_bytes: 4096,
    max_channels: 16,
};

fn run(input: &[u8], limits: &IngestLimits) -> (Result<IngestedGuide, IngestError>, Vec<u8>) {
    let mut prepared = Vec::new();
    let result = ingest(input, &mut prepared, limits);
    (result, prepared)
}

/// What XML output keeps of a string: the characters `escape_into` writes
/// (XML 1.0 characters, C1 controls dropped), trimmed as ingest trims.
fn kept(s: &str) -> String {
    let chars: String = s
        .chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7f}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
        })
        .collect();
    chars.trim().to_string()
}

fn expected_channels(channels: &[Channel]) -> Vec<Channel> {
    let mut ids = HashSet::new();
    let mut out = Vec::new();
    for ch in channels {
        let id = kept(&ch.id);
        if id.is_empty() || !ids.insert(id.clone()) {
            continue;
        }
        let mut written: Vec<&str> = ch
            .names
            .iter()
            .map(String::as_str)
            .filter(|n| !n.trim().is_empty())
            .collect();
        if written.is_empty() {
            written.push(&ch.id);
        }
        let names: Vec<String> = written
            .iter()
            .map(|n| kept(n))
            .filter(|n| !n.is_empty())
            .collect();
        let icon = ch
            .icon
            .as_deref()
            .filter(|i| !i.trim().is_empty())
            .map(kept)
            .filter(|i| !i.is_empty());
        let number = names.iter().find(|n| is_channel_number(n)).cloned();
        out.push(Channel {
            id,
            names,
            icon,
            number,
            // The programmes' categories come back with the programmes.
            categories: ch.categories.clone(),
        });
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let (result, prepared) = run(data, &LIMITS);
    let guide = match result {
        Ok(guide) => guide,
        Err(e) => {
            let message = e.to_string();
            assert!(!message.contains('\n'), "error spans lines: {message:?}");
            if data.len() <= 4096 {
                check_gzip_same(data, &Err(message), &prepared);
            }
            return;
        }
    };

    // Channels: bounded, distinct, trimmed, counted.
    assert!(guide.channels.len() <= LIMITS.max_channels);
    assert_eq!(guide.summary.channels, guide.channels.len() as u64);
    let mut ids = HashSet::new();
    for ch in &guide.channels {
        assert!(
            !ch.id.is_empty() && ch.id == ch.id.trim(),
            "channel id {:?}",
            ch.id
        );
        assert!(ids.insert(ch.id.as_str()), "channel {:?} kept twice", ch.id);
        // Programme records carry channel ids as XML output writes them; a
        // character it drops would part a channel from its programmes.
        assert_eq!(
            kept(&ch.id),
            ch.id,
            "channel id does not survive XML output"
        );
        assert!(
            ch.names.iter().all(|n| !n.is_empty() && n == n.trim()),
            "names {:?}",
            ch.names
        );
    }

    // The prepared file reads back, one record per line, as many as counted.
    assert!(prepared.starts_with(PREPARED_HEADER));
    let mut reader = ProgrammeReader::new(&prepared[..]).expect("prepared header");
    let mut records = 0u64;
    let mut programme_channels = BTreeSet::new();
    while let Some(record) = reader.next_record().expect("prepared records read back") {
        records += 1;
        let xml = record.xml();
        assert!(std::str::from_utf8(xml).is_ok(), "record is not UTF-8");
        assert_eq!(
            xml.iter().filter(|&&b| b == b'\n').count(),
            1,
            "record spans lines"
        );
        assert!(
            xml.len() <= LIMITS.max_element_bytes + 4096,
            "record of {} bytes",
            xml.len()
        );
        programme_channels.insert(record.channel().into_owned());
    }
    assert_eq!(
        records, guide.summary.programmes,
        "records written != programmes counted"
    );

    if data.len() <= 4096 {
        check_gzip_same(data, &Ok(guide.clone()), &prepared);
    }

    // Written back out as XMLTV, the guide ingests to the same thing.
    let mut doc = Vec::new();
    write_header(&mut doc).unwrap();
    for ch in &guide.channels {
        write_channel(&mut doc, &ch.id, &ch.names, ch.icon.as_deref()).unwrap();
    }
    // Past this many programme channel ids the first ingest (16 channels)
    // stops tracking categories and the second (default limits) does not.
    let categories_complete =
        programme_channels.len() <= LIMITS.max_channels * CATEGORY_IDS_PER_CHANNEL;
    let selection = ChannelSelection::identity(programme_channels);
    let copied = ProgrammeReader::new(&prepared[..])
        .unwrap()
        .copy_selected(&selection, &mut doc)
        .expect("copying programmes");
    assert_eq!(copied, records);
    write_footer(&mut doc).unwrap();

    let (again, prepared_again) = run(&doc, &IngestLimits::default());
    let mut again = again.unwrap_or_else(|e| {
        panic!(
            "re-written guide refused: {e}\n{}",
            String::from_utf8_lossy(&doc)
        )
    });
    let mut expected = expected_channels(&guide.channels);
    if !categories_complete {
        for ch in again.channels.iter_mut().chain(expected.iter_mut()) {
            ch.categories.clear();
        }
    }
    assert_eq!(
        again.channels,
        expected,
        "re-written guide has other channels\n{}",
        String::from_utf8_lossy(&doc)
    );
    assert_eq!(
        again.summary.programmes, records,
        "re-written guide keeps another number of programmes"
    );
    assert!(
        prepared_again == prepared,
        "re-written guide prepares other records:\nfirst:\n{}\nagain:\n{}",
        String::from_utf8_lossy(&prepared),
        String::from_utf8_lossy(&prepared_again)
    );
});

/// Ingesting the gzip-compressed input gives the same outcome (only the
/// summary's `gzip` flag differs).
fn check_gzip_same(data: &[u8], plain: &Result<IngestedGuide, String>, prepared: &[u8]) {
    if data.starts_with(&[0x1f, 0x8b]) {
        return; // already gzip: compressing again is a different document
    }
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    gz.write_all(data).unwrap();
    let gz = gz.finish().unwrap();
    let (result, prepared_gz) = run(&gz, &LIMITS);
    match (plain, result) {
        (Ok(plain), Ok(mut zipped)) => {
            assert!(zipped.summary.gzip, "gzip not detected");
            zipped.summary.gzip = false;
            assert_eq!(zipped.channels, plain.channels, "gzip changes the channels");
            assert_eq!(zipped.summary, plain.summary, "gzip changes the summary");
            assert!(prepared_gz == prepared, "gzip changes the programmes");
        }
        (Err(plain), Err(zipped)) => {
            assert_eq!(&zipped.to_string(), plain, "gzip changes the error");
        }
        (plain, zipped) => panic!(
            "gzip changes the outcome: plain {:?}, gzip {:?}",
            plain.as_ref().map(|_| "Ok"),
            zipped.map(|_| "Ok")
        ),
    }
}
