//! Catalogues the size of large providers' (live channels with films and
//! series): a 300 000-entry M3U synced through a running server whose peak
//! RSS stays below 1 GiB, and a catalogue larger than its plugin may handle
//! refused in plain words (size and limit), the previous catalogue kept.
//! The playlists are generated here and served on 127.0.0.1.

use crate::common;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use streamforge::catalog::{Catalog, NewAccount, SilentProgress};
use streamforge::fetch::{AccountHttp, FetchConfig, Fetcher};
use streamforge::plugins::{BulkBudget, CallLimits, Limits};
use streamforge::secrets::KeyRing;
use streamforge::store::Store;

/// The account's credentials, written into every stream URL as providers do
/// (so the fetcher's scrubbing has the whole body to rewrite).
const USER: &str = "viewer7";
const PASS: &str = "s3cretpass99";

/// One GiB: the most the server may reach while syncing 300 000 entries.
const GIB: u64 = 1 << 30;

/// An M3U of `entries` channels whose URLs point at `port`.
fn playlist(entries: usize, port: u16) -> Vec<u8> {
    let mut body = String::with_capacity(entries * 130);
    body.push_str("#EXTM3U\n");
    for i in 0..entries {
        body.push_str(&format!(
            "#EXTINF:-1 tvg-id=\"c{i}.tv\" group-title=\"G{}\",Channel {i} HD\n\
             http://127.0.0.1:{port}/live/{USER}/{PASS}/{i}.ts\n",
            i % 500
        ));
    }
    body.into_bytes()
}

/// A playlist server on loopback answering every request with the current
/// body (which a test swaps); its thread ends with the test process.
struct PlaylistHost {
    port: u16,
    body: Arc<Mutex<Arc<Vec<u8>>>>,
}

impl PlaylistHost {
    fn start() -> PlaylistHost {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let body = Arc::new(Mutex::new(Arc::new(Vec::new())));
        let shared = body.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let body = shared.lock().unwrap().clone();
                std::thread::spawn(move || answer(stream, &body));
            }
        });
        PlaylistHost { port, body }
    }

    /// Serves `entries` channels from now on.
    fn serve(&self, entries: usize) {
        *self.body.lock().unwrap() = Arc::new(playlist(entries, self.port));
    }

    /// The playlist URL with the credentials in its query, as providers give it.
    fn url(&self) -> String {
        format!(
            "http://127.0.0.1:{}/get.php?username={USER}&password={PASS}&type=m3u_plus",
            self.port
        )
    }
}

fn answer(mut stream: TcpStream, body: &[u8]) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
            break;
        }
    }
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: audio/x-mpegurl\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
}

/// The peak resident set of process `pid` so far (VmHWM), in bytes.
fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM in /proc/PID/status");
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap();
    kib * 1024
}

#[test]
fn a_300_000_entry_playlist_syncs_in_a_server_below_1_gib() {
    let host = PlaylistHost::start();
    host.serve(300_000);
    let data = common::data_dir();
    let server = common::Server::start(data.path(), &[]);
    let url = host.url();
    common::cli(
        data.path(),
        &["account", "add", "big", "--provider", "m3u", "--url", &url],
    );
    let started = Instant::now();
    let out = common::cli(data.path(), &["sync", "--account", "big"]);
    let took = started.elapsed();
    assert!(out.contains("account big: 300000 channels"), "{out}");
    let peak = peak_rss(server.pid());
    eprintln!(
        "300 000 entries: synced in {took:.1?}, server peak RSS {} MiB",
        peak >> 20
    );
    assert!(peak < GIB, "the server peaked at {} MiB", peak >> 20);
}

/// The catalogue service over a fresh data dir, the real m3u plugin under
/// `bulk`, fetching from loopback.
struct Service {
    _dir: tempfile::TempDir,
    store: Store,
    events: Arc<streamforge::events::EventLog>,
    catalog: Catalog,
    runtime: tokio::runtime::Runtime,
}

impl Service {
    fn new(bulk: BulkBudget) -> Service {
        let dir = common::data_dir();
        let (registry, events) = common::registry(
            &dir,
            Limits {
                bulk,
                ..Limits::default()
            },
        );
        let store = Store::open(&dir.path().join("db")).unwrap();
        let keys = KeyRing::from_env_value(&"11".repeat(32)).unwrap();
        let fetcher = Fetcher::new(FetchConfig {
            system_proxy: false,
            ..FetchConfig::default()
        })
        .unwrap();
        let catalog = Catalog::new(
            store.clone(),
            Arc::new(registry),
            Arc::new(keys),
            fetcher,
            events.clone(),
        );
        Service {
            _dir: dir,
            store,
            events,
            catalog,
            runtime: tokio::runtime::Runtime::new().unwrap(),
        }
    }

    fn add(&self, name: &str, url: &str) {
        let account = NewAccount {
            name: name.into(),
            provider: "m3u".into(),
            url: url.into(),
            username: None,
            password: None,
            max_connections: None,
            priority: 0,
            check: false,
            http: AccountHttp::default(),
        };
        self.runtime
            .block_on(self.catalog.add_account(account))
            .unwrap();
    }

    /// Syncs `name`: its channel count and error, as `streamforge sync` shows them.
    fn sync(&self, name: &str) -> (usize, Option<String>) {
        let synced = self
            .runtime
            .block_on(self.catalog.sync_accounts(Some(name), &SilentProgress))
            .unwrap();
        (synced[0].channels, synced[0].error.clone())
    }

    /// The failure events' texts.
    fn failures(&self) -> Vec<String> {
        self.events
            .snapshot()
            .into_iter()
            .filter(|e| e.is_failure())
            .map(|e| format!("{}: {}", e.kind, e.detail))
            .collect()
    }
}

/// No runtime jargon in what the user reads.
fn plain(text: &str) {
    for word in ["fuel", "hostcall", "wasm", "guest", "trap"] {
        assert!(!text.contains(word), "`{word}` in: {text}");
    }
}

#[test]
fn a_catalogue_over_the_limit_is_refused_in_plain_words_and_the_previous_one_stays() {
    let host = PlaylistHost::start();
    host.serve(1_000);
    let service = Service::new(BulkBudget {
        max_input: 1_000_000,
        ..BulkBudget::DEFAULT
    });
    service.add("big", &host.url());
    assert_eq!(service.sync("big"), (1_000, None));
    let before = service.store.catalog("big").unwrap();

    // ~2.6 MB once the credentials are placeholders: over the 1 MB limit.
    host.serve(20_000);
    let (kept, error) = service.sync("big");
    let error = error.expect("the sync fails");
    assert_eq!(kept, 1_000, "{error}");
    let (size, rest) = error
        .strip_prefix("the catalogue of account `big` (")
        .and_then(|e| e.split_once(" MB) "))
        .unwrap_or_else(|| panic!("{error}"));
    let size: f64 = size.parse().unwrap_or_else(|_| panic!("{error}"));
    assert!((2.0..3.0).contains(&size), "{error}");
    assert!(
        rest.starts_with("is larger than the m3u plugin may handle (1.0 MB limit); ask the provider for a smaller playlist"),
        "{error}"
    );
    plain(&error);
    let failures = service.failures();
    assert!(
        failures
            .iter()
            .any(|f| f == &format!("sync-failed: account big: {error}; previous catalogue kept")),
        "{failures:?}"
    );
    failures.iter().for_each(|f| plain(f));
    assert_eq!(service.store.catalog("big").unwrap(), before);
    assert_eq!(
        service.store.catalog_info("big").unwrap().unwrap().channels,
        1_000
    );
}

#[test]
fn a_plugin_answer_over_its_limit_is_told_in_plain_words_and_the_previous_one_stays() {
    let host = PlaylistHost::start();
    host.serve(1_000);
    let default = BulkBudget::DEFAULT;
    let service = Service::new(BulkBudget {
        base: CallLimits {
            answer: 2 << 20,
            ..default.base
        },
        per_mb: CallLimits {
            answer: 0,
            ..default.per_mb
        },
        ..default
    });
    service.add("big", &host.url());
    assert_eq!(service.sync("big"), (1_000, None));

    // 20 000 channels take ~7 MB of host memory once copied out of the plugin.
    host.serve(20_000);
    let (kept, error) = service.sync("big");
    let error = error.expect("the sync fails");
    assert_eq!(kept, 1_000, "{error}");
    assert!(
        error.starts_with("the catalogue of account `big` (")
            && error.contains(" MB) needs more than the m3u plugin may use (plugin `m3u` answered `parse-catalog` with too much: an answer larger than its 2 MiB limit); ask the provider"),
        "{error}"
    );
    plain(&error);
    service.failures().iter().for_each(|f| plain(f));
    assert_eq!(service.store.catalog("big").unwrap().len(), 1_000);
}
