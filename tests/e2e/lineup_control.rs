//! Lineup control through the binary, with and without a running server:
//! a pinned stream is tried before better automatic ones, a disabled
//! channel leaves lineup.json, the playlist and the guide and comes back
//! with its number, a disabled account's streams are never tuned (807 when
//! nothing else is left), group filters, and unmapped channels by option.

use crate::common;

use crate::common::{cli, client, get_json, prepared, wait_for, wait_until};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::time::Duration;
use streamforge_sim::SimProvider;

/// The channel whose streams the tests steer: FHD 12002, HD 12001, SD 12003.
const ERSTE: &str = "daserste.de";

/// How long a session may take to show up in `status`.
const LIMIT: Duration = Duration::from_secs(20);

/// `GuideName → GuideNumber` of the lineup the tuner at `base` serves.
fn lineup(base: &str) -> BTreeMap<String, String> {
    get_json(&format!("{base}/lineup.json"))
        .as_array()
        .expect("lineup.json is a list")
        .iter()
        .map(|e| {
            let name = e["GuideName"].as_str().unwrap_or_default().to_string();
            (
                name,
                e["GuideNumber"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn text(url: &str) -> String {
    client()
        .get(url)
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.text())
        .unwrap_or_else(|e| panic!("{url}: {e}"))
}

/// The number `mappings` gives guide channel `id`.
fn number_in_mappings(data: &Path, id: &str) -> String {
    let out = cli(data, &["mappings", "--channel", id, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v[0]["number"]
        .as_str()
        .unwrap_or_else(|| panic!("{id} has no number: {out}"))
        .to_string()
}

/// Starts a viewer of channel `number` and waits until `status` shows
/// which stream plays; (account, stream key) of it.
fn tuned_source(server: &common::Server, number: &str) -> (String, String) {
    let mut resp = client()
        .get(format!("{}/stream/{number}", server.base))
        .send()
        .unwrap();
    assert_eq!(resp.status(), 200, "channel {number} plays");
    let mut buf = vec![0u8; 188 * 20];
    resp.read_exact(&mut buf).unwrap();
    assert_eq!(buf[0], 0x47, "MPEG-TS");
    let source = wait_for("the session's source in status", LIMIT, || {
        let s = server.status();
        let session = s["sessions"]
            .as_array()?
            .iter()
            .find(|x| x["channel"] == number)?
            .clone();
        Some((
            session["account"].as_str()?.to_string(),
            session["stream_key"].as_str()?.to_string(),
        ))
    });
    drop(resp);
    server.wait_released();
    source
}

#[test]
fn a_pinned_lower_quality_stream_is_the_one_tuned() {
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = prepared(&sim, 2);
    let server = common::Server::start(data.path(), &["--idle-grace", "0"]);
    let erste = number_in_mappings(data.path(), ERSTE);
    assert_eq!(
        tuned_source(&server, &erste),
        ("main".to_string(), "12002".to_string()),
        "FHD plays while nothing is pinned"
    );

    // Pin the SD variant (through the server): it goes first, FHD after it.
    cli(data.path(), &["map", ERSTE, "main", "12003", "--rank", "0"]);
    let out = cli(data.path(), &["mappings", "--channel", ERSTE, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let keys: Vec<&str> = v[0]["streams"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["key"].as_str())
        .collect();
    assert_eq!(keys[..2], ["12003", "12002"], "pinned first: {out}");
    assert_eq!(
        tuned_source(&server, &erste),
        ("main".to_string(), "12003".to_string()),
        "the pinned SD stream plays, not the automatic FHD one"
    );
}

#[test]
fn a_disabled_channel_leaves_every_list_and_comes_back_with_its_number() {
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = prepared(&sim, 2);
    let number = number_in_mappings(data.path(), ERSTE);

    // Without a server: the store changes directly.
    let out = cli(data.path(), &["channel", "disable", ERSTE]);
    assert!(out.contains("disabled") && out.contains(&number), "{out}");
    let err = common::process::cli_fails(data.path(), &["channel", "disable", "nope.de"]);
    assert!(
        err.contains("no guide channel has the id `nope.de`"),
        "{err}"
    );

    let server = common::Server::start(data.path(), &["--idle-grace", "0"]);
    let base = &server.base;
    let names = lineup(base);
    assert!(!names.contains_key("Das Erste"), "{names:?}");
    assert!(names.contains_key("BBC One"), "{names:?}");
    assert!(!names.values().any(|n| n == &number));
    let r = client()
        .get(format!("{base}/stream/{number}"))
        .send()
        .unwrap();
    assert_eq!(r.status(), 404, "a disabled channel is not tuned");
    let m3u = text(&format!("{base}/playlist.m3u"));
    assert!(!m3u.contains(&format!("tvg-id=\"{ERSTE}\"")), "{m3u}");
    assert!(m3u.contains("tvg-id=\"bbc1.uk\""), "{m3u}");
    let xmltv = text(&format!("{base}/xmltv.xml"));
    assert!(!xmltv.contains(&format!("\"{ERSTE}\"")));
    assert!(xmltv.contains("\"bbc1.uk\""));

    // Through the server: back at once, with the same number.
    let out = cli(data.path(), &["channel", "enable", ERSTE]);
    assert!(out.contains("enabled"), "{out}");
    assert_eq!(lineup(base).get("Das Erste"), Some(&number));
    assert!(text(&format!("{base}/playlist.m3u")).contains(&format!("tvg-id=\"{ERSTE}\"")));
    assert!(text(&format!("{base}/xmltv.xml")).contains(&format!("channel id=\"{ERSTE}\"")));
    let r = client()
        .get(format!("{base}/stream/{number}"))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    drop(r);
    server.wait_released();
}

#[test]
fn a_disabled_account_is_not_used_and_its_only_channels_answer_807() {
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = prepared(&sim, 2);
    let out = common::add_panel_account(data.path(), &sim, "spare", &["--max-connections", "1"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    cli(data.path(), &["sync"]);
    cli(data.path(), &["match"]);
    let server = common::Server::start(data.path(), &["--idle-grace", "0"]);
    let base = server.base.clone();
    let tuners = || get_json(&format!("{base}/discover.json"))["TunerCount"].clone();
    assert_eq!(tuners(), 3, "2 + 1 connections");
    let erste = number_in_mappings(data.path(), ERSTE);
    assert_eq!(tuned_source(&server, &erste).0, "main", "main has FHD");

    let out = cli(data.path(), &["account", "disable", "main"]);
    assert!(out.contains("account main disabled"), "{out}");
    let list = cli(data.path(), &["account", "list"]);
    let line = |name: &str| {
        list.lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name} missing: {list}"))
            .to_string()
    };
    assert!(line("main").contains("disabled"), "{list}");
    assert!(line("spare").contains("enabled"), "{list}");
    assert_eq!(
        tuners(),
        1,
        "a disabled account's connections are not tuners"
    );
    assert_eq!(
        tuned_source(&server, &erste).0,
        "spare",
        "a disabled account's streams are never tuned"
    );

    // Nothing enabled is left for the channel: 807, and an event says why.
    cli(data.path(), &["account", "disable", "spare"]);
    let resp = client()
        .get(format!("{base}/stream/{erste}"))
        .send()
        .unwrap();
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.headers()["x-hdhomerun-error"], "807 No Video Data");
    let events = cli(data.path(), &["events", "--kind", "channel-no-source"]);
    assert!(events.contains("disabled account"), "{events}");
    let all = cli(data.path(), &["events"]);
    assert!(all.contains("account-disabled"), "{all}");
    assert!(!all.contains(sim.config().password.as_str()));

    cli(data.path(), &["account", "enable", "main"]);
    assert_eq!(tuners(), 2);
    assert_eq!(tuned_source(&server, &erste).0, "main");
}

#[test]
fn group_filters_take_channels_out_and_put_them_back() {
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = prepared(&sim, 2);
    let server = common::Server::start(data.path(), &[]);
    let base = server.base.clone();
    let before = lineup(&base);
    assert!(before.contains_key("Das Erste") && before.contains_key("Sky News"));
    let groups = cli(data.path(), &["lineup", "groups"]);
    assert!(groups.contains("DE | Vollprogramm"), "{groups}");

    cli(
        data.path(),
        &["lineup", "exclude-group", "DE | Vollprogramm"],
    );
    let now = lineup(&base);
    assert!(
        !now.contains_key("Das Erste") && !now.contains_key("ZDF"),
        "{now:?}"
    );
    assert!(now.contains_key("BBC One"), "{now:?}");
    let m3u = text(&format!("{base}/playlist.m3u"));
    assert!(!m3u.contains("group-title=\"DE | Vollprogramm\""), "{m3u}");
    assert!(!text(&format!("{base}/xmltv.xml")).contains(&format!("\"{ERSTE}\"")));
    let r = client()
        .get(format!("{base}/stream/{}", before["Das Erste"]))
        .send()
        .unwrap();
    assert_eq!(r.status(), 404);

    // Bad input: one clear line, and the filters stay as they were.
    let err = common::process::cli_fails(data.path(), &["lineup", "exclude-group", "No Such"]);
    assert!(
        err.contains("no synced catalogue has a group named `No Such`"),
        "{err}"
    );
    assert_eq!(lineup(&base), now);

    cli(data.path(), &["lineup", "include-group", "UK | News"]);
    let news = lineup(&base);
    assert!(
        news.contains_key("Sky News") && news.contains_key("BBC News"),
        "{news:?}"
    );
    assert!(
        !news.contains_key("BBC One") && !news.contains_key("Das Erste"),
        "{news:?}"
    );
    let groups = cli(data.path(), &["lineup", "groups"]);
    assert!(
        groups
            .lines()
            .any(|l| l.starts_with("include") && l.ends_with("UK | News")),
        "{groups}"
    );

    cli(data.path(), &["lineup", "remove-group", "UK | News"]);
    assert_eq!(lineup(&base), now);
    cli(data.path(), &["lineup", "clear-groups"]);
    assert_eq!(lineup(&base), before, "every channel back with its number");
}

#[test]
fn unmapped_channels_show_by_option_with_stable_numbers() {
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = prepared(&sim, 2);
    // The SD variant of Das Erste becomes a provider channel no guide channel has.
    cli(data.path(), &["unmap", ERSTE, "main", "12003"]);
    let server = common::Server::start(data.path(), &["--idle-grace", "0"]);
    let base = server.base.clone();
    let unmapped = || -> BTreeMap<String, String> {
        lineup(&base)
            .into_iter()
            .filter(|(_, n)| n.parse::<u64>().is_ok_and(|n| n >= 10_000))
            .collect()
    };
    let before = lineup(&base);
    assert!(unmapped().is_empty(), "off by default");

    cli(data.path(), &["lineup", "expose-unmapped", "on"]);
    let shown = unmapped();
    let sd = shown
        .get("Das Erste SD")
        .unwrap_or_else(|| panic!("the unmapped stream is listed: {shown:?}"))
        .clone();
    for (name, number) in &before {
        assert_eq!(
            lineup(&base).get(name),
            Some(number),
            "{name} keeps its number"
        );
    }
    let m3u = text(&format!("{base}/playlist.m3u"));
    assert!(m3u.contains(&format!("/stream/{sd}")), "{m3u}");
    assert!(!m3u.contains(sim.config().password.as_str()));
    assert_eq!(tuned_source(&server, &sd), ("main".into(), "12003".into()));

    // A re-sync, off and on again: the same numbers.
    cli(data.path(), &["sync"]);
    wait_until("the lineup after the sync", LIMIT, || unmapped() == shown);
    cli(data.path(), &["lineup", "expose-unmapped", "off"]);
    assert!(unmapped().is_empty());
    assert_eq!(lineup(&base), before);
    cli(data.path(), &["lineup", "expose-unmapped", "on"]);
    assert_eq!(unmapped(), shown, "numbers are kept");
}

/// A guide of four panel channels whose programmes carry categories:
/// Das Erste News + Film, Sky News News, BBC One Entertainment, ZDF none.
const CATEGORY_GUIDE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<tv>
  <channel id="daserste.de"><display-name>Das Erste</display-name></channel>
  <channel id="skynews.uk"><display-name>Sky News</display-name></channel>
  <channel id="bbc1.uk"><display-name>BBC One</display-name></channel>
  <channel id="zdf.de"><display-name>ZDF</display-name></channel>
  <programme start="20300101120000 +0000" stop="20300101130000 +0000" channel="daserste.de">
    <title>Tagesschau</title><category lang="de">News</category></programme>
  <programme start="20300101130000 +0000" stop="20300101150000 +0000" channel="daserste.de">
    <title>Tatort</title><category>Film</category><category>Krimi</category></programme>
  <programme start="20300101120000 +0000" stop="20300101130000 +0000" channel="skynews.uk">
    <title>Sky News Today</title><category> News </category></programme>
  <programme start="20300101120000 +0000" stop="20300101130000 +0000" channel="bbc1.uk">
    <title>EastEnders</title><category>Entertainment</category></programme>
  <programme start="20300101120000 +0000" stop="20300101130000 +0000" channel="zdf.de">
    <title>heute</title></programme>
</tv>
"#;

#[test]
fn guide_category_filters_work_beside_provider_groups() {
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = common::data_dir();
    let files = tempfile::tempdir().unwrap();
    let guide = files.path().join("categories.xml");
    std::fs::write(&guide, CATEGORY_GUIDE).unwrap();
    let out = common::add_panel_account(data.path(), &sim, "main", &[]);
    assert!(out.status.success());
    cli(
        data.path(),
        &["guide", "add", "cats", guide.to_str().unwrap()],
    );
    cli(data.path(), &["sync"]);
    cli(data.path(), &["match"]);
    let server = common::Server::start(data.path(), &[]);
    let base = server.base.clone();
    let names = |base: &str| lineup(base).into_keys().collect::<Vec<_>>();
    let before = lineup(&base);
    assert_eq!(
        names(&base),
        ["BBC One", "Das Erste", "Sky News", "ZDF"],
        "{before:?}"
    );

    let groups = cli(data.path(), &["lineup", "groups", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&groups).unwrap();
    let count = |c: &str| {
        v["categories"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["category"] == c)
            .map(|x| x["channels"].as_u64().unwrap())
    };
    assert_eq!(count("News"), Some(2), "{groups}");
    assert_eq!(count("Film"), Some(1), "{groups}");
    assert_eq!(count("Entertainment"), Some(1), "{groups}");

    let out = cli(
        data.path(),
        &["lineup", "include-group", "--category", "News"],
    );
    assert!(out.contains("include category News"), "{out}");
    assert_eq!(names(&base), ["Das Erste", "Sky News"]);
    cli(
        data.path(),
        &["lineup", "exclude-group", "--category", "Film"],
    );
    assert_eq!(names(&base), ["Sky News"]);
    let shown = cli(data.path(), &["lineup", "groups"]);
    assert!(
        shown.contains("GUIDE CATEGORY")
            && shown
                .lines()
                .any(|l| l.starts_with("exclude") && l.ends_with("Film")),
        "{shown}"
    );

    // Bad input: one clear line, nothing changes.
    let err = common::process::cli_fails(
        data.path(),
        &["lineup", "include-group", "--category", "Nope"],
    );
    assert!(
        err.contains("no guide channel has programmes of the category `Nope`"),
        "{err}"
    );
    assert_eq!(names(&base), ["Sky News"]);

    // Provider groups still work, and both kinds must pass.
    cli(
        data.path(),
        &["lineup", "remove-group", "--category", "Film"],
    );
    cli(
        data.path(),
        &["lineup", "include-group", "DE | Vollprogramm"],
    );
    assert_eq!(names(&base), ["Das Erste"]);
    cli(data.path(), &["lineup", "clear-groups"]);
    assert_eq!(lineup(&base), before, "every channel back with its number");
}
