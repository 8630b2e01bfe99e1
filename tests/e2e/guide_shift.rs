//! Guide time shift: `guide add --shift`, `guide set --shift` through a
//! running server, the served `/xmltv.xml` valid and every programme moved
//! by exactly the shift, with no second download.

use crate::common;

use std::collections::HashSet;
use streamforge_sim::SimProvider;

/// 2024-02-28 23:00 UTC: shifts cross a day and a leap day.
const GUIDE_START: u64 = 1_709_161_200;

/// (title, start, stop) in unix seconds, for every programme of `xml`.
fn programmes(xml: &str) -> Vec<(String, i64, i64)> {
    let attr = |tag: &str, name: &str| -> String {
        let key = format!(" {name}=\"");
        let at = tag
            .find(&key)
            .unwrap_or_else(|| panic!("no {name} in {tag}"))
            + key.len();
        tag[at..at + tag[at..].find('"').unwrap()].to_string()
    };
    xml.split("<programme ")
        .skip(1)
        .map(|p| {
            let tag = format!(" {}", &p[..p.find('>').unwrap()]);
            let t = p.find("<title").unwrap();
            let t = t + p[t..].find('>').unwrap() + 1;
            // Compared as text: the source and the output may escape differently.
            let title = p[t..t + p[t..].find("</title>").unwrap()]
                .replace("&apos;", "'")
                .replace("&quot;", "\"")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&");
            (
                title,
                instant(&attr(&tag, "start")),
                instant(&attr(&tag, "stop")),
            )
        })
        .collect()
}

/// `YYYYMMDDhhmmss +hhmm` as unix seconds.
fn instant(t: &str) -> i64 {
    let (stamp, zone) = t.split_once(' ').unwrap_or_else(|| panic!("{t:?}"));
    assert_eq!(stamp.len(), 14, "{t:?}");
    let n = |r: std::ops::Range<usize>| stamp[r].parse::<u8>().unwrap();
    let date = time::Date::from_calendar_date(
        stamp[0..4].parse().unwrap(),
        time::Month::try_from(n(4..6)).unwrap(),
        n(6..8),
    )
    .unwrap();
    let clock = time::Time::from_hms(n(8..10), n(10..12), n(12..14)).unwrap();
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    let offset = sign
        * (zone[1..3].parse::<i64>().unwrap() * 3600 + zone[3..5].parse::<i64>().unwrap() * 60);
    time::PrimitiveDateTime::new(date, clock)
        .assume_utc()
        .unix_timestamp()
        - offset
}

/// Every served programme is a fixture programme moved by `minutes`, and
/// the served document is valid XMLTV.
fn assert_shifted(base: &str, fixture: &[(String, i64, i64)], minutes: i64) {
    let body = common::http::client()
        .get(format!("{base}/xmltv.xml"))
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.text())
        .unwrap();
    crate::tuner_http::validate_xmltv(body.as_bytes());
    let served = programmes(&body);
    assert!(served.len() >= 5, "too few programmes served:\n{body}");
    let known: HashSet<_> = fixture.iter().cloned().collect();
    for (title, start, stop) in &served {
        let back = (title.clone(), start - minutes * 60, stop - minutes * 60);
        assert!(
            known.contains(&back),
            "{title} {start}-{stop} is not a fixture programme moved by {minutes} min"
        );
    }
}

#[test]
fn guide_shift_moves_programmes_and_changes_without_a_download() {
    let mut config = common::test_panel();
    config.guide_start = Some(GUIDE_START);
    config.guide_hours = 4;
    let sim = SimProvider::start_blocking(config);
    // The fixture: the panel's guide with its times in +0200.
    let xml = common::http::client()
        .get(sim.xmltv_url())
        .send()
        .and_then(|r| r.text())
        .unwrap()
        .replace(" +0000\"", " +0200\"");
    let fixture = programmes(&xml);
    assert!(fixture.len() >= 10);
    let files = tempfile::tempdir().unwrap();
    let guide = files.path().join("guide.xml");
    std::fs::write(&guide, &xml).unwrap();

    let data = common::data_dir();
    let out = common::add_panel_account(data.path(), &sim, "main", &[]);
    assert!(out.status.success());
    let bad = common::process::cli_fails(
        data.path(),
        &[
            "guide",
            "add",
            "g",
            guide.to_str().unwrap(),
            "--shift",
            "25h",
        ],
    );
    assert!(bad.contains("at most 24h"), "{bad}");
    let added = common::cli(
        data.path(),
        &[
            "guide",
            "add",
            "g",
            guide.to_str().unwrap(),
            "--shift",
            "-1h30m",
        ],
    );
    assert!(added.contains("times shifted by -1h30m"), "{added}");
    common::cli(data.path(), &["sync"]);
    common::cli(data.path(), &["match"]);
    let list = common::cli(data.path(), &["guide", "list"]);
    assert!(list.contains("-1h30m"), "{list}");

    let server = common::Server::start(data.path(), &[]);
    assert_shifted(&server.base, &fixture, -90);

    // The source is gone: the new shift comes from the kept programmes.
    std::fs::remove_file(&guide).unwrap();
    let bad = common::process::cli_fails(data.path(), &["guide", "set", "g", "--shift", "2x"]);
    assert!(bad.contains("+2h, -1h30m, 45m or 0"), "{bad}");
    let set = common::cli(data.path(), &["guide", "set", "g", "--shift", "+2h"]);
    assert!(set.contains("shifted by +2h"), "{set}");
    assert_shifted(&server.base, &fixture, 120);
    let list = common::cli(data.path(), &["guide", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(list[0]["shift"], "+2h", "{list}");
    common::cli(data.path(), &["guide", "set", "g", "--shift", "0"]);
    assert_shifted(&server.base, &fixture, 0);
}
