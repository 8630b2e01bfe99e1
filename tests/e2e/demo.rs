//! `streamforge demo` on a fresh machine: a lineup served from the
//! simulated provider, and a clean exit on SIGTERM that removes its data.

use crate::common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

#[test]
fn demo_serves_a_lineup_and_cleans_up() {
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_streamforge"))
        .args(["demo", "--listen", "127.0.0.1:0"])
        .env("STREAMFORGE_CACHE", common::plugin_cache())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Killed and reaped on every way out, a failed assertion included.
    let mut child = common::Reaped(child);
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.0.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut base = None;
    let mut data_dir = None;
    let mut watch = None;
    let mut stall = None;
    let mut player = None;
    let mut printed = String::new();
    while base.is_none() || watch.is_none() || stall.is_none() || player.is_none() {
        let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) else {
            panic!("demo did not come up; it printed:\n{printed}");
        };
        printed.push_str(&line);
        printed.push('\n');
        if let Some(dir) = line.split("(data dir ").nth(1) {
            data_dir = Some(dir.split(", removed").next().unwrap().to_string());
        }
        if let Some(url) = line.split("curl -X POST '").nth(1) {
            stall = Some(url.split('\'').next().unwrap().to_string());
        }
        if let Some(url) = line.split("`ffplay ").nth(1) {
            watch = Some(url.split('`').next().unwrap().to_string());
        }
        if let Some(sign_in) = line.split("in an Xtream Codes player: server ").nth(1) {
            let field = |after: &str| {
                sign_in
                    .split(after)
                    .nth(1)
                    .and_then(|r| r.split('`').next())
                    .map(str::to_string)
            };
            player = Some((
                sign_in.split(',').next().unwrap().to_string(),
                field("user `").unwrap(),
                field("password `").unwrap(),
            ));
        }
        if let Some(url) = line.split("tuner (HDHomeRun) address: ").nth(1) {
            base = Some(url.trim().to_string());
        }
    }
    let base = base.unwrap();
    let data_dir = data_dir.expect("the demo names its data dir");

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let lineup: serde_json::Value = rt.block_on(async {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        client
            .get(format!("{base}/lineup.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert!(lineup.as_array().unwrap().len() >= 5, "{lineup}");
    assert!(printed.contains("guide channels matched"), "{printed}");
    // The Xtream user it prints signs in.
    let (server, user, password) = player.unwrap();
    let account: serde_json::Value = rt.block_on(async {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        client
            .get(format!(
                "{server}/player_api.php?username={user}&password={password}"
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert_eq!(account["user_info"]["auth"], 1, "{account}");

    // The channel the demo suggests plays: ffprobe finds H.264 video in it.
    let watch = watch.unwrap_or_else(|| panic!("the demo prints no ffplay command:\n{printed}"));
    let probe = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=codec_name",
        ])
        .args(["-of", "csv=p=0", "-rw_timeout", "20000000", &watch])
        .output()
        .expect("ffprobe is needed: apt-get install ffmpeg");
    assert!(
        probe.status.success(),
        "{}",
        String::from_utf8_lossy(&probe.stderr)
    );
    let codecs = String::from_utf8_lossy(&probe.stdout).into_owned();
    assert_eq!(codecs.lines().next(), Some("h264"), "{codecs}");

    // The failover the demo suggests: ffmpeg keeps decoding across a forced stall.
    let metrics = || {
        rt.block_on(async {
            let client = reqwest::Client::builder().no_proxy().build().unwrap();
            let token = std::fs::read_to_string(format!("{data_dir}/admin.token")).unwrap();
            let answer = client
                .get(format!("{base}/metrics"))
                .bearer_auth(token.trim())
                .send()
                .await;
            answer.unwrap().text().await.unwrap()
        })
    };
    let value = |metrics: &str, name: &str| {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let sent_before = value(&metrics(), "streamforge_sent_bytes_total");
    let ffmpeg = common::decode(&watch, 7);
    // ffmpeg is the channel's one viewer and has been sent a second of it
    // (at least a second of the demo's smallest clip) before the stall.
    let second = streamforge_sim::Clip::builtin(streamforge_sim::ClipKind::Sd).bitrate_bps() / 8;
    common::wait_for_ok(
        "ffmpeg playing the channel",
        Duration::from_secs(30),
        || {
            let now = metrics();
            let sent = value(&now, "streamforge_sent_bytes_total") - sent_before;
            if value(&now, "streamforge_viewers") == 1 && sent >= second {
                Ok(())
            } else {
                Err(format!("{sent} bytes sent since ffmpeg started; {now}"))
            }
        },
    );
    let stall = stall.unwrap();
    let answer = rt.block_on(async {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        client.post(&stall).send().await.unwrap().status()
    });
    assert_eq!(answer, 200, "{stall}");
    let (ok, errors) = common::finish(ffmpeg, Duration::from_secs(40));
    assert!(ok, "ffmpeg across the failover: {errors}");
    assert!(errors.lines().count() <= 5, "{errors}");

    // SIGTERM: a graceful stop that removes the throw-away data dir.
    // SAFETY: signalling our own child process.
    unsafe { libc::kill(child.pid() as i32, libc::SIGTERM) };
    let status = common::wait_for("demo stopping on SIGTERM", Duration::from_secs(20), || {
        child.0.try_wait().unwrap()
    });
    assert!(status.success(), "demo exited with {status}");
    assert!(
        !std::path::Path::new(&data_dir).exists(),
        "{data_dir} was left behind"
    );
}
