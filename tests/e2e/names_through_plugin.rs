//! The real-world name table (`plugins/names/tests/names_table.tsv`) read by
//! the compiled xtream and m3u plugins through the host's sandbox: what the
//! host gets back across the WIT boundary is what the table says.

use crate::common;

use streamforge::model::Quality;
use streamforge::plugins::Limits;

fn quality(word: &str) -> Quality {
    match word {
        "uhd" => Quality::Uhd,
        "fhd" => Quality::Fhd,
        "hd" => Quality::Hd,
        "sd" => Quality::Sd,
        "unknown" => Quality::Unknown,
        other => panic!("bad quality {other:?} in the table"),
    }
}

fn table() -> Vec<(String, String, Quality, Vec<String>)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../plugins/names/tests/names_table.tsv"
    );
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .skip(1)
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            assert_eq!(cols.len(), 4, "{line:?}");
            let tags = cols[3]
                .split(',')
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect();
            (
                cols[0].to_string(),
                cols[1].to_string(),
                quality(cols[2]),
                tags,
            )
        })
        .collect()
}

#[test]
fn provider_plugins_read_the_name_table() {
    let cases = table();
    assert!(cases.len() >= 60, "the table has {} names", cases.len());
    let dir = common::data_dir();
    let (registry, _) = common::registry(&dir, Limits::default());
    for plugin_name in ["xtream", "m3u"] {
        let plugin = registry.get(plugin_name).unwrap();
        let provider = plugin.provider().unwrap();
        let mut failures = Vec::new();
        for (input, base, quality, tags) in &cases {
            let got = provider.parse_name(input).unwrap();
            if (&got.base_name, got.quality, &got.tags) != (base, *quality, tags) {
                failures.push(format!(
                    "{input:?}: want {base:?} {quality:?} {tags:?}, got {:?} {:?} {:?}",
                    got.base_name, got.quality, got.tags
                ));
            }
        }
        assert!(
            failures.is_empty(),
            "{plugin_name}:\n{}",
            failures.join("\n")
        );
    }
}

#[test]
fn empty_and_10_kb_names_cross_the_boundary() {
    let dir = common::data_dir();
    let (registry, _) = common::registry(&dir, Limits::default());
    let plugin = registry.get("xtream").unwrap();
    let provider = plugin.provider().unwrap();
    let empty = provider.parse_name("").unwrap();
    assert_eq!(
        (empty.base_name.as_str(), empty.quality),
        ("", Quality::Unknown)
    );

    let long = format!("UK: {} FHD", "Very Long Channel Name ".repeat(450));
    assert!(long.len() > 10_000);
    let parsed = provider.parse_name(&long).unwrap();
    assert_eq!(parsed.quality, Quality::Fhd);
    assert!(
        parsed.base_name.starts_with("Very Long Channel Name"),
        "{}",
        &parsed.base_name[..40]
    );
    assert!(parsed.tags.contains(&"uk".to_string()));
}
