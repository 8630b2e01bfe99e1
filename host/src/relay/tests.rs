//! The fan-out in-process, with a real ffmpeg-made clip: joiners start at a
//! clean point, a viewer that falls behind skips to a keyframe without
//! slowing anyone, a stuck one is let go, and memory stays bounded.

use super::config::RelayConfig;
use super::direct::{DirectViewers, Joiner};
use super::hub::Hub;
use super::metrics::Metrics;
use super::viewer::{self, ViewerGuard};
use crate::routing::table::ChannelRoute;
use bytes::Bytes;
use http_body_util::BodyExt;
use std::sync::Arc;
use std::time::Duration;
use streamforge_sim::{Clip, ClipKind};
use streamforge_ts::{Packet, Tracker};

fn hub(buffer: usize) -> Arc<Hub> {
    let route = Arc::new(ChannelRoute {
        number: "5".into(),
        guide_id: "five.uk".into(),
        name: "Five".into(),
        streams: Vec::new(),
    });
    let config = RelayConfig {
        channel_buffer: buffer,
        ..RelayConfig::default()
    };
    Hub::new(route, crate::store::MAIN_LINEUP, 0, &config)
}

/// The SD clip as chunks of about 20 packets, as a provider would send it.
fn clip_chunks() -> Vec<Bytes> {
    let clip = Clip::builtin(ClipKind::Sd);
    clip.bytes()
        .chunks(188 * 20)
        .map(Bytes::copy_from_slice)
        .collect()
}

fn join(hub: &Arc<Hub>, metrics: &Arc<Metrics>) -> axum::body::Body {
    let lease = hub.add_viewer(Default::default());
    let (prefix, rx) = hub.subscribe().expect("open");
    let guard = ViewerGuard {
        hub: hub.clone(),
        lease,
    };
    viewer::body(guard, prefix, rx, metrics.clone())
}

async fn next(body: &mut axum::body::Body) -> Option<Bytes> {
    let frame = tokio::time::timeout(Duration::from_secs(5), body.frame())
        .await
        .expect("a frame within 5 s")?;
    frame.ok()?.into_data().ok()
}

/// Joiners at every point of a stream delivered in reads of many sizes (a
/// big read, as from a fast provider, often holds PATs after its keyframe)
/// get a stream without one counter jump: the PAT/PMT copies fit what follows.
#[tokio::test]
async fn a_joiners_stream_is_continuous_from_its_first_packet() {
    let clip = Clip::builtin(ClipKind::Sd);
    let metrics = Arc::new(Metrics::default());
    // 800 packets: a read gathered by the kernel (split into chunks by the hub).
    for packets in [20, 60, 120, 200, 348, 800] {
        let chunks: Vec<Bytes> = clip
            .bytes()
            .chunks(188 * packets)
            .map(Bytes::copy_from_slice)
            .collect();
        joiners_at_every_chunk(&chunks, &metrics).await;
    }
}

async fn joiners_at_every_chunk(chunks: &[Bytes], metrics: &Arc<Metrics>) {
    for join_at in 1..chunks.len() {
        let hub = hub(4 << 20);
        let sender = hub.sender().unwrap();
        let mut direct = DirectViewers::new(metrics.clone());
        let mut tracker = Tracker::new();
        for c in &chunks[..join_at] {
            hub.deliver(&sender, &mut direct, c.clone(), &mut tracker, false);
        }
        let mut body = join(&hub, metrics);
        // Fewer than the ring holds: this viewer never falls behind.
        let end = chunks.len().min(join_at + 15);
        for c in &chunks[join_at..end] {
            hub.deliver(&sender, &mut direct, c.clone(), &mut tracker, false);
        }
        hub.close();
        drop(sender);
        let mut seen = Vec::new();
        while let Some(data) = next(&mut body).await {
            seen.extend_from_slice(&data);
        }
        assert!(
            seen.len() > 188 * 100,
            "joined after chunk {join_at}: {} bytes",
            seen.len()
        );
        let report = streamforge_ts::check(&seen);
        assert_eq!(
            report.misaligned_at,
            None,
            "joined after chunk {join_at} of {}",
            chunks.len()
        );
        assert!(
            report.cc_errors.is_empty(),
            "joined after chunk {join_at} of {}: {:?}",
            chunks.len(),
            &report.cc_errors[..report.cc_errors.len().min(3)]
        );
    }
}

/// A read bigger than a chunk (the kernel gathers a steady stream into
/// reads of ~100 ms) is split between packets: every chunk a viewer gets is
/// whole packets.
#[tokio::test]
async fn big_reads_are_split_between_packets() {
    let hub = hub(4 << 20);
    let sender = hub.sender().unwrap();
    let metrics = Arc::new(Metrics::default());
    let mut direct = DirectViewers::new(metrics.clone());
    let mut tracker = Tracker::new();
    let mut body = join(&hub, &metrics);
    let clip = Clip::builtin(ClipKind::Sd);
    // Four reads of 800 packets: fewer chunks than the ring holds.
    let mut reads = 0;
    for big in clip.bytes().chunks(188 * 800).take(4) {
        hub.deliver(
            &sender,
            &mut direct,
            Bytes::copy_from_slice(big),
            &mut tracker,
            false,
        );
        reads += 1;
    }
    hub.close();
    drop(sender);
    let mut chunks = 0;
    while let Some(data) = next(&mut body).await {
        assert_eq!(data.len() % 188, 0, "chunk {chunks}: {} bytes", data.len());
        assert_eq!(data[0], 0x47, "chunk {chunks} starts at a packet");
        chunks += 1;
    }
    assert!(chunks > reads, "{reads} reads were split: {chunks} chunks");
}

#[tokio::test]
async fn a_joiner_starts_at_pat_then_a_keyframe() {
    let hub = hub(4 << 20);
    let sender = hub.sender().unwrap();
    let mut tracker = Tracker::new();
    let chunks = clip_chunks();
    let metrics = Arc::new(Metrics::default());
    let mut direct = DirectViewers::new(metrics.clone());
    for c in &chunks[..chunks.len() / 2] {
        hub.deliver(&sender, &mut direct, c.clone(), &mut tracker, false);
    }
    let mut body = join(&hub, &metrics);
    let first = next(&mut body).await.unwrap();
    assert_eq!(Packet::new(&first[..188]).unwrap().pid(), 0, "PAT first");
    let second = next(&mut body).await.unwrap();
    let video = tracker.video_pid().unwrap();
    let p = Packet::new(&second[..188]).unwrap();
    assert!(
        p.pid() == video && p.pusi(),
        "then the keyframe's first packet"
    );
    assert_eq!(hub.viewer_count(), 1);
    drop(body);
    assert_eq!(hub.viewer_count(), 0, "leaving gives the place back");
}

#[tokio::test]
async fn a_slow_viewer_skips_ahead_and_a_stuck_one_is_let_go() {
    // A small ring (16 chunks) that a viewer who reads nothing overflows.
    let hub = hub(64 * 1024);
    let sender = hub.sender().unwrap();
    let mut tracker = Tracker::new();
    let metrics = Arc::new(Metrics::default());
    let mut direct = DirectViewers::new(metrics.clone());
    let mut fast = join(&hub, &metrics);
    let mut slow = join(&hub, &metrics);
    let stuck = join(&hub, &metrics);
    let mut fast_bytes = Vec::new();
    let mut sent = 0;
    for c in clip_chunks().iter().cycle().take(200) {
        sent += c.len();
        hub.deliver(&sender, &mut direct, c.clone(), &mut tracker, false);
        fast_bytes.extend_from_slice(&next(&mut fast).await.unwrap());
    }
    assert_eq!(fast_bytes.len(), sent, "the fast viewer got everything");
    assert_eq!(streamforge_ts::check(&fast_bytes).misaligned_at, None);

    // The slow one lagged: it resumes at PAT, then a keyframe, whole packets.
    let resumed = next(&mut slow).await.unwrap();
    assert_eq!(
        metrics
            .viewers_lagged
            .load(std::sync::atomic::Ordering::Relaxed),
        1,
        "the slow one lagged once; the stuck one never read"
    );
    // One frame: each PID's marker, PAT, PMT, then the keyframe.
    let video = tracker.video_pid().unwrap();
    let with_payload: Vec<Packet<'_>> = resumed
        .chunks_exact(188)
        .filter_map(Packet::new)
        .filter(|p| p.has_payload())
        .collect();
    assert_eq!(with_payload[0].pid(), 0);
    let p = with_payload.iter().find(|p| p.pid() == video).unwrap();
    assert!(p.pusi());

    // Memory held per channel stays within the configured bound.
    assert!(hub.buffered() <= 64 * 1024, "{}", hub.buffered());

    // The stuck one made no progress since it joined, at 0 ms on the hub's
    // clock (wall time, which paused tokio time would not move): once that
    // clock is past the stuck time, the sweep lets it go, not the others,
    // who have just made progress. A sweep with an hour's patience moves
    // the clock and lets no one go.
    assert_eq!(hub.viewer_count(), 3);
    let stuck_after = Duration::from_millis(5);
    streamforge_testkit::wait_until(
        "the hub's clock past the stuck time",
        Duration::from_secs(5),
        || {
            assert_eq!(hub.sweep(Duration::from_secs(3600)), 0);
            hub.now_ms() > stuck_after.as_millis() as u64
        },
    );
    hub.deliver(
        &sender,
        &mut direct,
        clip_chunks()[0].clone(),
        &mut tracker,
        false,
    );
    let _ = next(&mut fast).await;
    let _ = next(&mut slow).await;
    assert_eq!(hub.sweep(stuck_after), 1);
    assert_eq!(hub.viewer_count(), 2);
    drop(stuck);
    assert_eq!(hub.viewer_count(), 2, "counted once");

    // Closing the hub ends every body cleanly.
    hub.close();
    drop(sender);
    let mut left = 0;
    while next(&mut fast).await.is_some() {
        left += 1;
        assert!(left < 100);
    }
}

/// Viewers that fall behind and skip ahead, on an HTTP body and on their
/// own socket, resume at PAT, PMT and a keyframe, and the jump of each
/// PID's counters there is marked: what each got, before and after the
/// skip, has no unmarked counter jump.
#[tokio::test]
async fn viewers_that_skipped_ahead_have_every_jump_marked() {
    use tokio::io::AsyncReadExt;
    let hub = hub(4 << 20);
    let sender = hub.sender().unwrap();
    let mut tracker = Tracker::new();
    let metrics = Arc::new(Metrics::default());
    let mut direct = DirectViewers::new(metrics.clone());
    // The clip once (looping it would restart its counters), in chunks of 5
    // packets: keyframes at chunks 0, 66, 134 and 202 of 275.
    let chunks: Vec<Bytes> = Clip::builtin(ClipKind::Sd)
        .bytes()
        .chunks(188 * 5)
        .map(Bytes::copy_from_slice)
        .collect();
    assert!(chunks.len() > 250, "{} chunks", chunks.len());

    // A body viewer reads 5 chunks, then nothing until chunk 100: its ring of
    // 16 overflows. A viewer on its own socket reads nothing until the end:
    // its socket buffers (~64 KiB) and queue (16 chunks) overflow.
    let mut body = join(&hub, &metrics);
    let mut lagging = DirectViewers::new(metrics.clone());
    let (_, mut ring) = hub.subscribe().unwrap();
    let mut client = add_socket_viewer(&hub, &mut lagging).await;
    let mut body_got = Vec::new();
    let mut reader = None;
    let mut direct_got = vec![0u8; 1 << 20];
    let mut got = 0;
    for (i, c) in chunks.iter().enumerate() {
        hub.deliver(&sender, &mut direct, c.clone(), &mut tracker, false);
        while let Ok(chunk) = ring.try_recv() {
            lagging.send(&chunk, false);
        }
        if i < 5 {
            body_got.extend_from_slice(&next(&mut body).await.unwrap());
        } else if i == 100 {
            let mut body = std::mem::replace(&mut body, axum::body::Body::empty());
            reader = Some(tokio::spawn(async move {
                let mut rest = Vec::new();
                while let Some(data) = next(&mut body).await {
                    rest.extend_from_slice(&data);
                }
                rest
            }));
        }
        if reader.is_some() {
            // The reading one takes each chunk as it comes.
            tokio::task::yield_now().await;
        }
        // From chunk 120 on (it has fallen behind), the socket's reader
        // reads until what was queued for it is written.
        if i >= 120 || i == chunks.len() - 1 {
            let reading = read_while_queued(&mut lagging, &mut client, &mut direct_got, &mut got);
            tokio::time::timeout(Duration::from_secs(5), reading)
                .await
                .expect("the socket viewer drains once it reads");
        }
    }
    hub.close();
    drop(sender);
    drop(body);
    body_got.extend_from_slice(&reader.unwrap().await.unwrap());
    // All of it was written, whole chunks: read up to the last packet's end.
    let rest = async {
        while got % 188 != 0 || got == 0 {
            got += client.read(&mut direct_got[got..]).await.unwrap();
        }
    };
    tokio::time::timeout(Duration::from_secs(5), rest)
        .await
        .expect("the rest is there");
    direct_got.truncate(got);
    assert!(
        metrics
            .viewers_lagged
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 2,
        "both fell behind"
    );

    let sent: usize = chunks.iter().map(Bytes::len).sum();
    let video = tracker.video_pid().unwrap();
    for (who, bytes) in [("body", &body_got), ("socket", &direct_got)] {
        assert!(bytes.len() < sent, "{who}: it skipped");
        let report = streamforge_ts::check(bytes);
        assert_eq!(report.misaligned_at, None, "{who}");
        assert!(
            report.cc_errors.is_empty(),
            "{who}: unmarked jumps {:?}",
            report.cc_errors
        );
        // PAT, PMT, video and audio: a marker each where it resumed.
        assert!(
            report.discontinuities >= 4,
            "{who}: {} markers",
            report.discontinuities
        );
        // Where it resumed: PAT first, then video from a picture start.
        let at = report.discontinuity_offsets[0] as usize;
        let resumed: Vec<Packet<'_>> = bytes[at..]
            .chunks_exact(188)
            .filter_map(Packet::new)
            .filter(|p| p.has_payload())
            .collect();
        assert_eq!(resumed[0].pid(), 0, "{who}: PAT first");
        let first_video = resumed.iter().find(|p| p.pid() == video).unwrap();
        assert!(
            first_video.pusi(),
            "{who}: video resumes at a picture start"
        );
    }
}

/// A loopback connection: the server's end (small send buffer, as the pump
/// holds it) and the viewer's (small receive buffer), so a viewer that does
/// not read fills them after a few chunks.
async fn socket_pair() -> (tokio::net::TcpStream, tokio::net::TcpStream) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = tokio::net::TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    socket2::SockRef::from(&server)
        .set_send_buffer_size(16 * 1024)
        .unwrap();
    socket2::SockRef::from(&client)
        .set_recv_buffer_size(16 * 1024)
        .unwrap();
    (server, client)
}

/// A viewer the pump writes to: added with the hub's clean-point prefix.
async fn join_direct(
    hub: &Arc<Hub>,
    direct: &mut DirectViewers,
) -> tokio::task::JoinHandle<Vec<u8>> {
    let client = add_socket_viewer(hub, direct).await;
    // Reads everything until the pump closes the socket.
    tokio::spawn(async move {
        use tokio::io::AsyncReadExt;
        let mut client = client;
        let mut seen = Vec::new();
        client.read_to_end(&mut seen).await.unwrap();
        seen
    })
}

/// Reads `client` into `buf` (from `got` on) while `viewers` still has
/// bytes queued, writing them as its socket drains.
async fn read_while_queued(
    viewers: &mut DirectViewers,
    client: &mut tokio::net::TcpStream,
    buf: &mut [u8],
    got: &mut usize,
) {
    use tokio::io::AsyncReadExt;
    while viewers.any_waiting() {
        tokio::select! {
            n = client.read(&mut buf[*got..]) => {
                let n = n.unwrap();
                assert!(n > 0);
                *got += n;
            }
            () = viewers.writable() => viewers.flush_waiting(),
        }
    }
}

/// Adds a viewer on its own socket to `direct` (with the hub's clean-point
/// prefix); returns the viewer's end, which nothing reads yet.
async fn add_socket_viewer(hub: &Arc<Hub>, direct: &mut DirectViewers) -> tokio::net::TcpStream {
    let (server, client) = socket_pair().await;
    let guard = ViewerGuard {
        hub: hub.clone(),
        lease: hub.add_viewer(Default::default()),
    };
    let (prefix, seq) = hub.join_prefix();
    direct.add(
        Joiner {
            socket: server,
            guard,
        },
        prefix,
        seq,
    );
    client
}

/// Waits (bounded) until every viewer of `direct` took what it was given.
async fn drain(direct: &mut DirectViewers) {
    tokio::time::timeout(Duration::from_secs(5), async {
        while direct.any_waiting() {
            direct.writable().await;
            direct.flush_waiting();
        }
    })
    .await
    .expect("a reading viewer drains within 5 s");
}

/// The socket path: a viewer that reads gets every byte from a clean point,
/// whole packets, continuity clean, while one that does not read skips
/// ahead to PAT + keyframe (counted) without holding anyone up, and one let
/// go by the sweep has its socket closed.
#[tokio::test]
async fn viewers_on_their_own_sockets_get_every_byte_skip_ahead_or_are_let_go() {
    use tokio::io::AsyncReadExt;
    let hub = hub(4 << 20);
    let sender = hub.sender().unwrap();
    let mut tracker = Tracker::new();
    let metrics = Arc::new(Metrics::default());
    let chunks = clip_chunks();
    let mut direct = DirectViewers::new(metrics.clone());
    for c in &chunks[..chunks.len() / 3] {
        hub.deliver(&sender, &mut direct, c.clone(), &mut tracker, false);
    }
    let fast = join_direct(&hub, &mut direct).await;
    // The viewer that does not read is fed the same chunks through a second
    // set (the ring gives them back), so the fast one can be drained alone.
    let mut lagging = DirectViewers::new(metrics.clone());
    let (_, mut ring) = hub.subscribe().unwrap();
    let mut feed_lagging = |lagging: &mut DirectViewers| {
        while let Ok(chunk) = ring.try_recv() {
            lagging.send(&chunk, false);
        }
    };
    let mut slow_client = add_socket_viewer(&hub, &mut lagging).await;
    assert_eq!(hub.viewer_count(), 2);
    let mut sent = 0;
    // The rest of the clip (looping it would restart its counters).
    for c in &chunks[chunks.len() / 3..] {
        sent += c.len();
        hub.deliver(&sender, &mut direct, c.clone(), &mut tracker, false);
        feed_lagging(&mut lagging);
        drain(&mut direct).await;
    }
    let lagged = metrics
        .viewers_lagged
        .load(std::sync::atomic::Ordering::Relaxed);
    assert!(lagged >= 1, "the viewer that does not read fell behind");
    assert!(lagging.any_waiting());
    drop(direct);
    let fast = tokio::time::timeout(Duration::from_secs(5), fast)
        .await
        .unwrap()
        .unwrap();
    assert!(fast.len() > sent, "{} of {sent}", fast.len());
    assert_eq!(Packet::new(&fast[..188]).unwrap().pid(), 0, "PAT first");
    let report = streamforge_ts::check(&fast);
    assert_eq!(report.misaligned_at, None);
    assert!(report.cc_errors.is_empty(), "{:?}", &report.cc_errors[..1]);

    // The one that did not read gets what it was given once it reads:
    // whole packets, far less than was sent (it skipped).
    let mut slow = vec![0u8; 1 << 20];
    let mut got = 0;
    let reading = async {
        read_while_queued(&mut lagging, &mut slow_client, &mut slow, &mut got).await;
        // All of it was written, whole chunks: read up to the last packet's end.
        while got % 188 != 0 {
            got += slow_client.read(&mut slow[got..]).await.unwrap();
        }
    };
    tokio::time::timeout(Duration::from_secs(5), reading)
        .await
        .expect("the slow viewer drains once it reads");
    assert!(got < sent / 2, "it skipped: {got} of {sent}");
    let report = streamforge_ts::check(&slow[..got]);
    assert_eq!(report.misaligned_at, None);
    assert!(
        report.cc_errors.is_empty(),
        "unmarked jumps: {:?}",
        report.cc_errors
    );

    // Behind again and no progress: let go by the sweep, once; its socket closes.
    let mut direct = DirectViewers::new(metrics.clone());
    for c in chunks.iter().take(40) {
        hub.deliver(&sender, &mut direct, c.clone(), &mut tracker, false);
        feed_lagging(&mut lagging);
    }
    assert!(lagging.any_waiting(), "its socket is full again");
    hub.sweep(Duration::from_secs(3600));
    let last_write = hub.now_ms();
    streamforge_testkit::wait_until(
        "the hub's clock past the stuck time",
        Duration::from_secs(5),
        || {
            assert_eq!(hub.sweep(Duration::from_secs(3600)), 0);
            hub.now_ms() > last_write + 20
        },
    );
    assert_eq!(hub.sweep(Duration::from_millis(5)), 1, "let go once");
    lagging.drop_released();
    assert!(!lagging.any_waiting());
    assert_eq!(hub.viewer_count(), 0);
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), slow_client.read_to_end(&mut rest))
        .await
        .expect("its socket closes")
        .unwrap();
}

/// Chunks delivered with `hold` (more of the same read follows) are queued,
/// not written; the next delivery without it writes them all, in order.
#[tokio::test]
async fn held_chunks_go_out_with_the_next_delivery() {
    let hub = hub(4 << 20);
    let sender = hub.sender().unwrap();
    let metrics = Arc::new(Metrics::default());
    let mut direct = DirectViewers::new(metrics.clone());
    let mut tracker = Tracker::new();
    let reader = join_direct(&hub, &mut direct).await;
    let written = || metrics.bytes_out.load(std::sync::atomic::Ordering::Relaxed);
    let chunks = clip_chunks();
    let before = written();
    for c in &chunks[..3] {
        hub.deliver(&sender, &mut direct, c.clone(), &mut tracker, true);
    }
    assert_eq!(written(), before, "held chunks are not written yet");
    hub.deliver(&sender, &mut direct, chunks[3].clone(), &mut tracker, false);
    let four: usize = chunks[..4].iter().map(Bytes::len).sum();
    assert_eq!(written() - before, four as u64, "all four in one go");
    hub.close();
    drop(sender);
    drop(direct);
    let seen = reader.await.unwrap();
    assert_eq!(seen, chunks[..4].concat(), "in order, nothing lost");
}
