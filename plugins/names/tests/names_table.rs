//! Table test: real-world provider names and how they must read.
//!
//! The table lives in `names_table.tsv` (input, base_name, quality, tags) so the
//! same cases can be run through the compiled wasm plugin by the host's tests.
//! Columns are separated by one tab and must not be trimmed.

use std::time::Instant;
use streamforge_names::{match_key, parse_name, ParsedName, Quality};

/// One expected reading from the table.
struct Case {
    line: usize,
    input: String,
    base: String,
    quality: Quality,
    tags: Vec<String>,
}

fn load_table() -> Vec<Case> {
    let text = include_str!("names_table.tsv");
    let mut lines = text.lines().enumerate();
    let (_, header) = lines.next().expect("table has a header");
    assert_eq!(header, "input\tbase_name\tquality\ttags");
    lines
        .map(|(i, line)| {
            let cols: Vec<&str> = line.split('\t').collect();
            assert_eq!(
                cols.len(),
                4,
                "line {}: expected 4 tab-separated columns: {line:?}",
                i + 1
            );
            Case {
                line: i + 1,
                input: cols[0].to_string(),
                base: cols[1].to_string(),
                quality: cols[2]
                    .parse()
                    .unwrap_or_else(|e| panic!("line {}: {e}", i + 1)),
                tags: cols[3]
                    .split(',')
                    .filter(|t| !t.is_empty())
                    .map(str::to_string)
                    .collect(),
            }
        })
        .collect()
}

#[test]
fn table_has_enough_cases() {
    assert!(load_table().len() >= 70);
}

#[test]
fn every_table_name_reads_as_expected() {
    let mut failures = Vec::new();
    for case in load_table() {
        let got = parse_name(&case.input);
        let want = ParsedName {
            base_name: case.base.clone(),
            quality: case.quality,
            tags: case.tags.clone(),
        };
        if got != want {
            failures.push(format!(
                "line {}: {:?}\n   want {:?} {} {:?}\n   got  {:?} {} {:?}",
                case.line,
                case.input,
                want.base_name,
                want.quality,
                want.tags,
                got.base_name,
                got.quality,
                got.tags
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} names misread:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_ten_kilobyte_name_reads_in_linear_time() {
    let mut name = String::from("UK: ");
    while name.len() < 10_000 {
        name.push_str("Very Long Channel ");
    }
    name.push_str("HD");
    let started = Instant::now();
    let got = parse_name(&name);
    assert_eq!(got.base_name, name["UK: ".len()..name.len() - " HD".len()]);
    assert_eq!(got.quality, Quality::Hd);
    assert_eq!(got.tags, ["uk"]);
    assert!(
        started.elapsed().as_secs() < 2,
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn parsing_is_idempotent_on_base_names() {
    for case in load_table() {
        let once = parse_name(&case.input);
        let twice = parse_name(&once.base_name);
        assert_eq!(
            match_key(&twice.base_name),
            match_key(&once.base_name),
            "line {}",
            case.line
        );
    }
}

#[test]
fn match_keys_agree_across_decorations() {
    let same = [
        "UK: BBC One HD",
        "|UK| BBC ONE ᶠᴴᴰ",
        "BBC One (UK)",
        "bbc one",
        "BBC-One",
    ];
    let keys: Vec<String> = same
        .iter()
        .map(|n| match_key(&parse_name(n).base_name))
        .collect();
    assert!(keys.iter().all(|k| k == "bbcone"), "{keys:?}");
    assert_ne!(
        match_key(&parse_name("ZDFneo").base_name),
        match_key(&parse_name("ZDF").base_name)
    );
    assert_ne!(
        match_key(&parse_name("E4 +1").base_name),
        match_key(&parse_name("E4").base_name)
    );
    assert_eq!(match_key(&parse_name("ITV+1").base_name), "itvplus1");
}
