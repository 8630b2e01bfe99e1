//! SSDP discovery: message parsing and building, the responder answering on
//! loopback (unicast only, announcements off), hostile input, and a real
//! multicast M-SEARCH plus NOTIFY alive/byebye between two network
//! namespaces this test creates (the only place multicast is sent).

use crate::common::netns;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use streamforge::tuner::ssdp::{self, message, Options};
use streamforge::tuner::{DeviceInfo, SharedDevice};
use tokio::net::UdpSocket;
use tokio::sync::oneshot;
use tokio::time::timeout;

fn device(base_url: &str) -> DeviceInfo {
    DeviceInfo {
        device_id: 0x1043_9EFD,
        friendly_name: "StreamForge".into(),
        model_number: "HDTC-2US".into(),
        firmware_name: "hdhomeruntc_atsc".into(),
        firmware_version: "20200101".into(),
        device_auth: "test".into(),
        base_url: base_url.into(),
        tuner_count: 2,
    }
}

fn shared(base_url: &str) -> SharedDevice {
    Arc::new(RwLock::new(device(base_url)))
}

fn search(st: &str, mx: u32) -> Vec<u8> {
    format!("M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: {mx}\r\nST: {st}\r\n\r\n").into_bytes()
}

/// First line and upper-cased header map of an SSDP message.
fn headers(bytes: &[u8]) -> (String, HashMap<String, String>) {
    let text = std::str::from_utf8(bytes).expect("SSDP messages are UTF-8");
    let mut lines = text.split("\r\n");
    let first = lines.next().unwrap_or_default().to_string();
    let map = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_uppercase(), v.trim().to_string()))
        .collect();
    (first, map)
}

// ---------------------------------------------------------------- messages

#[test]
fn parses_a_typical_search() {
    let req = message::parse_search(&search("upnp:rootdevice", 3)).expect("valid search");
    assert_eq!(req.st, "upnp:rootdevice");
    assert_eq!(req.mx, Some(3));
    assert_eq!(req.host.as_deref(), Some("239.255.255.250:1900"));
}

#[test]
fn header_names_are_case_insensitive_and_line_endings_lenient() {
    let raw = b"m-search * HTTP/1.1\nhost:239.255.255.250:1900\nman: ssdp:discover\nmx:2\nsT:   ssdp:all  \n\n";
    let req = message::parse_search(raw).expect("lenient parse");
    assert_eq!(req.st, "ssdp:all");
    assert_eq!(req.mx, Some(2));
}

#[test]
fn missing_or_bad_mx_is_accepted_as_none() {
    let raw = b"M-SEARCH * HTTP/1.1\r\nMAN: \"ssdp:discover\"\r\nST: upnp:rootdevice\r\n\r\n";
    assert_eq!(message::parse_search(raw).expect("no MX is fine").mx, None);
    let raw =
        b"M-SEARCH * HTTP/1.1\r\nMAN: \"ssdp:discover\"\r\nMX: soon\r\nST: upnp:rootdevice\r\n\r\n";
    assert_eq!(message::parse_search(raw).expect("bad MX is fine").mx, None);
}

#[test]
fn junk_is_dropped() {
    let cases: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"\r\n\r\n".to_vec(),
        vec![0xff, 0xfe, 0x00, 0x01],
        b"M-SEARCH * HTTP/1.1\r\nMAN: \"ssdp:discover\"\r\nST: \xff\xfe\r\n\r\n".to_vec(),
        b"NOTIFY * HTTP/1.1\r\nNT: upnp:rootdevice\r\nNTS: ssdp:alive\r\n\r\n".to_vec(),
        b"HTTP/1.1 200 OK\r\nST: upnp:rootdevice\r\n\r\n".to_vec(),
        b"GET / HTTP/1.1\r\nST: upnp:rootdevice\r\n\r\n".to_vec(),
        b"M-SEARCH / HTTP/1.1\r\nMAN: \"ssdp:discover\"\r\nST: upnp:rootdevice\r\n\r\n".to_vec(),
        b"M-SEARCH * FTP/1.0\r\nMAN: \"ssdp:discover\"\r\nST: upnp:rootdevice\r\n\r\n".to_vec(),
        b"M-SEARCH * HTTP/1.1\r\nST: upnp:rootdevice\r\n\r\n".to_vec(), // no MAN
        b"M-SEARCH * HTTP/1.1\r\nMAN: \"ssdp:update\"\r\nST: upnp:rootdevice\r\n\r\n".to_vec(),
        b"M-SEARCH * HTTP/1.1\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\n\r\n".to_vec(), // no ST
        b"M-SEARCH * HTTP/1.1\r\nMAN: \"ssdp:discover\"\r\nST:\r\n\r\n".to_vec(),
        b"M-SEARCH".to_vec(),
    ];
    for case in cases {
        assert_eq!(
            message::parse_search(&case),
            None,
            "{:?}",
            String::from_utf8_lossy(&case)
        );
    }
}

#[test]
fn oversized_and_header_bombs_are_dropped() {
    let mut big = search("ssdp:all", 1);
    big.truncate(big.len() - 2);
    big.extend(std::iter::repeat_n(b'x', message::MAX_DATAGRAM));
    assert_eq!(message::parse_search(&big), None);
    let mut bomb = String::from("M-SEARCH * HTTP/1.1\r\nMAN: \"ssdp:discover\"\r\n");
    for i in 0..100 {
        bomb.push_str(&format!("X-{i}: y\r\n"));
    }
    bomb.push_str("ST: ssdp:all\r\n\r\n");
    assert_eq!(message::parse_search(bomb.as_bytes()), None);
}

#[test]
fn only_our_targets_match() {
    let d = device("http://192.0.2.10:5004");
    let all = message::matching_targets("ssdp:all", &d);
    assert_eq!(
        all,
        vec![
            "upnp:rootdevice".to_string(),
            d.udn(),
            message::MEDIA_SERVER.to_string()
        ]
    );
    assert_eq!(
        message::matching_targets("UPNP:ROOTDEVICE", &d),
        vec!["upnp:rootdevice"]
    );
    assert_eq!(
        message::matching_targets(&d.udn().to_uppercase(), &d),
        vec![d.udn()]
    );
    assert_eq!(
        message::matching_targets(message::MEDIA_SERVER, &d),
        vec![message::MEDIA_SERVER]
    );
    for other in [
        "urn:schemas-upnp-org:device:MediaRenderer:1",
        "urn:schemas-upnp-org:device:MediaServer:2",
        "uuid:00000000-0000-0000-0000-000000000000",
        "urn:schemas-upnp-org:service:ContentDirectory:1",
        "",
    ] {
        assert!(message::matching_targets(other, &d).is_empty(), "{other}");
    }
}

#[test]
fn search_response_carries_location_st_and_usn() {
    let d = device("http://192.0.2.10:5004");
    let (status, h) = headers(&message::search_response("upnp:rootdevice", &d));
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(h["CACHE-CONTROL"], "max-age=1800");
    assert_eq!(h["EXT"], "");
    assert_eq!(h["LOCATION"], "http://192.0.2.10:5004/device.xml");
    assert_eq!(h["ST"], "upnp:rootdevice");
    assert_eq!(h["USN"], format!("{}::upnp:rootdevice", d.udn()));
    assert!(h["SERVER"].contains("UPnP/1.0"), "{}", h["SERVER"]);
    let (_, h) = headers(&message::search_response(&d.udn(), &d));
    assert_eq!(h["USN"], d.udn());
}

#[test]
fn notify_alive_and_byebye() {
    let d = device("http://192.0.2.10:5004");
    let alive = message::notify_all(message::Announcement::Alive, &d);
    assert_eq!(alive.len(), 3);
    let (first, h) = headers(&alive[2]);
    assert_eq!(first, "NOTIFY * HTTP/1.1");
    assert_eq!(h["HOST"], "239.255.255.250:1900");
    assert_eq!(h["NTS"], "ssdp:alive");
    assert_eq!(h["NT"], message::MEDIA_SERVER);
    assert_eq!(h["USN"], format!("{}::{}", d.udn(), message::MEDIA_SERVER));
    assert_eq!(h["LOCATION"], "http://192.0.2.10:5004/device.xml");
    assert_eq!(h["CACHE-CONTROL"], "max-age=1800");
    let (_, h) = headers(&message::notify(
        &d.udn(),
        message::Announcement::ByeBye,
        &d,
    ));
    assert_eq!(h["NTS"], "ssdp:byebye");
    assert_eq!(h["USN"], d.udn());
    assert!(!h.contains_key("LOCATION"));
}

// ---------------------------------------------------------------- loopback responder

/// A responder on 127.0.0.1 (random port, announcements off) and its stop switch.
struct Loopback {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Loopback {
    async fn start() -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind loopback");
        let addr = socket.local_addr().expect("local addr");
        let (stop, rx) = oneshot::channel::<()>();
        let options = Options {
            announce: false,
            max_reply_delay: Duration::from_millis(200),
            ..Options::default()
        };
        let dev = shared("http://127.0.0.1:5004");
        let task = tokio::spawn(ssdp::run_with(socket, dev, options, async move {
            let _ = rx.await;
        }));
        Self {
            addr,
            stop: Some(stop),
            task,
        }
    }

    async fn finish(mut self) {
        assert!(!self.task.is_finished(), "responder stopped early (panic?)");
        let _ = self.stop.take().map(|s| s.send(()));
        timeout(Duration::from_secs(5), self.task)
            .await
            .expect("responder stops")
            .expect("responder did not panic");
    }
}

async fn client() -> UdpSocket {
    UdpSocket::bind("127.0.0.1:0").await.expect("bind client")
}

/// Every datagram arriving within `window`, with its sender.
async fn collect(sock: &UdpSocket, window: Duration) -> Vec<(Vec<u8>, SocketAddr)> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 65536];
    let deadline = tokio::time::Instant::now() + window;
    while out.len() < 1000 {
        match tokio::time::timeout_at(deadline, sock.recv_from(&mut buf)).await {
            Ok(Ok((n, from))) => out.push((buf[..n].to_vec(), from)),
            Ok(Err(e)) => panic!("recv failed: {e}"),
            Err(_) => break,
        }
    }
    out
}

#[tokio::test]
async fn answers_a_search_by_unicast_with_location_st_and_usn() {
    let responder = Loopback::start().await;
    let c = client().await;
    c.send_to(&search("upnp:rootdevice", 1), responder.addr)
        .await
        .unwrap();
    let replies = collect(&c, Duration::from_millis(1500)).await;
    assert_eq!(replies.len(), 1, "exactly one reply for upnp:rootdevice");
    let (bytes, from) = &replies[0];
    assert_eq!(
        *from, responder.addr,
        "reply comes from the responder's socket"
    );
    let (status, h) = headers(bytes);
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(h["LOCATION"], "http://127.0.0.1:5004/device.xml");
    assert_eq!(h["ST"], "upnp:rootdevice");
    let udn = device("").udn();
    assert_eq!(h["USN"], format!("{udn}::upnp:rootdevice"));

    c.send_to(&search(message::MEDIA_SERVER, 1), responder.addr)
        .await
        .unwrap();
    let replies = collect(&c, Duration::from_millis(1500)).await;
    assert_eq!(replies.len(), 1);
    assert_eq!(headers(&replies[0].0).1["ST"], message::MEDIA_SERVER);

    c.send_to(&search("ssdp:all", 1), responder.addr)
        .await
        .unwrap();
    let sts: Vec<String> = collect(&c, Duration::from_millis(1500))
        .await
        .iter()
        .map(|(b, _)| headers(b).1["ST"].clone())
        .collect();
    assert_eq!(
        sts.len(),
        3,
        "ssdp:all answers root, uuid and device type: {sts:?}"
    );
    for want in ["upnp:rootdevice", udn.as_str(), message::MEDIA_SERVER] {
        assert!(sts.iter().any(|s| s == want), "missing {want} in {sts:?}");
    }
    responder.finish().await;
}

#[tokio::test]
async fn ignores_other_search_targets() {
    let responder = Loopback::start().await;
    let c = client().await;
    for st in [
        "urn:schemas-upnp-org:device:MediaRenderer:1",
        "urn:dial-multiscreen-org:service:dial:1",
        "uuid:nope",
    ] {
        c.send_to(&search(st, 1), responder.addr).await.unwrap();
    }
    assert!(collect(&c, Duration::from_millis(1200)).await.is_empty());
    responder.finish().await;
}

#[tokio::test]
async fn plain_run_answers_within_mx() {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = socket.local_addr().unwrap();
    let (stop, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(ssdp::run(
        socket,
        shared("http://127.0.0.1:5004"),
        false,
        async move {
            let _ = rx.await;
        },
    ));
    let c = client().await;
    let raw = b"M-SEARCH * HTTP/1.1\r\nMAN: \"ssdp:discover\"\r\nST: upnp:rootdevice\r\n\r\n"; // no MX: <= 1 s
    c.send_to(raw, addr).await.unwrap();
    assert_eq!(collect(&c, Duration::from_millis(1600)).await.len(), 1);
    stop.send(()).unwrap();
    timeout(Duration::from_secs(5), task)
        .await
        .unwrap()
        .unwrap();
}

/// Deterministic noise for the hostile-input test.
fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

fn hostile_packet(i: usize, rng: &mut u64) -> Vec<u8> {
    let valid = search("ssdp:all", 1);
    match i % 10 {
        0 => (0..(xorshift(rng) % 1500) as usize).map(|_| xorshift(rng) as u8).collect(),
        1 => valid[..(xorshift(rng) as usize % 40)].to_vec(), // cut before ST
        2 => {
            let mut v = valid.clone();
            v.truncate(v.len() - 2);
            v.extend(std::iter::repeat_n(b'A', 9000));
            v
        }
        3 => b"NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nNT: upnp:rootdevice\r\nNTS: ssdp:alive\r\n\r\n".to_vec(),
        4 => search("urn:schemas-upnp-org:device:InternetGatewayDevice:1", 5),
        5 => b"M-SEARCH * HTTP/1.1\r\nST: ssdp:all\r\n\r\n".to_vec(),
        6 => {
            let mut v = b"M-SEARCH * HTTP/1.1\r\nMAN: \"ssdp:discover\"\r\n".to_vec();
            v.extend(std::iter::repeat_n(b"X: y\r\n".as_slice(), 200).flatten());
            v.extend(b"ST: ssdp:all\r\n\r\n");
            v
        }
        7 => {
            let mut v = valid.clone();
            v[20] = 0xff;
            v
        }
        8 => Vec::new(),
        _ => format!("M-SEARCH * HTTP/1.1\r\nMAN: \"ssdp:discover\"\r\nMX: {}\r\nST: {}\r\n\r\n", u64::MAX, "x".repeat(3000)).into_bytes(),
    }
}

#[tokio::test]
async fn a_thousand_hostile_packets_get_no_reply_and_no_panic() {
    let responder = Loopback::start().await;
    let c = client().await;
    let mut rng = 0x9E37_79B9_7F4A_7C15u64;
    for i in 0..1000 {
        c.send_to(&hostile_packet(i, &mut rng), responder.addr)
            .await
            .expect("send hostile");
        if i % 100 == 99 {
            tokio::task::yield_now().await;
        }
    }
    assert!(
        collect(&c, Duration::from_millis(1000)).await.is_empty(),
        "hostile packets were answered"
    );
    c.send_to(&search("upnp:rootdevice", 1), responder.addr)
        .await
        .unwrap();
    assert_eq!(
        collect(&c, Duration::from_millis(1500)).await.len(),
        1,
        "responder still answers afterwards"
    );
    responder.finish().await;
}

#[tokio::test]
async fn a_search_flood_is_rate_limited() {
    let responder = Loopback::start().await;
    let c = client().await;
    for _ in 0..200 {
        c.send_to(&search("ssdp:all", 1), responder.addr)
            .await
            .unwrap();
    }
    let replies = collect(&c, Duration::from_millis(1500)).await.len();
    assert!(
        (3..=30).contains(&replies),
        "200 ssdp:all searches gave {replies} replies"
    );
    responder.finish().await;
}

// ---------------------------------------------------------------- network namespaces

/// Waits up to `limit` for a datagram on `sock` that `want` accepts.
async fn wait_for(
    sock: &UdpSocket,
    limit: Duration,
    want: impl Fn(&HashMap<String, String>) -> bool,
) -> Result<(HashMap<String, String>, SocketAddr), String> {
    let mut buf = vec![0u8; 65536];
    let deadline = tokio::time::Instant::now() + limit;
    for _ in 0..10_000 {
        let (n, from) = match tokio::time::timeout_at(deadline, sock.recv_from(&mut buf)).await {
            Ok(r) => r.map_err(|e| e.to_string())?,
            Err(_) => break,
        };
        let (_, h) = headers(&buf[..n]);
        if want(&h) {
            return Ok((h, from));
        }
    }
    Err(format!("nothing wanted arrived within {limit:?}"))
}

#[test]
fn multicast_search_and_announcements_between_namespaces() {
    netns::require(&[("ip", "apt-get install -y iproute2")]);
    let pair = netns::Pair::create("ssdp", "10.254.78");
    let (addr_a, addr_b) = (pair.addr_a, pair.addr_b);
    let base_url = format!("http://{addr_a}:5004");
    let udn = device(&base_url).udn();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<()>();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();

    let dev = shared(&base_url);
    let server = netns::spawn_in(&pair.a, move || async move {
        let socket = ssdp::bind(Some(addr_a)).map_err(|e| format!("bind in ns A: {e}"))?;
        let _ = ready_tx.send(());
        let options = Options {
            announce: true,
            notify_interval: Duration::from_millis(300),
            max_reply_delay: Duration::from_millis(500),
            ..Options::default()
        };
        let run = ssdp::run_with(socket, dev, options, async move {
            let _ = stop_rx.await;
        });
        timeout(Duration::from_secs(30), run)
            .await
            .map_err(|_| "responder did not stop".to_string())
    });
    if ready_rx.recv_timeout(Duration::from_secs(10)).is_err() {
        panic!(
            "responder in namespace A did not start: {:?}",
            server.join()
        );
    }

    let want_udn = udn.clone();
    let want_location = format!("{base_url}/device.xml");
    let client = netns::spawn_in(&pair.b, move || async move {
        let listener =
            ssdp::bind(Some(addr_b)).map_err(|e| format!("bind listener in ns B: {e}"))?;
        let searcher = UdpSocket::bind((addr_b, 0))
            .await
            .map_err(|e| e.to_string())?;
        socket2::SockRef::from(&searcher)
            .set_multicast_if_v4(&addr_b)
            .map_err(|e| e.to_string())?;
        let group = message::multicast_target();
        let mut reply = Err("no search sent".to_string());
        for _ in 0..3 {
            searcher
                .send_to(&search("upnp:rootdevice", 1), group)
                .await
                .map_err(|e| format!("multicast M-SEARCH: {e}"))?;
            reply = wait_for(&searcher, Duration::from_secs(2), |h| {
                h.contains_key("LOCATION")
            })
            .await;
            if reply.is_ok() {
                break;
            }
        }
        let (h, from) = reply.map_err(|e| format!("M-SEARCH reply: {e}"))?;
        if from.ip() != IpAddr::V4(addr_a)
            || h["LOCATION"] != want_location
            || h["ST"] != "upnp:rootdevice"
            || h["USN"] != format!("{want_udn}::upnp:rootdevice")
        {
            return Err(format!("bad reply from {from}: {h:?}"));
        }
        let (alive, _) = wait_for(&listener, Duration::from_secs(5), |h| {
            h.get("NTS").is_some_and(|v| v == "ssdp:alive")
                && h.get("NT").is_some_and(|v| v == message::MEDIA_SERVER)
        })
        .await
        .map_err(|e| format!("NOTIFY ssdp:alive: {e}"))?;
        if alive["LOCATION"] != want_location {
            return Err(format!("bad alive: {alive:?}"));
        }
        stop_tx
            .send(())
            .map_err(|_| "responder already gone".to_string())?;
        let (bye, _) = wait_for(&listener, Duration::from_secs(5), |h| {
            h.get("NTS").is_some_and(|v| v == "ssdp:byebye")
                && h.get("NT").is_some_and(|v| v == "upnp:rootdevice")
        })
        .await
        .map_err(|e| format!("NOTIFY ssdp:byebye: {e}"))?;
        if bye["USN"] != format!("{want_udn}::upnp:rootdevice") {
            return Err(format!("bad byebye: {bye:?}"));
        }
        Ok(())
    });

    let client_result = client.join().expect("client thread panicked");
    let server_result = server.join().expect("server thread panicked");
    client_result.expect("discovery from namespace B");
    server_result.expect("responder in namespace A");
    drop(pair);
}
