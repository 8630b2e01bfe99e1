//! SiliconDust UDP discovery: the wire format against known bytes, hostile
//! input, the responder on loopback, and the real `hdhomerun_config discover`
//! across two network namespaces joined by a veth pair.

use crate::common;

use crate::common::netns;
use std::net::SocketAddr;
use std::process::Command;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use streamforge::tuner::discovery::message::{self, is_for_us};
use streamforge::tuner::discovery::packet::{
    tag, DEVICE_ID_WILDCARD, DEVICE_TYPE_TUNER, DEVICE_TYPE_WILDCARD, MAX_PACKET,
};
use streamforge::tuner::discovery::{self, Kind, Packet, PacketError, Stats};
use streamforge::tuner::{DeviceInfo, SharedDevice};
use tokio::net::UdpSocket;

/// What `hdhomerun_config discover` broadcasts (captured from the real tool).
const HDHOMERUN_CONFIG_REQUEST: [u8; 14] = [
    0x00, 0x02, 0x00, 0x06, 0x01, 0x04, 0xFF, 0xFF, 0xFF, 0xFF, 0x4C, 0x20, 0xCB, 0x4E,
];
/// What Debian's hdhomerun-config 20220303 broadcasts (seen with strace):
/// DEVICE_TYPE and DEVICE_ID, both wildcard.
const HDHOMERUN_CONFIG_2022_REQUEST: [u8; 20] = [
    0x00, 0x02, 0x00, 0x0C, 0x01, 0x04, 0xFF, 0xFF, 0xFF, 0xFF, 0x02, 0x04, 0xFF, 0xFF, 0xFF, 0xFF,
    0x73, 0xCC, 0x7D, 0x8F,
];
const OUR_ID: u32 = 0x1043_9EFD;

fn device(base_url: &str) -> DeviceInfo {
    DeviceInfo {
        device_id: OUR_ID,
        friendly_name: "StreamForge".into(),
        model_number: "HDTC-2US".into(),
        firmware_name: "hdhomeruntc_atsc".into(),
        firmware_version: "20240101".into(),
        device_auth: "sf-test-auth".into(),
        base_url: base_url.into(),
        tuner_count: 4,
    }
}

fn encode(packet: &Packet) -> Vec<u8> {
    packet.encode().expect("encodable")
}

/// Recomputes the CRC trailer, so a mutated frame reaches the TLV parser.
fn fix_crc(bytes: &mut [u8]) {
    if bytes.len() >= 8 {
        let n = bytes.len() - 4;
        let crc = crc32fast::hash(&bytes[..n]);
        bytes[n..].copy_from_slice(&crc.to_le_bytes());
    }
}

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

/// A random, mutated or truncated frame; `i` picks the flavour.
fn hostile(rng: &mut Rng, i: usize) -> Vec<u8> {
    let valid = [
        HDHOMERUN_CONFIG_REQUEST.to_vec(),
        encode(&message::request(DEVICE_TYPE_TUNER, Some(OUR_ID))),
        encode(&message::reply(&device("http://10.0.0.1:5004"))),
    ];
    let mut bytes = valid[rng.below(valid.len())].clone();
    match i % 6 {
        0 => {
            let len = rng.below(1600);
            bytes = rng.bytes(len);
        }
        1 => {
            for _ in 0..=rng.below(4) {
                let at = rng.below(bytes.len());
                bytes[at] ^= 1 << rng.below(8);
            }
        }
        2 => {
            let at = rng.below(bytes.len());
            bytes[at] = rng.next() as u8;
            fix_crc(&mut bytes);
        }
        3 => bytes.truncate(rng.below(bytes.len())),
        4 => {
            let extra = rng.below(2000);
            bytes.splice(4..4, rng.bytes(extra));
            fix_crc(&mut bytes);
        }
        _ => {
            bytes[0..2].copy_from_slice(&(rng.next() as u16).to_be_bytes());
            fix_crc(&mut bytes);
        }
    }
    bytes
}

#[test]
fn hdhomerun_config_request_parses_and_rebuilds_byte_for_byte() {
    let packet = Packet::parse(&HDHOMERUN_CONFIG_REQUEST).unwrap();
    assert_eq!(packet.kind, Kind::Request);
    assert_eq!(packet.tlvs, vec![(tag::DEVICE_TYPE, vec![0xFF; 4])]);
    assert_eq!(packet.u32(tag::DEVICE_ID), None);
    assert!(is_for_us(&packet, OUR_ID));
    let built = encode(&message::request(DEVICE_TYPE_WILDCARD, None));
    assert_eq!(built, HDHOMERUN_CONFIG_REQUEST);

    let older = Packet::parse(&HDHOMERUN_CONFIG_2022_REQUEST).unwrap();
    assert_eq!(older.u32(tag::DEVICE_ID), Some(DEVICE_ID_WILDCARD));
    assert!(is_for_us(&older, OUR_ID));
    let built = encode(&message::request(
        DEVICE_TYPE_WILDCARD,
        Some(DEVICE_ID_WILDCARD),
    ));
    assert_eq!(built, HDHOMERUN_CONFIG_2022_REQUEST);
}

/// Parses `bytes` as our reply and checks the fields libhdhomerun reads.
fn assert_tuner_reply(bytes: &[u8], base_url: &str) -> Packet {
    let reply = Packet::parse(bytes).unwrap();
    assert_eq!(reply.kind, Kind::Reply);
    assert_eq!(reply.u32(tag::DEVICE_TYPE), Some(DEVICE_TYPE_TUNER));
    assert_eq!(reply.u32(tag::DEVICE_ID), Some(OUR_ID));
    assert_eq!(reply.u8(tag::TUNER_COUNT), Some(4));
    assert_eq!(reply.string(tag::BASE_URL).as_deref(), Some(base_url));
    let lineup = format!("{base_url}/lineup.json");
    assert_eq!(
        reply.string(tag::LINEUP_URL).as_deref(),
        Some(lineup.as_str())
    );
    reply
}

#[test]
fn reply_carries_what_libhdhomerun_reads() {
    let info = device("http://192.168.1.20:5004");
    let bytes = encode(&message::reply(&info));
    assert_eq!(&bytes[..2], &[0x00, 0x03]);
    let reply = assert_tuner_reply(&bytes, "http://192.168.1.20:5004");
    assert_eq!(
        reply.string(tag::DEVICE_AUTH_STR).as_deref(),
        Some("sf-test-auth")
    );
    assert!(!is_for_us(&reply, OUR_ID), "a reply is never answered");

    let mut huge = info.clone();
    huge.tuner_count = 1000;
    huge.base_url = format!("http://{}.example:5004", "x".repeat(300));
    let reply = Packet::parse(&encode(&message::reply(&huge))).unwrap();
    assert_eq!(reply.u8(tag::TUNER_COUNT), Some(255));
    assert_eq!(
        reply.string(tag::BASE_URL),
        None,
        "an over-long URL is left out, not cut"
    );
}

#[test]
fn long_values_use_two_byte_lengths_and_round_trip() {
    let packet = Packet::new(Kind::Reply)
        .with(0x7E, vec![0xAB; 300])
        .with(0x01, vec![])
        .with(0x02, vec![7; 127])
        .with(0x03, vec![8; 128]);
    let bytes = encode(&packet);
    assert_eq!(
        &bytes[4..7],
        &[0x7E, 0x80 | (300 & 0x7F) as u8, (300 >> 7) as u8]
    );
    assert_eq!(Packet::parse(&bytes).unwrap(), packet);
    let too_big = Packet::new(Kind::Reply).with(0x7E, vec![0; MAX_PACKET]);
    assert!(matches!(too_big.encode(), Err(PacketError::TooLong(_))));
}

#[test]
fn malformed_frames_are_typed_errors() {
    let good = HDHOMERUN_CONFIG_REQUEST;
    let mut bad_crc = good;
    bad_crc[13] ^= 1;
    assert!(matches!(
        Packet::parse(&bad_crc),
        Err(PacketError::BadCrc { .. })
    ));
    for n in 0..good.len() {
        assert!(
            Packet::parse(&good[..n]).is_err(),
            "prefix of {n} bytes accepted"
        );
    }
    assert!(matches!(
        Packet::parse(&[0u8; 7]),
        Err(PacketError::TooShort(7))
    ));
    assert!(matches!(
        Packet::parse(&vec![0u8; MAX_PACKET + 1]),
        Err(PacketError::TooLong(_))
    ));
    let mut control = good;
    control[1] = 0x04;
    fix_crc(&mut control);
    assert_eq!(Packet::parse(&control), Err(PacketError::WrongType(4)));
    let mut long_claim = good;
    long_claim[3] = 0x07;
    fix_crc(&mut long_claim);
    assert!(matches!(
        Packet::parse(&long_claim),
        Err(PacketError::LengthMismatch { .. })
    ));
    // The TLV says 5 value bytes, 4 follow; the CRC is right.
    let mut short_tlv = good;
    short_tlv[5] = 0x05;
    fix_crc(&mut short_tlv);
    assert_eq!(
        Packet::parse(&short_tlv),
        Err(PacketError::TruncatedTlv { offset: 0 })
    );
    // A two-byte length whose second byte is missing.
    let mut frame = vec![0x00, 0x02, 0x00, 0x02, 0x01, 0x85, 0, 0, 0, 0];
    fix_crc(&mut frame);
    assert_eq!(
        Packet::parse(&frame),
        Err(PacketError::TruncatedTlv { offset: 0 })
    );
}

#[test]
fn unknown_tags_are_ignored_and_filters_apply() {
    let with_unknown = message::request(DEVICE_TYPE_TUNER, None)
        .with(0x99, b"future".to_vec())
        .with(tag::MULTI_TYPE, vec![0, 0, 0, 5]);
    let parsed = Packet::parse(&encode(&with_unknown)).unwrap();
    assert!(is_for_us(&parsed, OUR_ID));
    assert!(is_for_us(
        &message::request(DEVICE_TYPE_TUNER, Some(OUR_ID)),
        OUR_ID
    ));
    assert!(is_for_us(
        &message::request(DEVICE_TYPE_WILDCARD, Some(DEVICE_ID_WILDCARD)),
        OUR_ID
    ));
    assert!(
        !is_for_us(&message::request(5, None), OUR_ID),
        "storage devices only"
    );
    assert!(!is_for_us(
        &message::request(DEVICE_TYPE_TUNER, Some(0x1234_5678)),
        OUR_ID
    ));
    assert!(
        !is_for_us(&Packet::new(Kind::Request), OUR_ID),
        "no DEVICE_TYPE"
    );
    let bad_len = Packet::new(Kind::Request).with(tag::DEVICE_TYPE, vec![0, 1]);
    assert!(!is_for_us(&bad_len, OUR_ID));
    let two_types = message::request(5, None).with_u32(tag::DEVICE_TYPE, DEVICE_TYPE_TUNER);
    assert!(
        is_for_us(&two_types, OUR_ID),
        "any requested type may be tuner"
    );
}

/// The parser over many random and mutated inputs (the fuzz target's body,
/// bounded and deterministic, so it runs on stable in CI).
#[test]
fn parser_survives_random_and_mutated_input() {
    let mut rng = Rng(0x5EED_D15C_0FE2_0001);
    let mut parsed = 0;
    for i in 0..30_000 {
        let bytes = hostile(&mut rng, i);
        if let Ok(packet) = Packet::parse(&bytes) {
            parsed += 1;
            let again = Packet::parse(&packet.encode().expect("a parsed packet re-encodes"));
            assert_eq!(again.as_ref(), Ok(&packet), "input {bytes:02x?}");
            let _ = is_for_us(&packet, OUR_ID);
        }
    }
    assert!(
        parsed > 100,
        "the mutations should reach the TLV parser ({parsed})"
    );
}

/// A responder on an ephemeral loopback port, stopped by dropping the sender.
struct Running {
    addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Stats>,
}

async fn start(base_url: &str) -> Running {
    let socket = discovery::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = socket.local_addr().unwrap();
    let shared: SharedDevice = Arc::new(RwLock::new(device(base_url)));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(discovery::run(socket, shared, async {
        let _ = stopped.await;
    }));
    Running { addr, stop, task }
}

impl Running {
    async fn finish(self) -> Stats {
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(5), self.task)
            .await
            .unwrap()
            .unwrap()
    }
}

async fn client() -> UdpSocket {
    UdpSocket::bind("127.0.0.1:0").await.unwrap()
}

/// The next datagram within `wait`, with its sender.
async fn recv(socket: &UdpSocket, wait: Duration) -> Option<(Vec<u8>, SocketAddr)> {
    let mut buf = vec![0u8; 4096];
    let (n, from) = tokio::time::timeout(wait, socket.recv_from(&mut buf))
        .await
        .ok()?
        .unwrap();
    Some((buf[..n].to_vec(), from))
}

#[tokio::test]
async fn responder_answers_by_unicast_with_the_tuner_fields() {
    let server = start("http://127.0.0.1:5004").await;
    let client = client().await;
    client
        .send_to(&HDHOMERUN_CONFIG_REQUEST, server.addr)
        .await
        .unwrap();
    let (bytes, from) = recv(&client, Duration::from_secs(5))
        .await
        .expect("a reply");
    assert_eq!(from, server.addr);
    assert_tuner_reply(&bytes, "http://127.0.0.1:5004");
    assert!(
        recv(&client, Duration::from_millis(200)).await.is_none(),
        "one reply per request"
    );
    let stats = server.finish().await;
    assert_eq!((stats.answered, stats.ignored), (1, 0));
}

#[tokio::test]
async fn responder_ignores_other_types_other_ids_and_replies() {
    let server = start("http://127.0.0.1:5004").await;
    let client = client().await;
    let ignored = [
        encode(&message::request(5, None)),
        encode(&message::request(DEVICE_TYPE_TUNER, Some(0x1234_5678))),
        encode(&message::reply(&device("http://127.0.0.1:5004"))),
        encode(&Packet::new(Kind::Request)),
    ];
    for bytes in &ignored {
        client.send_to(bytes, server.addr).await.unwrap();
    }
    let ours = message::request(DEVICE_TYPE_TUNER, Some(OUR_ID));
    client.send_to(&encode(&ours), server.addr).await.unwrap();
    // Datagrams are handled in order: were any ignored one answered, its reply would come first.
    let (bytes, _) = recv(&client, Duration::from_secs(5))
        .await
        .expect("our reply");
    assert_eq!(
        Packet::parse(&bytes).unwrap().u32(tag::DEVICE_ID),
        Some(OUR_ID)
    );
    assert!(recv(&client, Duration::from_millis(200)).await.is_none());
    let stats = server.finish().await;
    assert_eq!((stats.answered, stats.ignored), (1, ignored.len() as u64));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_hostile_packets_get_no_reply_and_no_panic() {
    let server = start("http://127.0.0.1:5004").await;
    let client = client().await;
    let probe = encode(&message::request(DEVICE_TYPE_TUNER, Some(OUR_ID)));
    let mut rng = Rng(0xBAD_F00D);
    let (mut sent, mut probes) = (0u64, 0u64);
    while sent < 1000 {
        let bytes = hostile(&mut rng, sent as usize);
        let answerable = Packet::parse(&bytes).is_ok_and(|p| is_for_us(&p, OUR_ID));
        if answerable {
            continue; // a mutation that is a valid request for us is not junk
        }
        client.send_to(&bytes, server.addr).await.unwrap();
        sent += 1;
        if sent % 50 == 0 {
            // Drain in batches (20 probes: within the per-source reply limit)
            // so the kernel never drops junk unseen.
            client.send_to(&probe, server.addr).await.unwrap();
            probes += 1;
            let (bytes, _) = recv(&client, Duration::from_secs(5))
                .await
                .expect("still answering");
            assert_eq!(
                bytes,
                probe_reply(),
                "junk was answered (after {sent} packets)"
            );
        }
    }
    assert!(recv(&client, Duration::from_millis(200)).await.is_none());
    let stats = server.finish().await;
    assert_eq!(stats.ignored, 1000);
    assert_eq!(stats.answered + stats.limited, probes);
}

fn probe_reply() -> Vec<u8> {
    encode(&message::reply(&device("http://127.0.0.1:5004")))
}

#[tokio::test]
async fn replies_are_rate_limited_per_source() {
    let server = start("http://127.0.0.1:5004").await;
    let client = client().await;
    for _ in 0..60 {
        client
            .send_to(&HDHOMERUN_CONFIG_REQUEST, server.addr)
            .await
            .unwrap();
    }
    let mut replies = 0;
    while recv(&client, Duration::from_millis(300)).await.is_some() {
        replies += 1;
    }
    let stats = server.finish().await;
    // 20 per source per (fixed, one-second) window: the first window answers
    // 20 of the burst; only a window boundary during the burst (timing, so
    // either may happen) lets more through, at most twice that.
    assert!(
        (20..=40).contains(&replies),
        "{replies} replies to 60 requests"
    );
    assert_eq!(stats.answered, replies);
    assert_eq!(stats.answered + stats.limited, 60);
}

#[tokio::test]
async fn bind_shares_the_port_with_reuseaddr() {
    let first = discovery::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = first.local_addr().unwrap();
    let second = discovery::bind(addr).expect("SO_REUSEADDR lets a second socket share the port");
    assert_eq!(second.local_addr().unwrap(), addr);
}

// ---- the real client, in two network namespaces ----

/// `hdhomerun_config discover` (which broadcasts) run in one namespace finds
/// the responder running in the other; nothing leaves the two namespaces.
#[test]
fn hdhomerun_config_finds_us_in_network_namespaces() {
    netns::require(&[
        ("ip", "apt-get install -y iproute2"),
        ("hdhomerun_config", "apt-get install -y hdhomerun-config"),
    ]);
    let pair = netns::Pair::create("udp", "10.254.77");
    let server_ip = pair.addr_a;
    let base_url = format!("http://{server_ip}:5004");
    // The real server, as a user runs it, inside the server namespace.
    let data = tempfile::Builder::new()
        .prefix("sf-netns-")
        .tempdir()
        .unwrap();
    let server = netns::serve_in(
        &pair.a,
        data.path(),
        &[
            "--listen",
            "0.0.0.0:5004",
            "--device-id",
            "10439EFD",
            "--base-url",
            &base_url,
        ],
    );

    let expected = format!(
        "hdhomerun device {} found at {server_ip}",
        streamforge::tuner::device_id::format(OUR_ID)
    );
    // UDP broadcast: an early attempt may go unanswered, so it is retried
    // until the deadline (each attempt bounded too).
    common::wait_for_ok(
        &format!("hdhomerun_config finding {expected:?}"),
        Duration::from_secs(45),
        || {
            let mut discover = Command::new("ip");
            discover.args(["netns", "exec", &pair.b, "hdhomerun_config", "discover"]);
            let output = netns::run_bounded(discover, Duration::from_secs(15));
            if output.contains(&expected) {
                Ok(())
            } else {
                Err(format!("hdhomerun_config printed {output:?}"))
            }
        },
    );
    // hdhomerun_config prints the sender's address, not the BaseURL it
    // parsed; a client of ours in the client namespace checks the BASE_URL TLV.
    let client_ns = pair.b.clone();
    let broadcast = pair.broadcast;
    let output = std::thread::spawn(move || {
        netns::enter(&client_ns);
        broadcast_request(&format!("{broadcast}:65001"))
    })
    .join()
    .expect("the namespace client thread");
    let expected = format!("from={server_ip}:65001 id=10439EFD base_url={base_url} ");
    assert!(
        output.contains(&expected),
        "expected {expected:?} in {output:?}"
    );
    drop(server);
    drop(pair);
}

/// Broadcasts the hdhomerun_config request to `target` and describes the reply.
fn broadcast_request(target: &str) -> String {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").unwrap();
    socket.set_broadcast(true).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(3)))
        .unwrap();
    socket
        .send_to(&HDHOMERUN_CONFIG_2022_REQUEST, target)
        .unwrap();
    let mut buf = [0u8; 2048];
    let (n, from) = socket
        .recv_from(&mut buf)
        .expect("a reply to the broadcast");
    let reply = Packet::parse(&buf[..n]).unwrap();
    format!(
        "from={from} id={:08X} base_url={} ",
        reply.u32(tag::DEVICE_ID).unwrap_or(0),
        reply.string(tag::BASE_URL).unwrap_or_default()
    )
}
