//! Guide ids, decorated names, spelling and the edges of the input.

mod common;

use common::*;
use streamforge_plugin_matcher::{match_channels, Options};

#[test]
fn provider_guide_id_is_certain() {
    let g = [
        guide("BBCOne.uk", &["BBC One"]),
        guide("BBCTwo.uk", &["BBC Two"]),
    ];
    let mut s = stream("a", "1", "Totally Different Name");
    s.guide_id = Some("  bbcone.UK ".into());
    let m = run(&g, &[s]);
    assert_eq!(keys(&m, "BBCOne.uk"), ["1"]);
    assert_eq!(confidence(&m, "BBCOne.uk", "1"), Some(1.0));
    assert!(keys(&m, "BBCTwo.uk").is_empty());
}

#[test]
fn decorated_names_return_every_variant_and_account() {
    let g = [guide("BBCOne.uk", &["BBC One"])];
    let s = [
        stream("a", "1", "UK: BBC One FHD"),
        stream("b", "2", "|UK| BBC ONE HD"),
        stream("a", "3", "BBC One ᴴᴰ"),
        stream("c", "4", "[UK] BBC One SD"),
        stream("a", "5", "bbc one"),
        stream("a", "6", "BBC One East"),
        stream("a", "7", "BBC One Scotland"),
        stream("a", "8", "BBC Two HD"),
    ];
    let m = run(&g, &s);
    assert_eq!(keys(&m, "BBCOne.uk"), ["1", "2", "3", "4", "5"]);
    assert_eq!(confidence(&m, "BBCOne.uk", "5"), Some(0.95));
}

#[test]
fn provider_parsed_names_match_exactly_with_country_bonus() {
    let g = [guide("BBCOne.uk", &["BBC One"])];
    let s = [
        parsed("a", "1", "UK: BBC One FHD", "BBC One", &["uk"]),
        parsed("a", "2", "DE: BBC One", "BBC One", &["de"]),
    ];
    let m = run(&g, &s);
    assert_eq!(confidence(&m, "BBCOne.uk", "1"), Some(0.96));
    assert_eq!(confidence(&m, "BBCOne.uk", "2"), Some(0.95));
}

#[test]
fn umlauts_and_accents_fold() {
    let g = [
        guide("ProSiebenMaxx.de", &["ProSieben MAXX"]),
        guide("DasErste.de", &["Das Erste"]),
        guide("ServusTV.at", &["ServusTV Österreich"]),
    ];
    let s = [
        stream("a", "1", "DE: PROSIEBEN MAXX HD"),
        stream("a", "2", "Pro Sieben Maxx"),
        stream("a", "3", "Das Érste"),
        stream("a", "4", "DAS ERSTE"),
        stream("a", "5", "ServusTV Osterreich"),
        stream("a", "6", "SERVUSTV ÖSTERREICH"),
    ];
    let m = run(&g, &s);
    assert_eq!(keys(&m, "ProSiebenMaxx.de"), ["1", "2"]);
    assert_eq!(keys(&m, "DasErste.de"), ["3", "4"]);
    assert_eq!(keys(&m, "ServusTV.at"), ["5", "6"]);
}

#[test]
fn fuzzy_catches_suffixes_and_typos_below_exact() {
    let g = [
        guide("SkySportsMainEvent.uk", &["Sky Sports Main Event"]),
        guide("Nickelodeon.uk", &["Nickelodeon"]),
        guide("Discovery.uk", &["Discovery"]),
    ];
    let s = [
        stream("a", "1", "SKY SPORTS MAIN EVENT UK"),
        stream("a", "2", "Sky Sport Main Event"),
        stream("a", "3", "UK: Nickelodean HD"),
        stream("a", "4", "Discovery Channel"),
        stream("a", "5", "Sky Sports Main Event Extra"),
    ];
    let m = run(&g, &s);
    assert_eq!(keys(&m, "SkySportsMainEvent.uk"), ["1", "2"]);
    assert_eq!(keys(&m, "Nickelodeon.uk"), ["3"]);
    assert_eq!(keys(&m, "Discovery.uk"), ["4"]);
    let c = confidence(&m, "SkySportsMainEvent.uk", "2").unwrap();
    assert!((0.6..0.95).contains(&c), "{c}");
}

#[test]
fn each_stream_goes_to_its_best_guide_channel() {
    let g = [
        guide("SkySportsMainEvent.uk", &["Sky Sports Main Event"]),
        guide("SkySportMainEvents.uk", &["Sky Sport Main Events"]),
        guide("Nickelodeon.uk", &["Nickelodeon"]),
        guide("Nicktoons.uk", &["Nicktoons"]),
    ];
    let s = [
        stream("a", "1", "Sky Sports Main Event HD"),
        stream("a", "2", "Nickelodeonn"),
    ];
    let m = run(&g, &s);
    assert_eq!(keys(&m, "SkySportsMainEvent.uk"), ["1"]);
    assert!(keys(&m, "SkySportMainEvents.uk").is_empty());
    assert_eq!(keys(&m, "Nickelodeon.uk"), ["2"]);
    assert!(keys(&m, "Nicktoons.uk").is_empty());
}

#[test]
fn country_breaks_ties_between_same_named_channels() {
    let g = [
        guide("ProSieben.ch", &["ProSieben"]),
        guide("ProSieben.de", &["ProSieben"]),
    ];
    let s = [parsed("a", "1", "DE: ProSieben", "ProSieben", &["de"])];
    let m = run(&g, &s);
    assert_eq!(m.len(), 2);
    assert!(confidence(&m, "ProSieben.de", "1") > confidence(&m, "ProSieben.ch", "1"));
}

#[test]
fn lineup_numbers_are_not_names() {
    let g = [
        guide("BBCOne.uk", &["101", "BBC One"]),
        guide("Five.uk", &["5"]),
    ];
    let s = [stream("a", "1", "101"), stream("a", "2", "5")];
    let m = run(&g, &s);
    assert!(keys(&m, "BBCOne.uk").is_empty());
    assert_eq!(keys(&m, "Five.uk"), ["2"]);
}

#[test]
fn min_confidence_filters_every_tier() {
    let g = [guide("Nick.uk", &["Nickelodeon"])];
    let mut by_id = stream("a", "1", "Nickelodeon");
    by_id.guide_id = Some("Nick.uk".into());
    let s = [
        by_id,
        stream("a", "2", "Nickelodeon"),
        stream("a", "3", "Nickelodeonn"),
    ];
    let all = match_channels(
        &g,
        &s,
        &Options {
            min_confidence: 0.0,
        },
    );
    assert_eq!(keys(&all, "Nick.uk"), ["1", "2", "3"]);
    let names = match_channels(
        &g,
        &s,
        &Options {
            min_confidence: 0.95,
        },
    );
    assert_eq!(keys(&names, "Nick.uk"), ["1", "2"]);
    let ids = match_channels(&g, &s, &Options::from_pairs(&[("min-confidence", "1")]));
    assert_eq!(keys(&ids, "Nick.uk"), ["1"]);
}

#[test]
fn empty_inputs_and_names() {
    assert!(run(&[], &[]).is_empty());
    assert!(run(&[guide("x", &["BBC One"])], &[]).is_empty());
    assert!(run(&[], &[stream("a", "1", "BBC One")]).is_empty());
    let g = [guide("", &[]), guide("blank", &["", "   ", "++"])];
    let s = [
        stream("a", "1", ""),
        stream("a", "2", "   "),
        parsed("a", "3", "", "", &[]),
    ];
    assert!(run(&g, &s).is_empty());
}

#[test]
fn output_is_sorted_and_deduplicated() {
    let g = [
        guide("b", &["Dave"]),
        guide("a", &["Alibi"]),
        guide("a", &["Alibi"]),
    ];
    let s = [
        stream("z", "2", "Alibi"),
        stream("y", "9", "ALIBI"),
        stream("y", "1", "Dave"),
        stream("y", "0", "Alibi"),
    ];
    let got: Vec<(String, String, String)> = run(&g, &s)
        .into_iter()
        .map(|m| (m.guide_id, m.account, m.key))
        .collect();
    let want = [
        ("a", "y", "0"),
        ("a", "y", "9"),
        ("a", "z", "2"),
        ("b", "y", "1"),
    ];
    let want: Vec<(String, String, String)> = want
        .iter()
        .map(|(g, a, k)| (g.to_string(), a.to_string(), k.to_string()))
        .collect();
    assert_eq!(got, want);
}
