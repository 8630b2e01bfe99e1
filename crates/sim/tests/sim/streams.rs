//! The simulated panel's live streams: real MPEG-TS at the clip's real
//! bitrate, clean across loop points (checked with `streamforge_ts::check`,
//! ffprobe and ffmpeg), every stream fault on new and running connections,
//! the load-balancer redirect, oldest-connection eviction and the counters.
//! Everything talks to 127.0.0.1 only and every wait is bounded.

use crate::eventually;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use streamforge_sim::{Clip, ClipKind, Endpoint, Fault, SimConfig, SimProvider};

/// Demo stream "UK: BBC One FHD".
const FHD_ID: u32 = 11001;
/// Demo stream "BBC One SD".
const SD_ID: u32 = 11003;
/// Demo stream "UK: BBC One East" (SD by name).
const OTHER_ID: u32 = 11004;

/// A client for streams: no overall deadline beyond a backstop, each read
/// is bounded by the helpers below.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// Same, following no redirects.
fn no_redirect_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Panics with an install hint when an external tool is missing.
fn need(tool: &str) {
    let found = Command::new(tool)
        .arg("-version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found,
        "{tool} not found: install ffmpeg (Debian: apt-get install ffmpeg)"
    );
}

/// Runs a command with a deadline; returns (exit success, stdout, stderr).
fn run(mut cmd: Command, deadline: Duration) -> (bool, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let (out, err) = (dir.path().join("out"), dir.path().join("err"));
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .expect("spawn tool");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{cmd:?} still running after {deadline:?}; stderr: {}",
                read(&err)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (status.success(), read(&out), read(&err))
}

fn read(path: &Path) -> String {
    String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned()
}

/// A 1-second 320x240 H.264 + AAC clip made with ffmpeg once per test run.
fn one_second_clip() -> Clip {
    static CLIP: OnceLock<Clip> = OnceLock::new();
    CLIP.get_or_init(|| {
        need("ffmpeg");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("one.ts");
        let mut cmd = Command::new("ffmpeg");
        cmd.args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
            .args([
                "-f",
                "lavfi",
                "-i",
                "testsrc2=size=320x240:rate=25:duration=1",
            ])
            .args(["-f", "lavfi", "-i", "sine=sample_rate=48000:duration=0.957"])
            .args(["-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset"])
            .args(["veryfast", "-pix_fmt", "yuv420p", "-g", "25", "-keyint_min"])
            .args(["25", "-sc_threshold", "0", "-x264-params", "open-gop=0"])
            .args(["-b:v", "300k", "-c:a", "aac", "-b:a", "48k"])
            .args(["-pes_payload_size", "0", "-f", "mpegts"])
            .arg(&path);
        let (ok, _, err) = run(cmd, Duration::from_secs(60));
        assert!(ok, "ffmpeg could not make a test clip: {err}");
        Clip::from_ts(std::fs::read(&path).unwrap()).expect("ffmpeg's clip is valid TS")
    })
    .clone()
}

/// How a read ended.
#[derive(Debug, PartialEq, Eq)]
enum End {
    /// Still streaming when the time was up.
    Open,
    /// The body ended cleanly.
    Eof,
    /// The connection broke.
    Error,
}

/// Reads a body for `window`: bytes, how it ended, and the time between
/// the first and the last chunk.
async fn read_for(resp: &mut reqwest::Response, window: Duration) -> (Vec<u8>, End) {
    let until = tokio::time::Instant::now() + window;
    let mut data = Vec::new();
    loop {
        match tokio::time::timeout_at(until, resp.chunk()).await {
            Err(_) => return (data, End::Open),
            Ok(Ok(Some(chunk))) => data.extend_from_slice(&chunk),
            Ok(Ok(None)) => return (data, End::Eof),
            Ok(Err(_)) => return (data, End::Error),
        }
    }
}

/// Bytes per second measured over `window`, starting at the first byte.
async fn measure_rate(resp: &mut reqwest::Response, window: Duration) -> f64 {
    let first = tokio::time::timeout(Duration::from_secs(5), resp.chunk())
        .await
        .expect("first chunk in time")
        .unwrap()
        .expect("a first chunk");
    assert!(!first.is_empty());
    let started = Instant::now();
    let (data, end) = read_for(resp, window).await;
    assert_eq!(end, End::Open);
    data.len() as f64 / started.elapsed().as_secs_f64()
}

/// GET with a bound on the time to the response head.
async fn get(client: &reqwest::Client, url: &str) -> reqwest::Response {
    tokio::time::timeout(Duration::from_secs(10), client.get(url).send())
        .await
        .expect("response head in time")
        .expect("HTTP response")
}

/// How long the simulator may take to notice a client leaving.
const RELEASE: Duration = Duration::from_secs(3);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_at_the_clip_bitrate_and_counts_it() {
    let sim = SimProvider::start(SimConfig::demo()).await;
    let client = client();
    let mut resp = get(&client, &sim.stream_url(SD_ID)).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "video/mp2t");
    assert!(resp.headers().get("content-length").is_none());
    let rate = measure_rate(&mut resp, Duration::from_secs(2)).await;
    let expected = Clip::builtin(ClipKind::Sd).bitrate_bps() as f64 / 8.0;
    println!("SD stream: {rate:.0} B/s, clip {expected:.0} B/s");
    assert!(
        (rate / expected - 1.0).abs() < 0.3,
        "rate {rate:.0} B/s, clip {expected:.0} B/s"
    );
    assert_eq!(sim.open_streams(), 1);
    assert_eq!(sim.stream_connections_total(), 1);
    assert!(sim.stream_bytes_sent() as f64 >= rate * 1.5);
    drop(resp);
    eventually("the stream to close", RELEASE, || sim.open_streams() == 0).await;
    assert_eq!(sim.stream_connections_total(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_path_form_streams_and_refusals_are_panel_like() {
    let sim = SimProvider::start(SimConfig::demo()).await;
    let client = client();
    let c = sim.config();
    let base = sim.base_url();
    let (u, p) = (&c.username, url_segment(&c.password));
    for path in [
        format!("/live/{u}/{p}/{SD_ID}.ts"),
        format!("/{u}/{p}/{SD_ID}.ts"),
        format!("/{u}/{p}/{SD_ID}"),
    ] {
        let mut resp = get(&client, &format!("{base}{path}")).await;
        assert_eq!(resp.status(), 200, "{path}");
        let (data, _) = read_for(&mut resp, Duration::from_millis(300)).await;
        assert_eq!(data.first(), Some(&0x47), "{path}");
    }
    let cases = [
        (format!("/live/{u}/wrong/{SD_ID}.ts"), 401),
        (format!("/{u}/wrong/{SD_ID}"), 401),
        (format!("/live/{u}/{p}/999.ts"), 404),
        (format!("/live/{u}/{p}/{SD_ID}.m3u8"), 404),
        (format!("/live/{u}/{p}/abc.ts"), 404),
    ];
    for (path, status) in cases {
        let resp = get(&client, &format!("{base}{path}")).await;
        assert_eq!(resp.status().as_u16(), status, "{path}");
        if status == 401 {
            assert!(resp.bytes().await.unwrap().is_empty());
        }
    }
    assert_eq!(sim.stream_connections_total(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loop_points_keep_packets_aligned_and_counters_continuous() {
    let mut config = SimConfig::demo();
    config.default_clip = Some(one_second_clip());
    // Three seconds at once: two loop points without waiting for them.
    config.stream_burst = Duration::from_secs(3);
    let sim = SimProvider::start(config).await;
    let mut resp = get(&client(), &sim.stream_url(SD_ID)).await;
    let (data, end) = read_for(&mut resp, Duration::from_millis(1500)).await;
    assert_eq!(end, End::Open);
    let clip_len = one_second_clip().bytes().len();
    assert!(data.len() > 3 * clip_len, "{} bytes", data.len());
    let report = streamforge_ts::check(&data);
    assert_eq!(report.misaligned_at, None);
    assert!(report.cc_errors.is_empty(), "{:?}", report.cc_errors);
    assert_eq!(report.packets as usize * 188, data.len());
}

#[test]
fn ffprobe_sees_1080p_h264_on_an_fhd_stream() {
    need("ffprobe");
    let sim = SimProvider::start_blocking(SimConfig::demo());
    let mut cmd = Command::new("ffprobe");
    cmd.args([
        "-v",
        "error",
        "-show_entries",
        "stream=codec_name,width,height",
    ])
    .args(["-of", "json", "-rw_timeout", "10000000"])
    .arg(sim.stream_url(FHD_ID));
    let (ok, out, err) = run(cmd, Duration::from_secs(30));
    assert!(ok, "ffprobe failed: {err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let streams = json["streams"].as_array().unwrap();
    let video = streams
        .iter()
        .find(|s| s["codec_name"] == "h264")
        .expect("an h264 stream");
    assert_eq!(
        (video["width"].as_u64(), video["height"].as_u64()),
        (Some(1920), Some(1080))
    );
    assert!(streams.iter().any(|s| s["codec_name"] == "aac"), "{out}");
}

#[test]
fn ffmpeg_decodes_a_one_second_clip_looped_six_times_without_errors() {
    need("ffmpeg");
    let mut config = SimConfig::demo();
    config.default_clip = Some(one_second_clip());
    let sim = SimProvider::start_blocking(config);
    let (ok, err) = ffmpeg_decode(&sim.stream_url(SD_ID), 6);
    assert!(ok && err.trim().is_empty(), "ffmpeg: {err}");
}

#[test]
fn ffmpeg_decodes_builtin_clips_across_two_loop_points_without_errors() {
    need("ffmpeg");
    let mut config = SimConfig::demo();
    // Burst the first 9 s so the test does not wait for them.
    config.stream_burst = Duration::from_secs(9);
    let sim = SimProvider::start_blocking(config);
    for id in [FHD_ID, SD_ID] {
        let (ok, err) = ffmpeg_decode(&sim.stream_url(id), 9);
        assert!(ok && err.trim().is_empty(), "ffmpeg on {id}: {err}");
    }
}

/// `ffmpeg -v error -i URL -t SECONDS -f null -`: success and stderr.
fn ffmpeg_decode(url: &str, seconds: u32) -> (bool, String) {
    let mut cmd = Command::new("ffmpeg");
    cmd.args([
        "-nostdin",
        "-v",
        "error",
        "-rw_timeout",
        "10000000",
        "-i",
        url,
    ])
    .args(["-t", &seconds.to_string(), "-f", "null", "-"]);
    let (ok, _, err) = run(cmd, Duration::from_secs(u64::from(seconds) + 30));
    (ok, err)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_fault_answers_new_connections_only() {
    let sim = SimProvider::start(SimConfig::demo()).await;
    let client = client();
    let mut running = get(&client, &sim.stream_url(SD_ID)).await;
    sim.set_fault(Endpoint::Live, Fault::Status(503));
    let resp = get(&client, &sim.stream_url(SD_ID)).await;
    assert_eq!(resp.status(), 503);
    assert!(String::from_utf8_lossy(&resp.bytes().await.unwrap()).contains("503"));
    // One stream's own setting wins over all streams'.
    sim.set_fault(Endpoint::LiveStream(OTHER_ID), Fault::None);
    assert_eq!(get(&client, &sim.stream_url(OTHER_ID)).await.status(), 200);
    let (data, end) = read_for(&mut running, Duration::from_millis(500)).await;
    assert_eq!(end, End::Open);
    assert!(!data.is_empty(), "the running stream keeps flowing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stall_stops_bytes_but_keeps_the_connection_until_cleared() {
    let sim = SimProvider::start(SimConfig::demo()).await;
    let mut resp = get(&client(), &sim.stream_url(SD_ID)).await;
    let (before, _) = read_for(&mut resp, Duration::from_millis(300)).await;
    assert!(!before.is_empty());
    sim.set_fault(Endpoint::LiveStream(SD_ID), Fault::Stall);
    // Whatever was in flight drains first.
    let _ = read_for(&mut resp, Duration::from_millis(200)).await;
    let sent = sim.stream_bytes_sent();
    let (during, end) = read_for(&mut resp, Duration::from_secs(1)).await;
    assert_eq!((during.len(), end), (0, End::Open));
    assert_eq!(sim.stream_bytes_sent(), sent);
    assert_eq!(sim.open_streams(), 1);
    assert!(sim.open_connections() >= 1);
    sim.clear_faults();
    let (after, end) = read_for(&mut resp, Duration::from_millis(500)).await;
    assert_eq!(end, End::Open);
    assert!(!after.is_empty(), "bytes resume once the stall is cleared");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_drops_running_connections_mid_packet_and_new_ones_at_once() {
    let sim = SimProvider::start(SimConfig::demo()).await;
    let client = client();
    let mut resp = get(&client, &sim.stream_url(SD_ID)).await;
    let (mut data, _) = read_for(&mut resp, Duration::from_millis(300)).await;
    sim.set_fault(Endpoint::Live, Fault::Close);
    let (rest, end) = read_for(&mut resp, Duration::from_secs(2)).await;
    data.extend_from_slice(&rest);
    assert_eq!(end, End::Error, "a dropped connection, not a clean end");
    assert_ne!(data.len() % 188, 0, "cut mid-packet");
    eventually("the stream to be gone", RELEASE, || sim.open_streams() == 0).await;
    let new = tokio::time::timeout(
        Duration::from_secs(5),
        client.get(sim.stream_url(SD_ID)).send(),
    )
    .await
    .expect("an answer in time");
    assert!(new.is_err(), "a new connection is dropped: {new:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_sends_non_ts_at_the_rate_then_ts_again() {
    let sim = SimProvider::start(SimConfig::demo()).await;
    sim.set_fault(Endpoint::LiveStream(SD_ID), Fault::Garbage);
    let mut resp = get(&client(), &sim.stream_url(SD_ID)).await;
    assert_eq!(resp.status(), 200);
    let (junk, end) = read_for(&mut resp, Duration::from_millis(800)).await;
    assert_eq!(end, End::Open);
    assert!(junk.len() > 10_000, "{} bytes", junk.len());
    assert_ne!(junk[0], 0x47);
    assert!(String::from_utf8_lossy(&junk).contains("Fatal error"));
    sim.clear_faults();
    let _ = read_for(&mut resp, Duration::from_millis(100)).await;
    let (ts, _) = read_for(&mut resp, Duration::from_millis(300)).await;
    assert_eq!(ts.first(), Some(&0x47), "TS again once cleared");
    assert_eq!(streamforge_ts::check(&ts).misaligned_at, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_fault_trickles_a_running_stream() {
    let sim = SimProvider::start(SimConfig::demo()).await;
    let mut resp = get(&client(), &sim.stream_url(SD_ID)).await;
    let _ = read_for(&mut resp, Duration::from_millis(200)).await;
    sim.set_fault(Endpoint::Live, Fault::Rate(25));
    let _ = read_for(&mut resp, Duration::from_millis(100)).await;
    let rate = measure_rate(&mut resp, Duration::from_secs(2)).await;
    let expected = Clip::builtin(ClipKind::Sd).bitrate_bps() as f64 / 8.0 * 0.25;
    println!("Rate(25): {rate:.0} B/s, expected {expected:.0} B/s");
    assert!(
        (rate / expected - 1.0).abs() < 0.3,
        "rate {rate:.0} B/s, expected {expected:.0} B/s"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_ends_cleanly_after_half_a_second() {
    let sim = SimProvider::start(SimConfig::demo()).await;
    sim.set_fault(Endpoint::Live, Fault::Truncated);
    let mut resp = get(&client(), &sim.stream_url(SD_ID)).await;
    let (data, end) = read_for(&mut resp, Duration::from_secs(3)).await;
    assert_eq!(end, End::Eof);
    let half_second = Clip::builtin(ClipKind::Sd).bitrate_bps() as f64 / 16.0;
    assert!(
        (data.len() as f64 / half_second - 1.0).abs() < 0.1,
        "{} bytes",
        data.len()
    );
    assert_eq!(data.len() % 188, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_to_the_load_balancer_with_a_token_that_expires() {
    let mut config = SimConfig::demo();
    config.stream_redirect = Some(Duration::from_millis(1500));
    let sim = SimProvider::start(config).await;
    let raw = no_redirect_client();
    let asked = Instant::now();
    let resp = get(&raw, &sim.stream_url(SD_ID)).await;
    assert_eq!(resp.status(), 302);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let prefix = format!("http://127.0.0.1:{}/lb/{SD_ID}.ts?token=", sim.lb_port());
    assert!(location.starts_with(&prefix), "{location}");
    // A valid token streams (and keeps streaming past its expiry).
    let mut lb = get(&raw, &location).await;
    assert_eq!(lb.status(), 200);
    assert_eq!(lb.headers()["content-type"], "video/mp2t");
    // Another stream id, or a made-up token: refused.
    let other = location.replace(&format!("/lb/{SD_ID}.ts"), &format!("/lb/{FHD_ID}.ts"));
    assert_eq!(get(&raw, &other).await.status(), 403);
    let made_up = format!("{prefix}00112233445566778899aabbccddeeff");
    assert_eq!(get(&raw, &made_up).await.status(), 403);
    // A following client gets the stream in one go.
    let mut followed = get(&client(), &sim.stream_url(FHD_ID)).await;
    assert_eq!(followed.status(), 200);
    let (data, _) = read_for(&mut followed, Duration::from_millis(300)).await;
    assert_eq!(data.first(), Some(&0x47));
    drop(followed);
    // The token lives 1.5 s from its issue (after `asked`): asked again until
    // refused, it streams until then and is refused not before.
    let refused_at = loop {
        let status = get(&raw, &location).await.status();
        if status == 403 {
            break Instant::now();
        }
        assert_eq!(status, 200, "a live token streams");
        assert!(
            asked.elapsed() < Duration::from_secs(5),
            "the token never expired"
        );
        // Poll interval: each answer opens (and drops) a stream.
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let life = refused_at - asked;
    assert!(
        life >= Duration::from_millis(1500),
        "expired after {life:?}"
    );
    let (data, end) = read_for(&mut lb, Duration::from_millis(300)).await;
    assert_eq!(end, End::Open);
    assert!(!data.is_empty());
    assert!(sim
        .request_log()
        .iter()
        .any(|r| r.path == format!("/lb/{SD_ID}.ts")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_limit_the_oldest_stream_is_evicted() {
    let mut config = SimConfig::demo();
    config.max_connections = 2;
    config.evict_oldest = true;
    let sim = SimProvider::start(config).await;
    let client = client();
    let mut a = get(&client, &sim.stream_url(SD_ID)).await;
    let mut b = get(&client, &sim.stream_url(OTHER_ID)).await;
    let _ = read_for(&mut a, Duration::from_millis(100)).await;
    assert_eq!(sim.open_streams(), 2);
    let mut c = get(&client, &sim.stream_url(FHD_ID)).await;
    assert_eq!(c.status(), 200);
    let (_, end) = read_for(&mut a, Duration::from_secs(2)).await;
    assert_eq!(end, End::Error, "the oldest stream is closed");
    for (name, resp) in [("b", &mut b), ("c", &mut c)] {
        let (data, end) = read_for(resp, Duration::from_millis(300)).await;
        assert_eq!(end, End::Open, "{name}");
        assert!(!data.is_empty(), "{name}");
    }
    assert_eq!(sim.open_streams(), 2);
    assert_eq!(sim.stream_connections_total(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enforced_limit_below_the_advertised_one_evicts_and_active_cons_counts() {
    let mut config = SimConfig::demo();
    // Advertises 2, really allows 1 (evict_oldest stays off: the enforced
    // limit alone closes the oldest).
    config.max_connections = 2;
    config.enforced_connections = Some(1);
    config.active_cons = 0;
    let sim = SimProvider::start(config).await;
    let client = client();
    let account = || async {
        let url = format!(
            "{}/player_api.php?username={}&password={}",
            sim.base_url(),
            sim.config().username,
            url_segment(&sim.config().password)
        );
        let body = get(&client, &url).await.bytes().await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        v["user_info"].clone()
    };
    let info = account().await;
    assert_eq!(info["max_connections"], "2", "{info}");
    assert_eq!(info["active_cons"], "0", "{info}");
    let mut a = get(&client, &sim.stream_url(SD_ID)).await;
    let (data, end) = read_for(&mut a, Duration::from_millis(200)).await;
    assert_eq!(end, End::Open);
    assert!(!data.is_empty());
    assert_eq!(account().await["active_cons"], "1");
    let mut b = get(&client, &sim.stream_url(OTHER_ID)).await;
    assert_eq!(b.status(), 200);
    let (_, end) = read_for(&mut a, Duration::from_secs(2)).await;
    assert_eq!(
        end,
        End::Error,
        "the oldest stream is closed at the real limit"
    );
    let (data, end) = read_for(&mut b, Duration::from_millis(300)).await;
    assert_eq!(end, End::Open);
    assert!(!data.is_empty());
    assert_eq!(sim.open_streams(), 1);
    assert_eq!(
        account().await["active_cons"],
        "1",
        "the evicted one is not counted"
    );
    drop(b);
    eventually("the stream to close", RELEASE, || sim.open_streams() == 0).await;
    assert_eq!(account().await["active_cons"], "0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_eviction_the_simulator_enforces_no_limit() {
    let mut config = SimConfig::demo();
    config.max_connections = 1;
    let sim = SimProvider::start(config).await;
    let client = client();
    let mut streams = Vec::new();
    for _ in 0..3 {
        streams.push(get(&client, &sim.stream_url(SD_ID)).await);
    }
    for resp in &mut streams {
        let (data, end) = read_for(resp, Duration::from_millis(200)).await;
        assert_eq!(end, End::Open);
        assert!(!data.is_empty());
    }
    assert_eq!(sim.open_streams(), 3);
}

/// A credential as one URL path segment.
fn url_segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_stream_whose_client_leaves_is_released() {
    let sim = SimProvider::start(SimConfig::demo()).await;
    let mut resp = get(&client(), &sim.stream_url(SD_ID)).await;
    let _ = read_for(&mut resp, Duration::from_millis(200)).await;
    sim.set_fault(Endpoint::Live, Fault::Stall);
    // The stall is in force once the sender stops: nothing sent for five of
    // its 20 ms slices (the simulator has no other sign of it).
    let mut last = (sim.stream_bytes_sent(), Instant::now());
    eventually("the stall to stop the sender", RELEASE, || {
        let sent = sim.stream_bytes_sent();
        if sent != last.0 {
            last = (sent, Instant::now());
        }
        last.1.elapsed() >= Duration::from_millis(100)
    })
    .await;
    assert_eq!(sim.open_streams(), 1);
    drop(resp);
    eventually("the stalled stream to be released", RELEASE, || {
        sim.open_streams() == 0 && sim.open_connections() == 0
    })
    .await;
}
