//! The Xtream Codes door through a real client library from the npm
//! registry (`@iptv/xtream-api`, not written here): it signs in, reads the
//! account, categories, channels and a short EPG, and builds the stream URL
//! that ffprobe then plays. Wrong password, disabled and expired users, a user
//! at their limit (nothing opened at the provider) and a channel outside the
//! user's lineup get the conventional answers.

use crate::common;
use crate::common::{cli, client, get_json, prepared};
use std::io::Read;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;
use streamforge_sim::SimProvider;

/// The client library, pinned.
const LIBRARY: &str = "@iptv/xtream-api@1.4.1";

/// Installs the library once into the test's scratch dir (fails loudly
/// without node and npm).
fn library_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("xtream-client");
        std::fs::create_dir_all(&dir).unwrap();
        if !dir
            .join("node_modules/@iptv/xtream-api/package.json")
            .exists()
        {
            let mut npm = Command::new("npm");
            npm.args(["install", "--no-audit", "--no-fund", "--prefix"])
                .arg(&dir)
                .arg(LIBRARY);
            let out = common::process::run_bounded(npm, "", Duration::from_secs(300))
                .unwrap_or_else(|e| panic!("npm install {LIBRARY} (install Node.js and npm): {e}"));
            assert!(
                out.status.success(),
                "npm install {LIBRARY}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::fs::write(
            dir.join("probe.mjs"),
            r#"
import { Xtream } from '@iptv/xtream-api';
import { standardizedSerializer } from '@iptv/xtream-api/standardized';
const [url, username, password] = process.argv.slice(2);
const x = new Xtream({ url, username, password, serializer: standardizedSerializer });
const out = {};
out.profile = await x.getProfile();
out.server = await x.getServerInfo();
out.categories = await x.getChannelCategories();
out.channels = await x.getChannels();
out.epg = await x.getShortEPG({ channelId: out.channels[0].id, limit: 2 });
out.url = x.generateStreamUrl({ type: 'channel', streamId: out.channels[0].id, extension: 'ts' });
console.log(JSON.stringify(out));
"#,
        )
        .unwrap();
        dir
    })
}

/// What the library read from the door at `base` as `user` / `password`.
fn library_reads(base: &str, user: &str, password: &str) -> serde_json::Value {
    let dir = library_dir();
    let mut node = Command::new("node");
    node.current_dir(dir)
        .arg("probe.mjs")
        .args([base, user, password]);
    let out = common::process::run_bounded(node, "", Duration::from_secs(60))
        .unwrap_or_else(|e| panic!("node (install Node.js): {e}"));
    assert!(
        out.status.success(),
        "the client library failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// (codec, width) of the first video stream ffprobe finds at `url`.
fn probe(url: &str) -> (String, u64) {
    let mut cmd = Command::new("ffprobe");
    cmd.args([
        "-v",
        "error",
        "-select_streams",
        "v:0",
        "-show_entries",
        "stream=codec_name,width",
        "-of",
        "json",
        url,
    ]);
    let out = common::process::run_bounded(cmd, "", Duration::from_secs(30)).unwrap();
    assert!(
        out.status.success(),
        "ffprobe {url}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &v["streams"][0];
    (
        s["codec_name"].as_str().unwrap_or_default().to_string(),
        s["width"].as_u64().unwrap_or(0),
    )
}

fn add_user(data: &std::path::Path, name: &str, password: &str, extra: &[&str]) {
    let mut args = vec!["user", "add", name, "--password-stdin"];
    args.extend_from_slice(extra);
    common::process::cli_with_input(data, &args, password);
}

#[test]
fn a_real_xtream_client_lists_and_plays_the_lineup() {
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = prepared(&sim, 2);
    add_user(
        data.path(),
        "alice",
        "alice-Pa55",
        &["--max-connections", "1"],
    );
    let server = common::Server::start(data.path(), &["--idle-grace", "0"]);
    let base = server.base.clone();

    let read = library_reads(&base, "alice", "alice-Pa55");
    assert_eq!(read["profile"]["username"], "alice", "{read}");
    assert_eq!(read["profile"]["maxConnections"], 1, "{read}");
    assert_eq!(read["profile"]["status"], "Active", "{read}");
    assert_eq!(read["server"]["serverProtocol"], "http", "{read}");
    let lineup = get_json(&format!("{base}/lineup.json"));
    let channels = read["channels"].as_array().unwrap();
    assert_eq!(
        channels.len(),
        lineup.as_array().unwrap().len(),
        "every channel of main: {read}"
    );
    assert!(!read["categories"].as_array().unwrap().is_empty(), "{read}");
    // Every channel's category is listed, and its epgId is a channel of the guide.
    let guide = client()
        .get(format!(
            "{base}/xmltv.php?username=alice&password=alice-Pa55"
        ))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let categories: Vec<&str> = read["categories"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    for c in channels {
        assert!(
            categories.contains(&c["categoryIds"][0].as_str().unwrap()),
            "{c}"
        );
        let id = format!(
            "{}/live/alice/alice-Pa55/{}.ts",
            base,
            c["id"].as_str().unwrap()
        );
        assert_eq!(c["url"], id.as_str());
    }
    let with_guide = channels
        .iter()
        .filter(|c| guide.contains(&format!("<channel id=\"{}\"", c["epgId"].as_str().unwrap())))
        .count();
    assert!(with_guide > 0, "epg ids match the XMLTV: {read}");
    let epg = read["epg"].as_array().unwrap();
    assert!(!epg.is_empty() && epg.len() <= 2, "{read}");
    assert!(!epg[0]["title"].as_str().unwrap().is_empty(), "{read}");
    let playlist = client()
        .get(format!(
            "{base}/get.php?username=alice&password=alice-Pa55&type=m3u_plus&output=ts"
        ))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(
        playlist.matches("#EXTINF").count(),
        channels.len(),
        "{playlist}"
    );

    // The URL the library built plays.
    let url = read["url"].as_str().unwrap().to_string();
    let (codec, width) = probe(&url);
    assert!(!codec.is_empty() && width > 0, "{codec} {width}");
    server.wait_released();

    // At the limit: one channel plays; the same channel again shares it; a
    // second channel is refused and nothing more is opened at the panel.
    let first = common::playing(&url);
    // The same channel counts once.
    let again = common::playing(&url);
    let other = channels[1]["id"].as_str().unwrap();
    let refused = client()
        .get(format!("{base}/live/alice/alice-Pa55/{other}.ts"))
        .send()
        .unwrap();
    assert_eq!(refused.status(), 403);
    assert_eq!(
        sim.open_streams(),
        1,
        "nothing opened for the refused request"
    );
    let profile = get_json(&format!(
        "{base}/player_api.php?username=alice&password=alice-Pa55"
    ));
    assert_eq!(profile["user_info"]["active_cons"], "1", "{profile}");
    drop((first, again));
    server.wait_released();
}

#[test]
fn refusals_read_as_real_panels_answer_them() {
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = prepared(&sim, 2);
    let all = common::served_numbers(data.path());
    cli(
        data.path(),
        &["lineup", "create", "kids", "--channel", &all[0]],
    );
    add_user(data.path(), "kid", "kid-Pa55", &["--lineup", "kids"]);
    add_user(data.path(), "bob", "bob-Pa55", &[]);
    cli(data.path(), &["user", "disable", "bob"]);
    add_user(
        data.path(),
        "carol",
        "carol-Pa55",
        &["--expires", "2020-01-31"],
    );
    let err = common::process::cli_fails(data.path(), &["user", "add", "eve", "--lineup", "nope"]);
    assert!(err.contains("password"), "{err}");
    let listed = cli(data.path(), &["user", "list", "--json"]);
    assert!(
        !listed.contains("Pa55") && !listed.contains("argon2"),
        "{listed}"
    );
    let server = common::Server::start(data.path(), &["--idle-grace", "0"]);
    let base = server.base.clone();
    let api = |user: &str, pass: &str| {
        get_json(&format!(
            "{base}/player_api.php?username={user}&password={pass}"
        ))
    };

    assert_eq!(
        api("kid", "wrong"),
        serde_json::json!({"user_info": {"auth": 0}})
    );
    assert_eq!(
        api("nobody", "x"),
        serde_json::json!({"user_info": {"auth": 0}})
    );
    assert_eq!(api("bob", "bob-Pa55")["user_info"]["status"], "Disabled");
    assert_eq!(api("carol", "carol-Pa55")["user_info"]["status"], "Expired");
    assert_eq!(api("kid", "kid-Pa55")["user_info"]["auth"], 1);
    // POST with a form works like GET.
    let posted: serde_json::Value = client()
        .post(format!("{base}/player_api.php"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=kid&password=kid-Pa55&action=get_live_streams")
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        posted.as_array().unwrap().len(),
        1,
        "the kids lineup only: {posted}"
    );
    assert_eq!(
        api("kid", "kid-Pa55&action=get_vod_streams"),
        serde_json::json!([])
    );
    let status = |url: String| client().get(url).send().unwrap().status().as_u16();
    assert_eq!(
        status(format!("{base}/live/kid/kid-Pa55/{}.ts", all[1])),
        404,
        "outside the lineup"
    );
    assert_eq!(status(format!("{base}/live/kid/wrong/{}.ts", all[0])), 401);
    assert_eq!(
        status(format!("{base}/live/bob/bob-Pa55/{}.ts", all[0])),
        403
    );
    assert_eq!(
        sim.open_streams(),
        0,
        "no refusal opened anything at the provider"
    );
    // Guessing from one address is slowed down: after ten failures even the
    // right password waits its turn (429).
    for _ in 0..12 {
        let _ = client()
            .get(format!("{base}/player_api.php?username=kid&password=guess"))
            .send()
            .unwrap();
    }
    let limited = client()
        .get(format!(
            "{base}/player_api.php?username=carol&password=nope"
        ))
        .send()
        .unwrap();
    assert_eq!(limited.status(), 429);
    // No password reaches the log.
    let log = server.log();
    for secret in ["kid-Pa55", "bob-Pa55", "carol-Pa55"] {
        assert!(!log.contains(secret), "{secret} in the log");
    }
}

/// 200 random stream requests from four users over two lineups: no user
/// ever has more channels than their limit, and the panel never sees more
/// connections than the account allows.
#[test]
fn random_requests_from_four_users_never_exceed_a_limit() {
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = prepared(&sim, 2);
    let all = common::served_numbers(data.path());
    cli(
        data.path(),
        &[
            "lineup", "create", "den", "--from", &all[2], "--to", &all[5],
        ],
    );
    for (user, lineup) in [("u1", "main"), ("u2", "main"), ("u3", "den"), ("u4", "den")] {
        add_user(
            data.path(),
            user,
            &format!("{user}-Pa55"),
            &["--lineup", lineup],
        );
    }
    let server = common::Server::start(data.path(), &["--idle-grace", "0"]);
    let base = server.base.clone();
    let relaxed = std::sync::atomic::Ordering::Relaxed;
    let peak = std::sync::atomic::AtomicUsize::new(0);
    let done = std::sync::atomic::AtomicBool::new(false);
    let codes = std::thread::scope(|scope| {
        scope.spawn(|| {
            while !done.load(relaxed) {
                peak.fetch_max(sim.open_streams(), relaxed);
                std::thread::sleep(Duration::from_millis(2));
            }
        });
        let users: Vec<_> = (1..=4u64)
            .map(|n| {
                let (base, all) = (&base, &all);
                scope.spawn(move || {
                    let user = format!("u{n}");
                    let mut x = 0x2545_F491_4F6C_DD1Du64.wrapping_mul(n);
                    let mut codes = std::collections::BTreeMap::new();
                    // Each user watches one channel and asks for others meanwhile.
                    let mut held: Option<reqwest::blocking::Response> = None;
                    for _ in 0..50 {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        let number = &all[((x >> 8) % 6) as usize];
                        let id = streamforge::xtream::stream_id(number).unwrap();
                        let url = format!("{base}/live/{user}/{user}-Pa55/{id}.ts");
                        let mut resp = client().get(&url).send().unwrap();
                        let code = resp.status().as_u16();
                        *codes.entry(code).or_insert(0u32) += 1;
                        if code == 200 {
                            let mut buf = vec![0u8; 188 * 4];
                            let _ = resp.read_exact(&mut buf);
                            if x % 2 == 0 {
                                held = Some(resp); // the previous one ends
                            }
                        }
                    }
                    drop(held);
                    codes
                })
            })
            .collect();
        let mut codes: std::collections::BTreeMap<u16, u32> = Default::default();
        for u in users {
            for (code, n) in u.join().unwrap() {
                *codes.entry(code).or_default() += n;
            }
        }
        done.store(true, relaxed);
        codes
    });
    eprintln!(
        "four users' requests: {codes:?}, peak {}",
        peak.load(relaxed)
    );
    assert!(
        codes.keys().all(|c| [200, 403, 404, 503].contains(c)),
        "{codes:?}"
    );
    assert!(codes.get(&200).copied().unwrap_or(0) > 10, "{codes:?}");
    assert!(
        codes.get(&403).copied().unwrap_or(0) > 0,
        "users met their limit: {codes:?}"
    );
    assert!(
        peak.load(relaxed) <= 2,
        "the panel saw {} connections ({codes:?})",
        peak.load(relaxed)
    );
    server.wait_released();
    assert_eq!(sim.open_streams(), 0);
}

#[test]
fn hls_and_ts_viewers_of_a_channel_share_one_provider_connection() {
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = prepared(&sim, 2);
    add_user(
        data.path(),
        "carol",
        "carol-Pa55",
        &["--max-connections", "1"],
    );
    let server = common::Server::start(data.path(), &["--idle-grace", "0"]);
    let base = server.base.clone();
    let profile = get_json(&format!(
        "{base}/player_api.php?username=carol&password=carol-Pa55"
    ));
    assert_eq!(
        profile["user_info"]["allowed_output_formats"],
        serde_json::json!(["m3u8", "ts"]),
        "{profile}"
    );
    let playlist = client()
        .get(format!(
            "{base}/get.php?username=carol&password=carol-Pa55&type=m3u_plus&output=m3u8"
        ))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let hls_url = playlist
        .lines()
        .find(|l| l.ends_with(".m3u8"))
        .unwrap_or_else(|| panic!("HLS URLs with output=m3u8: {playlist}"))
        .to_string();
    let ts_url = hls_url.replace(".m3u8", ".ts");

    // A TS viewer watches; ffmpeg plays the same channel's HLS for 20 s.
    let tv = common::viewer(ts_url);
    common::wait_for_ok("the TS viewer playing", Duration::from_secs(30), || {
        if tv.received() > 100_000 {
            Ok(())
        } else {
            Err(format!("{} bytes", tv.received()))
        }
    });
    let live = client().get(&hls_url).send().unwrap();
    assert_eq!(live.status(), 200);
    let text = live.text().unwrap();
    assert!(
        text.starts_with("#EXTM3U") && text.contains("#EXTINF:"),
        "{text}"
    );
    assert!(
        !text.contains("carol-Pa55"),
        "segment URLs carry no password: {text}"
    );
    let ffmpeg = common::decode(&hls_url, 20);
    let (ok, errors) = common::finish(ffmpeg, Duration::from_secs(60));
    assert!(ok && errors.trim().is_empty(), "ffmpeg said: {errors}");
    let status = server.status();
    let sessions = status["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 1, "{status}");
    assert_eq!(
        sessions[0]["viewers"], 2,
        "the TS viewer and the HLS output: {status}"
    );
    assert_eq!(sim.open_streams(), 1, "one provider connection for both");
    // The same user's other channel: over their limit of one while the TS
    // viewer watches the first.
    let other_url = format!(
        "{base}/live/carol/carol-Pa55/{}.m3u8",
        other_id(&hls_url, &playlist)
    );
    assert_eq!(client().get(&other_url).send().unwrap().status(), 403);
    assert!(tv.received() > 1_000_000, "the TS viewer kept watching");
    drop(tv);
    // A player changing channels just stops asking for the old playlist:
    // the new channel takes the place of the old output at once.
    common::wait_for_ok("the TS viewer gone", Duration::from_secs(10), || {
        let s = server.status();
        match s["sessions"][0]["viewers"].as_u64() {
            Some(1) => Ok(()),
            _ => Err(s["sessions"].to_string()),
        }
    });
    let switched = client().get(&other_url).send().unwrap();
    assert_eq!(switched.status(), 200, "the channel change");
    assert!(switched.text().unwrap().contains("#EXTINF:"));
    common::wait_for_ok(
        "the old channel's session ending",
        Duration::from_secs(10),
        || {
            let s = server.status();
            if s["sessions"].as_array().is_some_and(|s| s.len() == 1) && sim.open_streams() == 1 {
                Ok(())
            } else {
                Err(s["sessions"].to_string())
            }
        },
    );
    // Nobody asks for the HLS output any more: it ends, and so does the session.
    common::wait_for_ok("the HLS output ending", Duration::from_secs(40), || {
        let s = server.status();
        if s["sessions"].as_array().is_some_and(|s| s.is_empty()) {
            Ok(())
        } else {
            Err(s["sessions"].to_string())
        }
    });
    server.wait_released();
    assert_eq!(sim.open_streams(), 0);
}

/// The stream id of a channel in `playlist` other than the one `url` plays.
fn other_id(url: &str, playlist: &str) -> String {
    let id = |l: &str| l.rsplit('/').next().unwrap().replace(".m3u8", "");
    playlist
        .lines()
        .filter(|l| l.ends_with(".m3u8") && *l != url)
        .map(id)
        .next()
        .expect("a second channel")
}

#[test]
fn a_user_of_higher_priority_takes_the_connection_of_a_lower_one() {
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = prepared(&sim, 2);
    let all = common::served_numbers(data.path());
    cli(
        data.path(),
        &[
            "lineup",
            "create",
            "door",
            "--tuners",
            "4",
            "--preempt",
            "true",
        ],
    );
    add_user(
        data.path(),
        "kid",
        "kid-Pa55",
        &["--lineup", "door", "--max-connections", "2"],
    );
    add_user(
        data.path(),
        "parent",
        "parent-Pa55",
        &["--lineup", "door", "--priority", "5"],
    );
    let server = common::Server::start(data.path(), &["--idle-grace", "0"]);
    let base = server.base.clone();
    // Plain guide numbers are their stream ids.
    let url = |user: &str, n: &str| format!("{base}/live/{user}/{user}-Pa55/{n}.ts");
    // The kid fills the panel's two connections.
    let a = common::playing(&url("kid", &all[0]));
    let b = common::playing(&url("kid", &all[1]));
    // The parent (the lineup's priority plus 5) ends the kid's oldest channel.
    let c = common::playing(&url("parent", &all[2]));
    let events = cli(data.path(), &["events"]);
    assert!(
        events.contains("tuner-preempted")
            && events.contains(&format!("channel {} ", all[0]))
            && events.contains("higher priority 5"),
        "{events}"
    );
    assert!(sim.open_streams() <= 2);
    // The kid cannot take it back: equal or lower priority gets 503.
    let refused = client().get(url("kid", &all[3])).send().unwrap();
    assert_eq!(refused.status(), 503);
    drop((a, b, c));
    server.wait_released();
}

#[test]
fn catch_up_plays_the_archive_slice_through_the_ledger_and_a_seek_holds_one_connection() {
    let mut panel = common::test_panel();
    // A zone without summer time and with half hours: every minute of the
    // conversion shows, whatever the date the test runs on.
    panel.timezone = "Asia/Kolkata".into();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    panel.guide_start = Some(now / 3600 * 3600 - 4 * 3600);
    panel.guide_hours = 8;
    let sim = SimProvider::start_blocking(panel);
    let data = prepared(&sim, 2);
    add_user(
        data.path(),
        "dave",
        "dave-Pa55",
        &["--max-connections", "1"],
    );
    let server = common::Server::start(data.path(), &["--idle-grace", "0"]);
    let base = server.base.clone();
    let api = |action: &str| {
        get_json(&format!(
            "{base}/player_api.php?username=dave&password=dave-Pa55&action={action}"
        ))
    };
    let streams = api("get_live_streams");
    let streams = streams.as_array().unwrap();
    let archived = streams
        .iter()
        .find(|s| s["tv_archive"] == 1)
        .unwrap_or_else(|| panic!("a channel with catch-up: {streams:?}"));
    assert_eq!(archived["tv_archive_duration"], 7, "{archived}");
    let without = streams.iter().find(|s| s["tv_archive"] == 0).unwrap();
    let id = archived["stream_id"].as_u64().unwrap();

    // The programme on two hours ago, from the day's table.
    let table = api(&format!("get_simple_data_table&stream_id={id}"));
    let listings = table["epg_listings"].as_array().unwrap();
    let two_hours_ago = (now - 2 * 3600).to_string();
    let programme = listings
        .iter()
        .find(|p| {
            p["start_timestamp"].as_str().unwrap() <= two_hours_ago.as_str()
                && two_hours_ago.as_str() < p["stop_timestamp"].as_str().unwrap()
        })
        .unwrap_or_else(|| panic!("a programme two hours ago: {table}"));
    assert_eq!(programme["has_archive"], 1, "{programme}");
    let start: i64 = programme["start_timestamp"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let stop: i64 = programme["stop_timestamp"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let minutes = (stop - start) / 60;
    let utc = |t: i64| {
        let format = time::macros::format_description!("[year]-[month]-[day]:[hour]-[minute]");
        time::OffsetDateTime::from_unix_timestamp(t)
            .unwrap()
            .format(&format)
            .unwrap()
    };
    // In the panel's zone (UTC+5:30), as the panel reads it.
    let local = utc(start + 5 * 3600 + 1800);
    let url = format!(
        "{base}/timeshift/dave/dave-Pa55/{minutes}/{}/{id}.ts",
        utc(start)
    );
    let (codec, width) = probe(&url);
    assert!(!codec.is_empty() && width > 0, "{codec} {width}");
    let asked: Vec<String> = sim
        .request_log()
        .iter()
        .map(|r| r.path.clone())
        .filter(|p| p.starts_with("/timeshift/"))
        .collect();
    let sim_id = asked
        .first()
        .unwrap_or_else(|| panic!("the panel's archive asked for"))
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    // The panel's own credentials (URL-encoded), then the slice in its zone.
    assert!(
        asked[0].starts_with("/timeshift/tester/")
            && asked[0].ends_with(&format!("/{minutes}/{local}/{sim_id}")),
        "the slice in the panel's zone ({local}): {asked:?}"
    );
    server.wait_released();

    // The query form plays too; a seek ends the slice under way first.
    let query = |t: i64| {
        format!(
            "{base}/streaming/timeshift.php?username=dave&password=dave-Pa55&stream={id}&start={}&duration=30",
            utc(t)
        )
    };
    let mut first = common::playing(&query(start));
    let second = common::playing(&query(start + 600));
    let mut rest = Vec::new();
    first
        .read_to_end(&mut rest)
        .expect("the first slice ends cleanly");
    assert!(sim.open_streams() <= 1, "a seek holds one connection");
    let status = server.status();
    let in_use: u64 = status["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["in_use"].as_u64().unwrap())
        .sum();
    assert_eq!(in_use, 1, "{status}");
    // No archive, or outside it: 404; the user at their limit: 403.
    let none = client()
        .get(format!(
            "{base}/timeshift/dave/dave-Pa55/30/{}/{}.ts",
            utc(start),
            without["stream_id"]
        ))
        .send()
        .unwrap();
    assert_eq!(none.status(), 404);
    let live = client()
        .get(format!("{base}/live/dave/dave-Pa55/{id}.ts"))
        .send()
        .unwrap();
    assert_eq!(
        live.status(),
        403,
        "the catch-up is the user's one connection"
    );
    drop(second);
    server.wait_released();
    assert!(
        !server.log().contains("dave-Pa55"),
        "no password in the log"
    );
}
