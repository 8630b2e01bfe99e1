//! Feeds, regions and numbered channels are different channels.

mod common;

use common::*;

/// Each stream name must land on exactly the guide channel of the same index.
fn assert_one_to_one(names: &[&str]) {
    let g: Vec<_> = names
        .iter()
        .enumerate()
        .map(|(i, n)| guide(&format!("g{i}"), &[n]))
        .collect();
    let s: Vec<_> = names
        .iter()
        .enumerate()
        .map(|(i, n)| stream("a", &format!("s{i}"), &format!("UK: {n} HD")))
        .collect();
    let m = run(&g, &s);
    for (i, name) in names.iter().enumerate() {
        assert_eq!(keys(&m, &format!("g{i}")), [format!("s{i}")], "{name}");
    }
}

#[test]
fn east_west_and_timeshift_feeds_stay_apart() {
    assert_one_to_one(&[
        "BBC One",
        "BBC One East",
        "BBC One West",
        "Dave",
        "Dave +1",
        "E4",
        "E4 +1",
    ]);
}

#[test]
fn similar_brands_stay_apart() {
    assert_one_to_one(&[
        "ZDF",
        "ZDFneo",
        "ZDFinfo",
        "RTL",
        "RTL II",
        "Sat.1",
        "Sat.1 Gold",
    ]);
}

#[test]
fn numbers_must_agree() {
    assert_one_to_one(&[
        "Channel 4",
        "Channel 5",
        "Sky Sports F1",
        "Sky Sports F2",
        "BBC One",
        "BBC Two",
    ]);
}

#[test]
fn missing_feed_or_region_matches_nothing() {
    let g = [
        guide("BBCOne", &["BBC One"]),
        guide("Dave", &["Dave"]),
        guide("ZDF", &["ZDF"]),
        guide("C4", &["Channel 4"]),
    ];
    let s = [
        stream("a", "1", "BBC One East HD"),
        stream("a", "2", "BBC One London"),
        stream("a", "3", "Dave +1"),
        stream("a", "4", "DE: ZDFneo"),
        stream("a", "5", "Channel 5"),
        stream("a", "6", "Channel 4 +1"),
        stream("a", "7", "Dave ja vu"),
    ];
    assert!(run(&g, &s).is_empty());
}

#[test]
fn feed_tags_from_the_provider_count() {
    let g = [guide("Dave", &["Dave"]), guide("Dave1", &["Dave +1"])];
    let s = [
        parsed("a", "1", "Dave (+1)", "Dave", &["+1"]),
        parsed("a", "2", "Dave", "Dave", &[]),
    ];
    let m = run(&g, &s);
    assert_eq!(keys(&m, "Dave1"), ["1"]);
    assert_eq!(keys(&m, "Dave"), ["2"]);
}
