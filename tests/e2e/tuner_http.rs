//! The tuner as Plex and Jellyfin see it: the discovery sequence field by
//! field, the lineup, M3U and XMLTV (validated by the real
//! `tv_validate_file`), a DeviceID kept across restarts, hostile requests.

use crate::common;

use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;
use streamforge_sim::SimProvider;

fn cli(data: &Path, args: &[&str], stdin: &str) -> String {
    let out = common::run(data, args, stdin);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

struct Reply {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

fn request(method: reqwest::Method, url: &str, headers: &[(&str, &str)]) -> Reply {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let mut req = client.request(method, url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.bytes().await.unwrap().to_vec();
        Reply {
            status,
            headers,
            body,
        }
    })
}

fn get(url: &str) -> Reply {
    request(reqwest::Method::GET, url, &[])
}

fn json(url: &str) -> serde_json::Value {
    let r = get(url);
    assert_eq!(r.status, 200, "{url}");
    assert!(r.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    serde_json::from_slice(&r.body).unwrap()
}

/// A data dir with the demo panel's account and guide, synced and matched.
fn prepared(sim: &SimProvider) -> tempfile::TempDir {
    let data = common::data_dir();
    assert!(common::add_panel_account(data.path(), sim, "main", &[])
        .status
        .success());
    cli(
        data.path(),
        &["guide", "add", "panel", &sim.xmltv_url()],
        "",
    );
    cli(data.path(), &["sync"], "");
    cli(data.path(), &["match"], "");
    data
}

#[test]
fn plex_and_jellyfin_read_a_real_looking_hdhomerun() {
    let sim = SimProvider::start_blocking(common::test_panel());
    let data = prepared(&sim);
    let server = common::Server::start(data.path(), &[]);
    let base = server.base.clone();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");

    // Plex's sequence.
    let d = json(&format!("{base}/discover.json"));
    for field in [
        "FriendlyName",
        "ModelNumber",
        "FirmwareName",
        "FirmwareVersion",
        "DeviceID",
        "DeviceAuth",
        "BaseURL",
        "LineupURL",
        "TunerCount",
    ] {
        assert!(d.get(field).is_some(), "discover.json lacks {field}: {d}");
    }
    let id = d["DeviceID"].as_str().unwrap();
    assert!(streamforge::tuner::device_id::parse(id).is_ok(), "{id}");
    assert_eq!(d["BaseURL"], base.as_str());
    assert_eq!(d["LineupURL"], format!("{base}/lineup.json"));
    assert_eq!(d["TunerCount"], sim.config().max_connections);

    let status = json(&format!("{base}/lineup_status.json"));
    assert_eq!(
        status,
        serde_json::json!({"ScanInProgress":0,"ScanPossible":1,"Source":"Cable","SourceList":["Cable"]})
    );

    let lineup = json(&format!("{base}/lineup.json"));
    let entries = lineup.as_array().unwrap();
    assert!(entries.len() >= 5, "{lineup}");
    let mut numbers = std::collections::HashSet::new();
    for e in entries {
        let n = e["GuideNumber"].as_str().unwrap();
        assert!(
            !n.contains('_') && n.chars().all(|c| c.is_ascii_digit() || c == '.'),
            "{e}"
        );
        assert!(numbers.insert(n.to_string()), "duplicate {n}");
        assert_eq!(e["URL"], format!("{base}/stream/{n}"));
        assert!(e["HD"] == 0 || e["HD"] == 1);
        assert!(e.get("DRM").is_none());
        assert!(!e["GuideName"].as_str().unwrap().is_empty());
    }

    let post = request(
        reqwest::Method::POST,
        &format!("{base}/lineup.post?scan=start&source=Cable"),
        &[],
    );
    assert_eq!((post.status, post.body.len()), (200, 0));
    let abort = request(
        reqwest::Method::POST,
        &format!("{base}/lineup.post?scan=abort"),
        &[],
    );
    assert_eq!(abort.status, 200);

    for path in ["device.xml", "capability"] {
        let r = get(&format!("{base}/{path}"));
        assert_eq!(r.status, 200);
        let xml = String::from_utf8(r.body).unwrap();
        let root = xml.find("<root").unwrap();
        let url_base = xml.find("<URLBase>").unwrap();
        let device = xml.find("<device>").unwrap();
        assert!(
            root < url_base && url_base < device,
            "URLBase is a direct child of root: {xml}"
        );
        assert!(xml.contains(&format!("<URLBase>{base}</URLBase>")));
        assert!(xml.contains("<UDN>uuid:"));
    }

    // M3U: our URLs only, ids as in the XMLTV.
    let m3u = String::from_utf8(get(&format!("{base}/playlist.m3u")).body).unwrap();
    assert!(
        m3u.starts_with(&format!("#EXTM3U url-tvg=\"{base}/xmltv.xml\"")),
        "{m3u}"
    );
    assert!(!m3u.contains(sim.base_url()) && !m3u.contains(&sim.config().password));
    let tvg_ids: Vec<String> = m3u
        .lines()
        .filter_map(|l| l.split("tvg-id=\"").nth(1))
        .map(|rest| rest.split('"').next().unwrap().to_string())
        .collect();
    assert_eq!(tvg_ids.len(), entries.len());
    for line in m3u.lines().filter(|l| l.starts_with("http")) {
        assert!(line.starts_with(&format!("{base}/stream/")), "{line}");
    }
    for attr in ["tvg-name=", "tvg-logo=", "tvg-chno=", "group-title="] {
        assert!(m3u.contains(attr), "{attr}");
    }

    // XMLTV: valid against the DTD, ids are the M3U ids, programmes present.
    let xml = get(&format!("{base}/xmltv.xml"));
    assert_eq!(xml.status, 200);
    let text = String::from_utf8(xml.body.clone()).unwrap();
    assert!(text.contains("<programme"), "{text}");
    for id in text
        .split("<channel id=\"")
        .skip(1)
        .map(|r| r.split('"').next().unwrap())
    {
        assert!(tvg_ids.iter().any(|t| t == id), "{id} is not an M3U tvg-id");
    }
    validate_xmltv(&xml.body);

    // The same guide gzipped, by Accept-Encoding and by path.
    let gz = request(
        reqwest::Method::GET,
        &format!("{base}/xmltv.xml"),
        &[("Accept-Encoding", "gzip")],
    );
    assert_eq!(gz.headers["content-encoding"], "gzip");
    assert_eq!(gunzip(&gz.body), xml.body);
    let gz_file = get(&format!("{base}/xmltv.xml.gz"));
    assert_eq!(gunzip(&gz_file.body), xml.body);

    // Hostile HTTP: junk, huge headers, half requests; the server keeps serving.
    let addr = base.trim_start_matches("http://").to_string();
    for junk in [
        &b"\x00\x01\x02garbage\r\n\r\n"[..],
        b"GET /discover.json HTTP/1.1\r\nHost: x\r\nX: ",
        &vec![b'A'; 200_000][..],
    ] {
        if let Ok(mut s) = std::net::TcpStream::connect(&addr) {
            let _ = s.write_all(junk);
            let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
            let mut sink = Vec::new();
            let _ = s.read_to_end(&mut sink);
        }
    }
    assert_eq!(get(&format!("{base}/discover.json")).status, 200);
    assert_eq!(get(&format!("{base}/no-such-page")).status, 404);

    // TunerCount follows the accounts while serving.
    cli(
        data.path(),
        &[
            "account",
            "add",
            "spare",
            "--url",
            "http://127.0.0.1:9",
            "--max-connections",
            "2",
            "--no-check",
        ],
        "",
    );
    let tuners = json(&format!("{base}/discover.json"))["TunerCount"]
        .as_u64()
        .unwrap();
    assert_eq!(tuners, u64::from(sim.config().max_connections) + 2);

    // `urls` tells the running server's addresses.
    let urls = cli(data.path(), &["urls"], "");
    assert!(
        urls.contains(&format!("{base}/xmltv.xml"))
            && urls.contains(&format!("{base}/playlist.m3u")),
        "{urls}"
    );

    // The DeviceID is kept across restarts.
    drop(server);
    let again = common::Server::start(data.path(), &[]);
    assert_eq!(
        json(&format!("{}/discover.json", again.base))["DeviceID"],
        id
    );
}

#[test]
fn configured_identity_is_checked() {
    let data = common::data_dir();
    let out = common::streamforge(data.path())
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--no-discovery",
            "--device-id",
            "12345678",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("fails the HDHomeRun checksum"), "{err}");
    let server = common::Server::start(
        data.path(),
        &[
            "--device-id",
            "10439EFD",
            "--tuner-count",
            "3",
            "--base-url",
            "http://tv.lan:5004",
        ],
    );
    // BaseURL is what clients will use, even though we listen on loopback here.
    let port = std::fs::read_to_string(data.path().join("server.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&port).unwrap();
    let d = json(&format!("{}/discover.json", v["url"].as_str().unwrap()));
    assert_eq!(d["DeviceID"], "10439EFD");
    assert_eq!(d["TunerCount"], 3);
    assert_eq!(d["BaseURL"], "http://tv.lan:5004");
    assert_eq!(server.base, "http://tv.lan:5004");
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// Runs Debian's `tv_validate_file` (package xmltv-util) on the document.
pub(crate) fn validate_xmltv(xml: &[u8]) {
    let dir = common::data_dir();
    let file = dir.path().join("guide.xml");
    std::fs::write(&file, xml).unwrap();
    let dtd = "/usr/share/xmltv/xmltv.dtd";
    let out = std::process::Command::new("tv_validate_file")
        .args(["--dtd-file", dtd])
        .arg(&file)
        .output()
        .unwrap_or_else(|e| {
            panic!("tv_validate_file is needed (apt-get install xmltv-util; CI installs it): {e}")
        });
    assert!(
        out.status.success(),
        "tv_validate_file rejected /xmltv.xml:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
