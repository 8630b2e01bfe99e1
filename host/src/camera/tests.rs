//! The registry against a real RTSP camera (GStreamer's RTSP server started
//! by the test on loopback): one session and one decode whatever the
//! viewers and levels, frames of the level's size at its rate, snapshots at
//! once, the limit, and a camera that dies and comes back.

use super::level::Levels;
use super::registry::{CameraDef, CameraError, Cameras, Settings};
use bytes::Bytes;
use std::sync::Arc;
use std::time::{Duration, Instant};
use streamforge_testkit::camera::{jpeg_size, CameraOptions, RtspCamera};

fn def(id: &str, url: String) -> CameraDef {
    CameraDef {
        id: id.into(),
        name: id.into(),
        source_url: url,
        redact: vec![],
    }
}

fn registry(max_streams: usize) -> Arc<Cameras> {
    let settings = Settings {
        max_streams,
        grace: Duration::from_millis(500),
        ..Settings::default()
    };
    Cameras::new(settings, Arc::new(|_, _, _| {}))
}

/// Frames received by `rx` during `window`.
async fn frames_in(
    rx: &mut tokio::sync::broadcast::Receiver<Bytes>,
    window: Duration,
) -> Vec<Bytes> {
    let end = tokio::time::Instant::now() + window;
    let mut got = vec![];
    while let Ok(r) = tokio::time::timeout_at(end, rx.recv()).await {
        match r {
            Ok(f) => got.push(f),
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
            Err(e) => panic!("frames ended: {e}"),
        }
    }
    got
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_viewers_on_two_levels_share_one_rtsp_session_and_get_their_level() {
    let camera = RtspCamera::start(CameraOptions {
        width: 1920,
        height: 1080,
        ..CameraOptions::default()
    });
    let cams = registry(10);
    cams.set(vec![def("front", camera.url())]);
    let levels = Levels::defaults();
    let (low, high) = (levels.index("low").unwrap(), levels.index("high").unwrap());
    let mut viewers = vec![];
    for i in 0..10 {
        viewers.push(
            cams.watch("front", if i % 2 == 0 { low } else { high })
                .unwrap(),
        );
    }
    // Wait for frames on both levels.
    let mut low_rx = viewers[0].frames();
    let mut high_rx = viewers[1].frames();
    let first = tokio::time::timeout(Duration::from_secs(20), low_rx.recv())
        .await
        .expect("a first low frame within 20 s")
        .unwrap();
    assert_eq!(jpeg_size(&first), (640, 360));
    let lows = frames_in(&mut low_rx, Duration::from_secs(3)).await;
    let highs = frames_in(&mut high_rx, Duration::from_secs(3)).await;
    // 5 fps and 15 fps ±20 % (the source gives 15).
    assert!(
        (12..=18).contains(&lows.len()),
        "low: {} frames in 3 s",
        lows.len()
    );
    assert!(
        (36..=54).contains(&highs.len()),
        "high: {} frames in 3 s",
        highs.len()
    );
    assert_eq!(jpeg_size(&highs[0]), (1920, 1080));
    assert_eq!(
        camera.sessions(),
        1,
        "ten viewers, two levels: one RTSP session"
    );
    assert_eq!(camera.sessions_total(), 1);
    let view = &cams.list()[0];
    assert_eq!(
        (view.viewers, view.online, view.levels.len()),
        (10, true, 2)
    );

    // A snapshot of a streaming camera comes at once.
    let t = Instant::now();
    let snap = cams.snapshot("front", low, None).await.unwrap();
    assert!(
        t.elapsed() < Duration::from_millis(100),
        "snapshot took {:?}",
        t.elapsed()
    );
    assert_eq!(jpeg_size(&snap), (640, 360));
    let medium = levels.index("medium").unwrap();
    let t = Instant::now();
    let snap = cams.snapshot("front", medium, Some(320)).await.unwrap();
    assert_eq!(jpeg_size(&snap), (320, 180));
    assert!(
        t.elapsed() < Duration::from_millis(300),
        "scaled snapshot took {:?}",
        t.elapsed()
    );
    assert_eq!(camera.sessions_total(), 1, "snapshots start no decoder");

    // Everyone leaves: the camera stops after the grace time.
    drop(viewers);
    let deadline = Instant::now() + Duration::from_secs(10);
    while cams.streaming() > 0 || camera.sessions() > 0 {
        assert!(
            Instant::now() < deadline,
            "the camera did not stop after its last viewer"
        );
        cams.reap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_limit_refuses_the_next_camera_and_a_dead_camera_comes_back() {
    let mut a = RtspCamera::start(CameraOptions {
        width: 640,
        height: 360,
        ..CameraOptions::default()
    });
    let b = RtspCamera::start(CameraOptions {
        width: 640,
        height: 360,
        ..CameraOptions::default()
    });
    let cams = registry(1);
    cams.set(vec![def("a", a.url()), def("b", b.url())]);
    let low = Levels::defaults().index("low").unwrap();
    let viewer = cams.watch("a", low).unwrap();
    assert_eq!(cams.watch("b", low).err(), Some(CameraError::Limit(1)));
    assert_eq!(b.sessions_total(), 0, "a refused camera is not contacted");
    assert!(matches!(
        cams.watch("nope", low),
        Err(CameraError::Unknown(_))
    ));
    // More viewers of a streaming camera are never refused by the limit.
    let second = cams.watch("a", low).unwrap();

    let mut rx = viewer.frames();
    let mut online = viewer.online();
    tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .expect("frames within 20 s")
        .unwrap();
    // The camera dies: the viewer hears it is offline, then frames resume
    // once it is back, on the same subscription.
    a.stop();
    tokio::time::timeout(Duration::from_secs(15), online.wait_for(|up| !*up))
        .await
        .expect("offline noticed within 15 s")
        .unwrap();
    a.restart();
    tokio::time::timeout(Duration::from_secs(30), online.wait_for(|up| *up))
        .await
        .expect("back online within 30 s")
        .unwrap();
    let resumed = frames_in(&mut rx, Duration::from_secs(2)).await;
    assert!(
        !resumed.is_empty(),
        "frames resume after the camera came back"
    );
    assert!(cams.list()[0].restarts >= 1);
    drop((viewer, second));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_camera_snapshot_starts_one_shared_decode() {
    let camera = RtspCamera::start(CameraOptions {
        width: 640,
        height: 360,
        ..CameraOptions::default()
    });
    let cams = registry(10);
    cams.set(vec![def("door", camera.url())]);
    let low = Levels::defaults().index("low").unwrap();
    let (x, y) = tokio::join!(
        cams.snapshot("door", low, None),
        cams.snapshot("door", low, None)
    );
    assert_eq!(jpeg_size(&x.unwrap()), (640, 360));
    assert_eq!(jpeg_size(&y.unwrap()), (640, 360));
    assert_eq!(camera.sessions_total(), 1, "two snapshots, one decode");
    // An unreachable camera answers offline, within the first-picture wait.
    cams.set(vec![def("gone", "rtsp://127.0.0.1:1/cam".into())]);
    let err = cams.snapshot("gone", low, None).await.unwrap_err();
    assert!(matches!(err, CameraError::Offline(..)), "{err:?}");
}
