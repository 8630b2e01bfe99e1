//! The simulated Xtream panel answers like a real one, and every fault does
//! what it says, through a real HTTP client on loopback.

use serde_json::Value;
use std::io::{Read, Write};
use std::time::{Duration, Instant};
use streamforge_sim::{AccountStatus, BadLoginReply, Endpoint, Fault, SimConfig, SimProvider};

/// A client that never reuses a connection across tests' faults.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// `player_api.php` URL with the demo credentials and extra query.
fn api(sim: &SimProvider, extra: &str) -> String {
    let c = sim.config();
    format!(
        "{}/player_api.php?username={}&password={}{extra}",
        sim.base_url(),
        c.username,
        urlencode(&c.password)
    )
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn get(url: &str) -> (u16, Vec<u8>) {
    let resp = client().get(url).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.bytes().await.unwrap().to_vec())
}

async fn get_json(url: &str) -> Value {
    let (status, body) = get(url).await;
    assert_eq!(status, 200);
    serde_json::from_slice(&body).unwrap()
}

fn as_u64(v: &Value) -> u64 {
    match v {
        Value::Number(n) => n.as_u64().unwrap(),
        Value::String(s) => s.parse().unwrap(),
        other => panic!("not a number: {other}"),
    }
}

#[tokio::test]
async fn account_info_looks_like_a_panel() {
    let sim = SimProvider::start(SimConfig::demo()).await;
    assert!(sim.base_url().starts_with("http://127.0.0.1:"));
    let v = get_json(&api(&sim, "")).await;
    let u = &v["user_info"];
    assert_eq!(u["auth"], 1);
    assert_eq!(u["status"], "Active");
    assert_eq!(u["username"], "demo");
    assert_eq!(u["password"], sim.config().password.as_str());
    assert_eq!(u["max_connections"], "2");
    assert_eq!(u["active_cons"], "0");
    assert_eq!(u["is_trial"], "0");
    assert!(u["exp_date"].as_str().unwrap().parse::<u64>().is_ok());
    assert_eq!(u["allowed_output_formats"][1], "ts");
    let s = &v["server_info"];
    assert_eq!(s["port"], sim.port().to_string());
    assert_eq!(s["server_protocol"], "http");
    assert!(s["timestamp_now"].as_u64().unwrap() > 1_700_000_000);
    assert_eq!(s["time_now"].as_str().unwrap().len(), 19);
}

#[tokio::test]
async fn categories_and_streams_have_real_panel_shapes() {
    let sim = SimProvider::start(SimConfig::demo()).await;
    let cats = get_json(&api(&sim, "&action=get_live_categories")).await;
    let cats = cats.as_array().unwrap();
    assert_eq!(cats.len(), 7);
    assert_eq!(cats[0]["category_id"], "1");
    assert_eq!(cats[0]["category_name"], "UK | Entertainment");
    assert_eq!(cats[0]["parent_id"], 0);

    let streams = get_json(&api(&sim, "&action=get_live_streams")).await;
    let streams = streams.as_array().unwrap();
    assert_eq!(streams.len(), 46);
    let names: Vec<&str> = streams
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    for expected in [
        "UK: BBC One FHD",
        "|UK| BBC ONE HD",
        "BBC One SD",
        "UK: Dave +1",
        "ZDFneo HD",
    ] {
        assert!(names.contains(&expected), "{expected} missing");
    }
    assert!(streams.iter().all(|s| s["stream_type"] == "live"));
    assert!(streams.iter().any(|s| s["stream_id"].is_string()));
    assert!(streams.iter().any(|s| s["stream_id"].is_number()));
    assert!(streams.iter().any(|s| s["num"].is_string()));
    assert!(streams.iter().any(|s| s["epg_channel_id"].is_null()));
    assert!(streams.iter().any(|s| s["epg_channel_id"] == ""));
    assert!(streams.iter().any(|s| s["epg_channel_id"] == "bbc1.uk"));
    assert!(streams.iter().any(|s| s["stream_icon"] == ""));
    let first = &streams[0];
    assert_eq!(as_u64(&first["stream_id"]), 11001);
    assert_eq!(first["category_ids"][0], 1);
    assert!(first["stream_icon"].as_str().unwrap().ends_with(".png"));
    assert!(first["added"].is_string());

    let de = get_json(&api(&sim, "&action=get_live_streams&category_id=4")).await;
    let de = de.as_array().unwrap();
    assert_eq!(de.len(), 10);
    assert!(de.iter().all(|s| s["category_id"] == "4"));
    let none = get_json(&api(&sim, "&action=get_live_streams&category_id=999")).await;
    assert_eq!(none, Value::Array(vec![]));
}

#[tokio::test]
async fn canonical_types_without_quirks() {
    let mut config = SimConfig::demo();
    config.json_quirks = false;
    let sim = SimProvider::start(config).await;
    let streams = get_json(&api(&sim, "&action=get_live_streams")).await;
    let streams = streams.as_array().unwrap();
    assert!(streams
        .iter()
        .all(|s| s["stream_id"].is_number() && s["num"].is_number()));
}

#[tokio::test]
async fn wrong_credentials_default_to_auth_zero() {
    let sim = SimProvider::start(SimConfig::demo()).await;
    let base = sim.base_url();
    for url in [
        format!("{base}/player_api.php?username=demo&password=wrong"),
        format!("{base}/player_api.php?username=demo&password=wrong&action=get_live_streams"),
        format!("{base}/player_api.php"),
    ] {
        let v = get_json(&url).await;
        assert_eq!(v, serde_json::json!({"user_info": {"auth": 0}}));
    }
    for path in ["xmltv.php", "get.php"] {
        let (status, body) = get(&format!("{base}/{path}?username=demo&password=wrong")).await;
        assert_eq!(status, 401);
        assert!(body.is_empty());
    }
}

#[tokio::test]
async fn wrong_credentials_other_panel_styles() {
    for (style, code) in [
        (BadLoginReply::Unauthorized, 401),
        (BadLoginReply::NotFound, 404),
    ] {
        let mut config = SimConfig::demo();
        config.bad_login = style;
        let sim = SimProvider::start(config).await;
        for path in ["player_api.php", "xmltv.php", "get.php"] {
            let url = format!("{}/{path}?username=x&password=y", sim.base_url());
            assert_eq!(get(&url).await.0, code, "{path} {style:?}");
        }
    }
}

#[tokio::test]
async fn expired_and_banned_accounts_show_in_user_info() {
    for status in [
        AccountStatus::Expired,
        AccountStatus::Banned,
        AccountStatus::Disabled,
    ] {
        let mut config = SimConfig::demo();
        config.status = status;
        config.exp_date = Some(1_600_000_000);
        let sim = SimProvider::start(config).await;
        let v = get_json(&api(&sim, "")).await;
        assert_eq!(v["user_info"]["auth"], 1);
        assert_eq!(v["user_info"]["status"], status.as_str());
        assert_eq!(v["user_info"]["exp_date"], "1600000000");
        let streams = get_json(&api(&sim, "&action=get_live_streams")).await;
        assert_eq!(streams, Value::Array(vec![]));
    }
    let mut config = SimConfig::demo();
    config.exp_date = None;
    let sim = SimProvider::start(config).await;
    assert!(get_json(&api(&sim, "")).await["user_info"]["exp_date"].is_null());
}

#[tokio::test]
async fn xmltv_is_well_formed_and_covers_a_day() {
    let mut config = SimConfig::demo();
    config.guide_start = Some(1_704_067_200); // 2024-01-01 00:00 UTC
    let sim = SimProvider::start(config).await;
    let resp = client().get(sim.xmltv_url()).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("xml"));
    let body = resp.text().await.unwrap();

    let mut reader = quick_xml::Reader::from_str(&body);
    let (mut channels, mut programmes, mut last_stop) = (Vec::new(), 0, String::new());
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Eof => break,
            quick_xml::events::Event::Start(e) if e.name().as_ref() == "channel" => {
                let id = e.try_get_attribute("id").unwrap().unwrap();
                channels.push(id.value.into_owned());
            }
            quick_xml::events::Event::Start(e) if e.name().as_ref() == "programme" => {
                programmes += 1;
                let start = e.try_get_attribute("start").unwrap().unwrap();
                let stop = e.try_get_attribute("stop").unwrap().unwrap();
                assert!(start.value.ends_with(" +0000"));
                last_stop = stop.value.into_owned();
            }
            _ => {}
        }
    }
    let mut distinct = channels.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), channels.len(), "channel ids repeat");
    assert!(channels.contains(&"bbc1.uk".to_string()));
    assert!(channels.contains(&"zdfneo.de".to_string()));
    assert!(programmes >= channels.len() * 12);
    assert!(last_stop.as_str() >= "20240102000000 +0000", "{last_stop}");
    assert!(body.contains("<programme start=\"20240101000000 +0000\""));
    assert!(body.contains("<display-name>Hallmark Movies &amp; Mysteries</display-name>"));
    assert!(body.contains("<icon src=\"http://"));
}

#[tokio::test]
async fn playlist_embeds_credentials_like_real_panels() {
    let sim = SimProvider::start(SimConfig::demo()).await;
    let (status, body) = get(&sim.playlist_url()).await;
    assert_eq!(status, 200);
    let text = String::from_utf8(body).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("#EXTM3U url-tvg=\""));
    assert!(lines[0].contains("/xmltv.php?username=demo&password="));
    assert_eq!(lines.len(), 1 + 2 * 46);
    assert_eq!(
        lines[1],
        "#EXTINF:-1 tvg-id=\"bbc1.uk\" tvg-name=\"UK: BBC One FHD\" \
         tvg-logo=\"http://logos.panel.example/picons/bbc-one.png\" \
         group-title=\"UK | Entertainment\",UK: BBC One FHD"
    );
    assert_eq!(
        lines[2],
        format!("{}/live/demo/demo-Pa55w0rd!/11001.ts", sim.base_url())
    );
    assert!(lines.contains(&"#EXTINF:-1 tvg-id=\"\" tvg-name=\"BBC One SD\" tvg-logo=\"\" group-title=\"UK | Entertainment\",BBC One SD"));

    let hls = format!(
        "{}&type=m3u&output=m3u8",
        sim.playlist_url().split("&type").next().unwrap()
    );
    let text = String::from_utf8(get(&hls).await.1).unwrap();
    assert!(text.starts_with("#EXTM3U\n#EXTINF:-1,UK: BBC One FHD\n"));
    assert!(text.contains("/11001.m3u8\n"));
}

#[tokio::test]
async fn status_and_garbage_faults() {
    let sim = SimProvider::start(SimConfig::demo()).await;
    for code in [500, 503, 404, 401, 403, 884] {
        sim.set_fault(Endpoint::Streams, Fault::Status(code));
        let (status, body) = get(&api(&sim, "&action=get_live_streams")).await;
        assert_eq!(status, code);
        assert!(serde_json::from_slice::<Value>(&body).is_err());
    }
    // Other endpoints stay healthy.
    assert_eq!(get_json(&api(&sim, "")).await["user_info"]["auth"], 1);

    sim.set_fault(Endpoint::Streams, Fault::Garbage);
    let resp = client()
        .get(api(&sim, "&action=get_live_streams"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let body = resp.bytes().await.unwrap();
    assert!(serde_json::from_slice::<Value>(&body).is_err());
    assert!(String::from_utf8_lossy(&body).contains("Fatal error"));
}

#[tokio::test]
async fn global_fault_with_endpoint_override() {
    let sim = SimProvider::start(SimConfig::demo()).await;
    sim.set_fault_everywhere(Fault::Status(503));
    sim.set_fault(Endpoint::Xmltv, Fault::None);
    assert_eq!(get(&api(&sim, "")).await.0, 503);
    assert_eq!(get(&sim.playlist_url()).await.0, 503);
    assert_eq!(get(&sim.xmltv_url()).await.0, 200);
    sim.clear_faults();
    assert_eq!(get(&api(&sim, "")).await.0, 200);
}

#[tokio::test]
async fn truncated_fault_cuts_valid_json() {
    let sim = SimProvider::start(SimConfig::demo()).await;
    let (_, whole) = get(&api(&sim, "&action=get_live_streams")).await;
    sim.set_fault(Endpoint::Streams, Fault::Truncated);
    let (status, cut) = get(&api(&sim, "&action=get_live_streams")).await;
    assert_eq!(status, 200);
    assert_eq!(cut.len(), whole.len() / 2);
    assert_eq!(&whole[..cut.len()], &cut[..]);
    assert!(serde_json::from_slice::<Value>(&cut).is_err());
}

#[tokio::test]
async fn slow_fault_trickles_the_whole_body() {
    let sim = SimProvider::start(SimConfig::demo()).await;
    sim.set_fault(
        Endpoint::Categories,
        Fault::Slow(Duration::from_millis(600)),
    );
    let started = Instant::now();
    let mut resp = client()
        .get(api(&sim, "&action=get_live_categories"))
        .send()
        .await
        .unwrap();
    let mut chunks = 0;
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.unwrap() {
        chunks += 1;
        body.extend_from_slice(&chunk);
    }
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    assert!(chunks > 5, "{chunks} chunks");
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 7);
}

#[tokio::test]
async fn stall_fault_sends_a_part_then_hangs() {
    let sim = SimProvider::start(SimConfig::demo()).await;
    sim.set_fault(Endpoint::Xmltv, Fault::Stall);
    let mut resp = client().get(sim.xmltv_url()).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let mut got = Vec::new();
    while let Ok(chunk) = tokio::time::timeout(Duration::from_millis(500), resp.chunk()).await {
        got.extend_from_slice(&chunk.unwrap().expect("stalled body ended"));
    }
    assert!(got.starts_with(b"<?xml"));
    assert!(
        got.len() <= 16 * 1024,
        "{} bytes before the stall",
        got.len()
    );
    // Stopping the simulator ends the stalled body instead of leaking it.
    drop(sim);
    let after = tokio::time::timeout(Duration::from_secs(5), resp.chunk()).await;
    assert!(matches!(after, Ok(Err(_))), "{after:?}");
}

#[tokio::test]
async fn close_fault_drops_the_connection_without_a_response() {
    let sim = SimProvider::start(SimConfig::demo()).await;
    sim.set_fault(Endpoint::Account, Fault::Close);
    let err = client().get(api(&sim, "")).send().await.unwrap_err();
    assert!(err.status().is_none(), "{err:?}");
    // Raw socket: not one byte comes back.
    let addr = format!("127.0.0.1:{}", sim.port());
    let got = tokio::task::spawn_blocking(move || {
        let mut tcp = std::net::TcpStream::connect(addr).unwrap();
        tcp.write_all(b"GET /player_api.php HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut buf = Vec::new();
        let _ = tcp.read_to_end(&mut buf);
        buf
    })
    .await
    .unwrap();
    assert!(got.is_empty(), "{}", String::from_utf8_lossy(&got));
    sim.set_fault(Endpoint::Account, Fault::None);
    assert_eq!(get(&api(&sim, "")).await.0, 200);
}

#[tokio::test]
async fn request_log_and_connection_count() {
    let sim = SimProvider::start(SimConfig::demo()).await;
    let http = client();
    http.get(api(&sim, "&action=get_live_categories"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    http.get(format!("{}/nowhere", sim.base_url()))
        .send()
        .await
        .unwrap();
    let log = sim.request_log();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].method, "GET");
    assert_eq!(log[0].path, "/player_api.php");
    assert!(log[0].query.contains("action=get_live_categories"));
    assert_eq!(log[1].path, "/nowhere");
    assert_eq!(log[1].query, "");
    // The pooled keep-alive connection is still open.
    assert_eq!(sim.open_connections(), 1);
    assert_eq!(sim.connections_accepted(), 1);
    drop(http);
    crate::eventually("the connection to close", Duration::from_secs(5), || {
        sim.open_connections() == 0
    })
    .await;
    sim.clear_request_log();
    assert!(sim.request_log().is_empty());
}

#[tokio::test]
async fn config_changes_apply_to_later_requests() {
    let sim = SimProvider::start(SimConfig::demo()).await;
    sim.update_config(|c| {
        c.channels.truncate(3);
        c.status = AccountStatus::Active;
    });
    let streams = get_json(&api(&sim, "&action=get_live_streams")).await;
    assert_eq!(streams.as_array().unwrap().len(), 3);
}

#[test]
fn start_blocking_serves_sync_callers_and_stops_on_drop() {
    let sim = SimProvider::start_blocking(SimConfig::demo());
    let addr = format!("127.0.0.1:{}", sim.port());
    let mut tcp = std::net::TcpStream::connect(&addr).unwrap();
    tcp.write_all(
        b"GET /player_api.php?username=demo&password=demo-Pa55w0rd%21 HTTP/1.1\r\n\
          Host: x\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"auth\":1"));
    // An idle keep-alive connection must not keep the simulator alive.
    let mut idle = std::net::TcpStream::connect(&addr).unwrap();
    drop(sim);
    assert!(std::net::TcpStream::connect(&addr).is_err());
    idle.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = [0u8; 16];
    assert!(matches!(idle.read(&mut buf), Ok(0) | Err(_)));
}

#[test]
fn generated_catalogue_is_large_fast_and_deterministic() {
    let started = Instant::now();
    let a = SimConfig::generated(50_000, 7);
    let took = started.elapsed();
    println!("generated 50 000 streams in {took:?}");
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert_eq!(a.channels.len(), 50_000);
    let b = SimConfig::generated(50_000, 7);
    assert_eq!(a.channels, b.channels);
    assert_eq!(a.categories, b.categories);
    let c = SimConfig::generated(50_000, 8);
    assert_ne!(a.channels, c.channels);

    let mut ids: Vec<u32> = a.channels.iter().map(|c| c.stream_id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 50_000, "stream ids repeat");
    let names = |tag: &str| a.channels.iter().filter(|c| c.name.contains(tag)).count();
    assert!(names("FHD") > 5_000 && names(" SD") > 5_000 && names("|") > 1_000);
    assert!(names("+1") > 100 && names("East") > 100);
    let guided = a
        .channels
        .iter()
        .filter(|c| c.epg_channel_id.is_some())
        .count();
    assert!(guided > 20_000 && guided < 45_000, "{guided}");
    // Every epg id belongs to one guide name only.
    let mut pairs: Vec<(&str, &str)> = a
        .channels
        .iter()
        .filter_map(|c| Some((c.epg_channel_id.as_deref()?, c.guide_name.as_str())))
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    let mut epg_ids: Vec<&str> = pairs.iter().map(|p| p.0).collect();
    epg_ids.dedup();
    assert_eq!(epg_ids.len(), pairs.len());

    assert_eq!(SimConfig::generated(200_000, 1).channels.len(), 200_000);
    assert_eq!(SimConfig::generated(1, 1).channels.len(), 1);
    assert!(SimConfig::generated(0, 1).channels.is_empty());
}

#[tokio::test]
async fn generated_catalogue_is_served() {
    let sim = SimProvider::start(SimConfig::generated(50_000, 3)).await;
    let c = sim.config();
    let url = format!(
        "{}/player_api.php?username={}&password={}&action=get_live_streams",
        sim.base_url(),
        c.username,
        c.password
    );
    let streams = get_json(&url).await;
    assert_eq!(streams.as_array().unwrap().len(), 50_000);
}
