//! The relay against nginx (DESIGN.md section 7): the same simulated panel
//! playing a paced 20 Mbit/s clip on every stream, relayed by `streamforge
//! serve` (`/stream/{n}`) and by nginx as a reverse proxy to the panel
//! (`proxy_buffering off`, `proxy_buffer_size 64k`), read by viewers that are
//! tokio tasks in this process. It measures
//! - CPU seconds (utime + stime of the server's processes) per GB delivered,
//!   for 1, 10 and 50 viewers of one channel, 10 viewers of 10 channels and
//!   100 viewers over 10 channels, over three 5 s windows of steady state
//!   per server, taken in turns (see [`ROUNDS`]);
//! - peak RSS (VmHWM) with 10 viewers of 10 channels;
//! - provider connections opened per scenario;
//! - time to first byte on a cold channel (direct, StreamForge, nginx) and for
//!   a viewer joining a running channel (whose first packet must be a PAT).
//!
//! It prints one table and does not judge the targets, but fails when
//! something is broken: a viewer gets no bytes or misaligned packets, or
//! StreamForge opens more than one provider connection per channel.
//!
//! Run: `cargo bench -p streamforge --bench relay` (needs nginx and ffmpeg).
//! `RELAY_BENCH_ONLY=1,3` runs only those scenarios (numbered from 1);
//! `RELAY_BENCH_PERF=DIR` records a `perf record -g` profile of each server's
//! window into `DIR/<scenario>-<server>.data` (needs `perf`); with
//! `RELAY_BENCH_STRACE=1` too, `strace -c -f` counts its system calls instead
//! (`RELAY_BENCH_STRACE=calls`: every read, write and `epoll_wait` with its
//! size, to see how reads are batched). `RELAY_BENCH_ROUNDS=N` takes N
//! rounds per CPU scenario instead of [`ROUNDS`], to see the spread.

#[path = "relay/http.rs"]
mod http;
#[path = "relay/procs.rs"]
mod procs;
#[path = "relay/setup.rs"]
mod setup;

use http::{first_bytes, first_pid, ViewerStats};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use streamforge_sim::SimProvider;

/// Steady-state window per scenario, server and round.
const WINDOW: Duration = Duration::from_secs(5);
/// Windows per CPU scenario and server, the servers taking turns (memory
/// only: one). One 8 s window each moved a ratio by ±20 % between runs on a
/// 2-core VM (0.80-1.06× for the same build at 10 viewers of 10 channels):
/// the machine's speed drifts over seconds, for both servers alike, and
/// each tune starts its channels at other phases. Turns spread the drift
/// over both; the totals over all rounds are what is reported.
const ROUNDS: usize = 3;
/// [`ROUNDS`], or `RELAY_BENCH_ROUNDS` when set (to look at the spread).
fn rounds() -> usize {
    std::env::var("RELAY_BENCH_ROUNDS")
        .ok()
        .map(|v| v.parse().expect("RELAY_BENCH_ROUNDS: a number of rounds"))
        .unwrap_or(ROUNDS)
}
/// Time between "every viewer has bytes" and the window.
const WARMUP: Duration = Duration::from_secs(1);
/// Tries per time-to-first-byte measurement and server.
const TRIES: usize = 24;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Target {
    Direct,
    Sf,
    Nginx,
}

impl Target {
    fn name(self) -> &'static str {
        match self {
            Target::Direct => "direct",
            Target::Sf => "StreamForge",
            Target::Nginx => "nginx",
        }
    }
}

struct Scenario {
    name: &'static str,
    channels: usize,
    per_channel: usize,
    /// CPU ratio target (SF / nginx); `None` for a memory-only scenario.
    target: Option<f64>,
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "1 viewer of 1 channel",
        channels: 1,
        per_channel: 1,
        target: Some(1.0),
    },
    Scenario {
        name: "10 viewers of 1 channel",
        channels: 1,
        per_channel: 10,
        target: Some(0.8),
    },
    Scenario {
        name: "10 viewers of 10 channels",
        channels: 10,
        per_channel: 1,
        target: Some(0.9),
    },
    Scenario {
        name: "50 viewers of 1 channel",
        channels: 1,
        per_channel: 50,
        target: Some(0.5),
    },
    Scenario {
        name: "100 viewers over 10 channels",
        channels: 10,
        per_channel: 10,
        target: Some(0.55),
    },
    Scenario {
        name: "30 viewers of 30 channels",
        channels: 30,
        per_channel: 1,
        target: None,
    },
];

/// Bytes in a MiB.
const MIB: f64 = 1024.0 * 1024.0;

/// Extra memory a viewer may cost beyond the first of its channel (target).
const PER_EXTRA_VIEWER: f64 = 256.0 * 1024.0;

/// One scenario on one server.
#[derive(Default, Clone)]
struct Measured {
    cpu_s: f64,
    cpu_precise_s: f64,
    bytes: u64,
    secs: f64,
    viewers: usize,
    min_rate: f64,
    avg_rate: f64,
    max_gap_ms: f64,
    provider_conns: u64,
    peak_rss_mib: f64,
    rss_reset: bool,
    /// Reads per second per viewer.
    reads_per_s: f64,
    /// Context switches per second of the server's threads.
    ctx_per_s: f64,
    /// Read gaps per bucket (all viewers), see `http::GAP_BUCKETS_MS`.
    gaps: Vec<u64>,
    /// CPU seconds by thread name over the window.
    threads: Vec<(String, f64, u64)>,
}

impl Measured {
    /// The read-gap histogram of pauses of 1 ms and more, in %.
    fn gap_histogram(&self) -> String {
        let pauses: u64 = self.gaps[1..].iter().sum();
        let b = http::GAP_BUCKETS_MS;
        let mut parts = Vec::new();
        for (i, n) in self.gaps.iter().enumerate().skip(1) {
            let label = if i < b.len() {
                format!("{}-{}", b[i - 1], b[i])
            } else {
                format!(">{}", b[b.len() - 1])
            };
            parts.push(format!(
                "{label}: {:.0}%",
                *n as f64 * 100.0 / pauses.max(1) as f64
            ));
        }
        format!("{pauses} pauses ≥1 ms [{}]", parts.join(", "))
    }
}

impl Measured {
    /// This window and `other` (a later round) as one: totals, extremes,
    /// and per-second figures over both.
    fn merge(self, other: Measured) -> Measured {
        let secs = self.secs + other.secs;
        let per_s = |a: f64, b: f64| (a * self.secs + b * other.secs) / secs;
        let mut threads = self.threads;
        for (name, s, runs) in other.threads {
            match threads.iter_mut().find(|(n, _, _)| *n == name) {
                Some(t) => {
                    t.1 += s;
                    t.2 += runs;
                }
                None => threads.push((name, s, runs)),
            }
        }
        threads.sort_by(|a, b| b.1.total_cmp(&a.1));
        Measured {
            cpu_s: self.cpu_s + other.cpu_s,
            cpu_precise_s: self.cpu_precise_s + other.cpu_precise_s,
            bytes: self.bytes + other.bytes,
            secs,
            viewers: self.viewers.max(other.viewers),
            min_rate: self.min_rate.min(other.min_rate),
            avg_rate: per_s(self.avg_rate, other.avg_rate),
            max_gap_ms: self.max_gap_ms.max(other.max_gap_ms),
            provider_conns: self.provider_conns.max(other.provider_conns),
            peak_rss_mib: self.peak_rss_mib.max(other.peak_rss_mib),
            rss_reset: self.rss_reset && other.rss_reset,
            reads_per_s: per_s(self.reads_per_s, other.reads_per_s),
            ctx_per_s: per_s(self.ctx_per_s, other.ctx_per_s),
            gaps: self
                .gaps
                .iter()
                .zip(&other.gaps)
                .map(|(a, b)| a + b)
                .collect(),
            threads,
        }
    }

    fn gb(&self) -> f64 {
        self.bytes as f64 / 1e9
    }
    /// On-CPU seconds per GB by schedstat (ns-precise). The clock-tick
    /// figure (`cpu_s`, 10 ms steps) is too coarse for one viewer: 4 to 6
    /// ticks in a window, so it is only shown beside it in the details.
    fn cpu_per_gb(&self) -> f64 {
        self.cpu_precise_s / self.gb().max(1e-12)
    }
}

/// A lineup channel and the panel stream StreamForge plays for it.
#[derive(Clone, Debug)]
struct Channel {
    number: String,
    name: String,
    stream_id: u32,
}

struct Viewers {
    list: Vec<(Arc<ViewerStats>, tokio::task::JoinHandle<()>, String)>,
}

/// Fields drop in order: viewers first, then nginx, serve and the panel.
struct Bench {
    rt: tokio::runtime::Runtime,
    client: reqwest::blocking::Client,
    nginx: procs::NginxGuard,
    serve: setup::Serve,
    sim: SimProvider,
    byte_rate: f64,
    problems: Vec<String>,
    notes: Vec<String>,
}

/// `name 0.123 s (94%, 812 runs), ...` for the busiest threads (a run is
/// one stretch on a CPU, so runs count wake-ups and preemptions).
fn threads_text(threads: &[(String, f64, u64)]) -> String {
    let total: f64 = threads.iter().map(|(_, s, _)| s).sum();
    let parts: Vec<String> = threads
        .iter()
        .take(4)
        .map(|(n, s, runs)| {
            format!(
                "{n} {:.3} s ({:.0}%, {runs} runs)",
                s,
                s * 100.0 / total.max(1e-12)
            )
        })
        .collect();
    parts.join(", ")
}

/// Starts `perf record -g` (or `strace -c`) on `pids` into `dir/name.*` (stopped by the caller).
fn record_profile(dir: &std::path::Path, name: &str, pids: &[u32]) -> Option<std::process::Child> {
    let _ = std::fs::create_dir_all(dir);
    let list: Vec<String> = pids.iter().map(u32::to_string).collect();
    let mut cmd = if std::env::var_os("RELAY_BENCH_STRACE").is_some() {
        let mut c = std::process::Command::new("strace");
        if std::env::var_os("RELAY_BENCH_STRACE").is_some_and(|v| v == "calls") {
            c.args(["-f", "-e", "trace=recvfrom,writev,epoll_wait", "-o"]);
        } else {
            c.args(["-c", "-f", "-o"]);
        }
        c.arg(dir.join(format!("{name}.strace")));
        for p in &list {
            c.args(["-p", p]);
        }
        c
    } else {
        let mut c = std::process::Command::new("perf");
        c.args(["record", "-q", "-g", "-F", "9999", "-o"])
            .arg(dir.join(format!("{name}.data")))
            .args(["-p", &list.join(",")]);
        c
    };
    cmd.stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| eprintln!("relay bench: perf could not start: {e}"))
        .ok()
}

fn main() {
    // Missing tools fail at once, never skip.
    setup::nginx_binary();
    setup::require_ffmpeg();
    let started = Instant::now();
    let tmp = tempfile::Builder::new()
        .prefix("relay-bench-")
        .tempdir()
        .unwrap();
    let clip = setup::make_clip(tmp.path());
    let byte_rate = clip.bitrate_bps() as f64 / 8.0;
    eprintln!("relay bench: clip {clip:?}");
    let sim = setup::start_sim(clip);
    let data = streamforge_testkit::prepared(&sim, 64);
    eprintln!(
        "relay bench: data dir ready after {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let serve = setup::start_serve(data.path());
    let nginx = setup::start_nginx(sim.port());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let client = reqwest::blocking::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let mut bench = Bench {
        sim,
        serve,
        nginx,
        client,
        rt,
        byte_rate,
        problems: Vec::new(),
        notes: Vec::new(),
    };
    bench.run(started);
    let problems = std::mem::take(&mut bench.problems);
    // Stop viewers, nginx, serve and the panel before judging.
    drop(bench);
    drop(data);
    if !problems.is_empty() {
        panic!(
            "the relay bench found {} problem(s):\n  {}",
            problems.len(),
            problems.join("\n  ")
        );
    }
}

impl Bench {
    fn run(&mut self, started: Instant) {
        let channels = self.map_channels(32);
        // Once the first tunes' sessions are over (a session still in its
        // idle grace made this figure swing between 27 and 66 MiB).
        self.idle_cpu();
        let idle_rss = procs::rss_mib(&[self.serve.server.pid()]);
        eprintln!(
            "relay bench: {} channels mapped, e.g. {:?}",
            channels.len(),
            &channels[..3]
        );
        let mut results: Vec<(Option<Measured>, Option<Measured>)> = Vec::new();
        let only: Option<Vec<usize>> = std::env::var("RELAY_BENCH_ONLY").ok().map(|v| {
            v.split(',')
                .map(|n| {
                    n.trim()
                        .parse()
                        .expect("RELAY_BENCH_ONLY: scenario numbers, e.g. 1,3")
                })
                .collect()
        });
        for (i, sc) in SCENARIOS.iter().enumerate() {
            if only.as_ref().is_some_and(|o| !o.contains(&(i + 1))) {
                results.push((None, None));
                continue;
            }
            // The last scenarios only if time allows (the whole run stays near 7 min).
            if i >= SCENARIOS.len() - 2 && started.elapsed() > Duration::from_secs(480) {
                self.notes
                    .push(format!("skipped `{}`: out of time", sc.name));
                results.push((None, None));
                continue;
            }
            let rounds = if sc.target.is_some() { rounds() } else { 1 };
            let mut pair: (Option<Measured>, Option<Measured>) = (None, None);
            for round in 0..rounds {
                let order = if (i + round) % 2 == 0 {
                    [Target::Sf, Target::Nginx]
                } else {
                    [Target::Nginx, Target::Sf]
                };
                for t in order {
                    let m = self.scenario(sc, t, &channels[..sc.channels]);
                    eprintln!(
                        "relay bench: {} / {} (round {}): {}",
                        sc.name,
                        t.name(),
                        round + 1,
                        m.as_ref()
                            .map(|m| format!(
                                "{:.3} CPU s/GB, {:.1} MB, {} provider conns",
                                m.cpu_per_gb(),
                                m.bytes as f64 / 1e6,
                                m.provider_conns
                            ))
                            .unwrap_or_else(|| "failed".into())
                    );
                    let slot = if t == Target::Sf {
                        &mut pair.0
                    } else {
                        &mut pair.1
                    };
                    *slot = match (slot.take(), m) {
                        (Some(a), Some(b)) => Some(a.merge(b)),
                        (a, b) => a.or(b),
                    };
                }
            }
            results.push(pair);
        }
        let cold = self.cold_ttfb(&channels[..channels.len().min(10)]);
        let join = self.join_ttfb(&channels[0]);
        let lag = self.status().ok().map(|s| s["runtime_lag"].clone());
        self.print(&results, &cold, &join, idle_rss, lag, started);
    }

    // ---- StreamForge's API -------------------------------------------------

    fn status(&self) -> Result<serde_json::Value, String> {
        self.client
            .get(format!("{}/api/v1/status", self.serve.server.url))
            .bearer_auth(&self.serve.server.token)
            .send()
            .and_then(|r| r.error_for_status())
            .and_then(|r| r.json())
            .map_err(|e| format!("status: {e}"))
    }

    fn sessions(&self) -> Vec<serde_json::Value> {
        self.status()
            .ok()
            .and_then(|s| s["sessions"].as_array().cloned())
            .unwrap_or_default()
    }

    fn path(&self, target: Target, ch: &Channel) -> String {
        match target {
            Target::Sf => format!("/stream/{}", ch.number),
            Target::Direct | Target::Nginx => {
                let url = self.sim.stream_url(ch.stream_id);
                url[self.sim.base_url().len()..].to_string()
            }
        }
    }

    fn addr(&self, target: Target) -> SocketAddr {
        match target {
            Target::Sf => self.serve.addr,
            Target::Nginx => SocketAddr::from(([127, 0, 0, 1], self.nginx.port)),
            Target::Direct => SocketAddr::from(([127, 0, 0, 1], self.sim.port())),
        }
    }

    fn pids(&self, target: Target) -> Vec<u32> {
        match target {
            Target::Sf => vec![self.serve.server.pid()],
            Target::Nginx => self.nginx.pids(),
            Target::Direct => Vec::new(),
        }
    }

    /// Waits until no channel runs and the panel serves no stream.
    fn wait_quiet(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if self.sim.open_streams() == 0 && self.sessions().is_empty() {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "not quiet after 15 s: {} provider streams open, sessions {:?}",
                    self.sim.open_streams(),
                    self.sessions()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    // ---- viewers -----------------------------------------------------------

    fn spawn_viewers(&self, target: Target, plan: &[(Channel, usize)]) -> Viewers {
        let addr = self.addr(target);
        let mut list = Vec::new();
        for (ch, n) in plan {
            for _ in 0..*n {
                let stats = Arc::new(ViewerStats::default());
                let path = self.path(target, ch);
                let handle = self
                    .rt
                    .spawn(http::viewer(addr, path.clone(), stats.clone()));
                list.push((stats, handle, format!("{} {}", target.name(), ch.name)));
            }
        }
        Viewers { list }
    }

    /// Waits until every viewer has received bytes; the failures otherwise.
    fn wait_playing(&self, viewers: &Viewers, limit: Duration) -> Result<(), String> {
        let deadline = Instant::now() + limit;
        loop {
            let waiting: Vec<String> = viewers
                .list
                .iter()
                .enumerate()
                .filter(|(_, (s, _, _))| s.bytes() == 0)
                .map(|(i, (s, _, what))| {
                    format!(
                        "viewer {i} ({what}): {}",
                        s.error().unwrap_or_else(|| "no bytes yet".into())
                    )
                })
                .collect();
            if waiting.is_empty() {
                return Ok(());
            }
            let dead = viewers
                .list
                .iter()
                .any(|(s, _, _)| s.ended.load(Ordering::Acquire));
            if dead || Instant::now() > deadline {
                return Err(format!(
                    "{} of {} viewers got no bytes within {limit:?}: {}",
                    waiting.len(),
                    viewers.list.len(),
                    waiting
                        .iter()
                        .take(3)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join("; ")
                ));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn stop_viewers(&self, viewers: Viewers) {
        for (_, h, _) in &viewers.list {
            h.abort();
        }
        self.rt.block_on(async {
            let _ = tokio::time::timeout(Duration::from_secs(5), async {
                for (_, h, _) in viewers.list {
                    let _ = h.await;
                }
            })
            .await;
        });
    }

    // ---- channels ----------------------------------------------------------

    /// The lineup's first `want` channels and the panel stream StreamForge
    /// plays for each (tuned once, read from its status).
    fn map_channels(&mut self, want: usize) -> Vec<Channel> {
        let lineup: serde_json::Value = self
            .client
            .get(format!("http://{}/lineup.json", self.serve.addr))
            .send()
            .and_then(|r| r.json())
            .expect("lineup.json");
        let mut channels: Vec<Channel> = lineup
            .as_array()
            .expect("lineup.json is a list")
            .iter()
            .take(want)
            .map(|e| Channel {
                number: e["GuideNumber"].as_str().unwrap_or_default().to_string(),
                name: e["GuideName"].as_str().unwrap_or_default().to_string(),
                stream_id: 0,
            })
            .collect();
        assert!(
            channels.len() >= 30,
            "the lineup has {} channels, the bench needs 30: {lineup}",
            channels.len()
        );
        let plan: Vec<(Channel, usize)> = channels.iter().map(|c| (c.clone(), 1)).collect();
        let viewers = self.spawn_viewers(Target::Sf, &plan);
        if let Err(e) = self.wait_playing(&viewers, Duration::from_secs(30)) {
            self.stop_viewers(viewers);
            panic!("tuning the lineup through StreamForge: {e}");
        }
        let sessions = self.sessions();
        self.stop_viewers(viewers);
        let keys: HashMap<String, u32> = sessions
            .iter()
            .filter_map(|s| {
                Some((
                    s["channel"].as_str()?.to_string(),
                    s["stream_key"].as_str()?.parse().ok()?,
                ))
            })
            .collect();
        for c in &mut channels {
            c.stream_id = *keys.get(&c.number).unwrap_or_else(|| {
                panic!(
                    "channel {} ({}) is not in the status: {sessions:?}",
                    c.number, c.name
                )
            });
        }
        self.wait_quiet();
        channels
    }

    // ---- CPU, memory, provider connections ----------------------------------

    /// CPU used with nothing playing, over 2 s (a floor every scenario pays).
    fn idle_cpu(&mut self) {
        self.wait_quiet();
        let secs = 2.0;
        let (sf, ng) = (self.pids(Target::Sf), self.pids(Target::Nginx));
        let (t_sf, t_ng) = (procs::thread_times(&sf), procs::thread_times(&ng));
        let (c_sf, c_ng) = (procs::context_switches(&sf), procs::context_switches(&ng));
        std::thread::sleep(Duration::from_secs_f64(secs));
        let sf_threads = procs::thread_cpu_between(&t_sf, &procs::thread_times(&sf));
        let ng_threads = procs::thread_cpu_between(&t_ng, &procs::thread_times(&ng));
        let ms = |v: &[(String, f64, u64)]| {
            (v.iter().map(|(_, s, _)| s).sum::<f64>() * 1000.0 / secs).max(0.0)
        };
        self.notes.push(format!(
            "idle (nothing playing, {secs} s): StreamForge {:.2} ms CPU/s, {:.0} ctx switches/s [{}]; nginx {:.2} ms CPU/s, {:.0} ctx switches/s",
            ms(&sf_threads),
            (procs::context_switches(&sf) - c_sf) as f64 / secs,
            threads_text(&sf_threads),
            ms(&ng_threads),
            (procs::context_switches(&ng) - c_ng) as f64 / secs,
        ));
    }

    fn scenario(
        &mut self,
        sc: &Scenario,
        target: Target,
        channels: &[Channel],
    ) -> Option<Measured> {
        self.wait_quiet();
        let pids = self.pids(target);
        let rss_reset = procs::reset_peak_rss(&pids);
        let conns0 = self.sim.stream_connections_total();
        let plan: Vec<(Channel, usize)> = channels
            .iter()
            .map(|c| (c.clone(), sc.per_channel))
            .collect();
        let viewers = self.spawn_viewers(target, &plan);
        let label = format!("{} / {}", sc.name, target.name());
        if let Err(e) = self.wait_playing(&viewers, Duration::from_secs(20)) {
            self.problems.push(format!("{label}: {e}"));
            self.stop_viewers(viewers);
            return None;
        }
        std::thread::sleep(WARMUP);
        let pids = self.pids(target);
        let b0: Vec<u64> = viewers.list.iter().map(|(s, _, _)| s.bytes()).collect();
        for (s, _, _) in &viewers.list {
            s.max_gap_us.store(0, Ordering::Relaxed);
            s.reads.store(0, Ordering::Relaxed);
            for g in &s.gaps {
                g.store(0, Ordering::Relaxed);
            }
        }
        let ctx0 = procs::context_switches(&pids);
        let threads0 = procs::thread_times(&pids);
        let (cpu0, cpup0, t0) = (
            procs::cpu_seconds(&pids),
            procs::cpu_seconds_precise(&pids),
            Instant::now(),
        );
        let perf = std::env::var_os("RELAY_BENCH_PERF").map(|dir| {
            let name = format!("{}-{}", sc.name.replace(' ', "-"), target.name());
            record_profile(std::path::Path::new(&dir), &name, &pids)
        });
        std::thread::sleep(WINDOW);
        if let Some(Some(mut perf)) = perf {
            // perf writes its file on SIGINT.
            let _ = std::process::Command::new("kill")
                .args(["-INT", &perf.id().to_string()])
                .status();
            let _ = perf.wait();
        }
        let (cpu1, cpup1, secs) = (
            procs::cpu_seconds(&pids),
            procs::cpu_seconds_precise(&pids),
            t0.elapsed().as_secs_f64(),
        );
        let b1: Vec<u64> = viewers.list.iter().map(|(s, _, _)| s.bytes()).collect();
        let ctx = procs::context_switches(&pids).saturating_sub(ctx0);
        let threads = procs::thread_cpu_between(&threads0, &procs::thread_times(&pids));
        let reads: u64 = viewers
            .list
            .iter()
            .map(|(s, _, _)| s.reads.load(Ordering::Relaxed))
            .sum();
        let mut gaps = vec![0u64; http::GAP_BUCKETS_MS.len() + 1];
        for (s, _, _) in &viewers.list {
            for (total, g) in gaps.iter_mut().zip(&s.gaps) {
                *total += g.load(Ordering::Relaxed);
            }
        }
        let peak = procs::peak_rss_mib(&pids);
        let provider_conns = self.sim.stream_connections_total() - conns0;
        let max_gap_us = viewers
            .list
            .iter()
            .map(|(s, _, _)| s.max_gap_us.load(Ordering::Relaxed))
            .max()
            .unwrap_or(0);
        // Broken: a viewer without bytes, misaligned, or gone.
        for (i, ((s, _, what), (a, b))) in viewers.list.iter().zip(b0.iter().zip(&b1)).enumerate() {
            if b == a {
                self.problems.push(format!(
                    "{label}: viewer {i} ({what}) received nothing in the window ({})",
                    s.error().unwrap_or_else(|| "still connected".into())
                ));
            } else if let Some(e) = s.error() {
                self.problems
                    .push(format!("{label}: viewer {i} ({what}) stopped: {e}"));
            }
            let bad = s.misaligned.load(Ordering::Relaxed);
            if bad > 0 {
                self.problems.push(format!(
                    "{label}: viewer {i} ({what}) saw {bad} packet starts without a sync byte"
                ));
            }
        }
        if target == Target::Sf {
            let sessions = self.sessions();
            let viewers_seen: u64 = sessions.iter().filter_map(|s| s["viewers"].as_u64()).sum();
            if sessions.len() != channels.len() || viewers_seen != viewers.list.len() as u64 {
                self.problems.push(format!(
                    "{label}: status shows {} sessions and {viewers_seen} viewers, expected {} and {}",
                    sessions.len(),
                    channels.len(),
                    viewers.list.len()
                ));
            }
            if provider_conns > channels.len() as u64 {
                self.problems.push(format!(
                    "{label}: StreamForge opened {provider_conns} provider connections for {} channel(s)",
                    channels.len()
                ));
            }
        }
        self.stop_viewers(viewers);
        let rates: Vec<f64> = b0
            .iter()
            .zip(&b1)
            .map(|(a, b)| (b - a) as f64 / secs / self.byte_rate)
            .collect();
        Some(Measured {
            cpu_s: cpu1 - cpu0,
            cpu_precise_s: cpup1 - cpup0,
            bytes: b1.iter().sum::<u64>() - b0.iter().sum::<u64>(),
            secs,
            viewers: rates.len(),
            min_rate: rates.iter().cloned().fold(f64::INFINITY, f64::min),
            avg_rate: rates.iter().sum::<f64>() / rates.len() as f64,
            max_gap_ms: max_gap_us as f64 / 1000.0,
            provider_conns,
            peak_rss_mib: peak,
            rss_reset,
            reads_per_s: reads as f64 / secs / rates.len() as f64,
            ctx_per_s: ctx as f64 / secs,
            gaps,
            threads,
        })
    }

    // ---- time to first byte ------------------------------------------------

    fn probe(
        &mut self,
        target: Target,
        ch: &Channel,
        want: usize,
        what: &str,
    ) -> Option<http::FirstBytes> {
        match first_bytes(
            self.addr(target),
            &self.path(target, ch),
            want,
            Duration::from_secs(6),
        ) {
            Ok(fb) => Some(fb),
            Err(e) => {
                self.problems
                    .push(format!("{what} via {} ({}): {e}", target.name(), ch.name));
                None
            }
        }
    }

    /// Cold channel: nothing of it running anywhere; order rotates per try.
    fn cold_ttfb(&mut self, pool: &[Channel]) -> HashMap<&'static str, Vec<Duration>> {
        self.wait_quiet();
        let mut out: HashMap<&'static str, Vec<Duration>> = HashMap::new();
        let kinds = [Target::Direct, Target::Sf, Target::Nginx];
        for i in 0..TRIES {
            let ch = &pool[i % pool.len()];
            for k in 0..3 {
                let t = kinds[(i + k) % 3];
                if t == Target::Sf {
                    // StreamForge's idle grace (1 s) must have closed the channel.
                    let deadline = Instant::now() + Duration::from_secs(5);
                    while self
                        .sessions()
                        .iter()
                        .any(|s| s["channel"] == ch.number.as_str())
                    {
                        if Instant::now() > deadline {
                            self.problems.push(format!(
                                "cold TTFB: channel {} still running 5 s after its viewer left",
                                ch.number
                            ));
                            break;
                        }
                        std::thread::sleep(Duration::from_millis(20));
                    }
                }
                std::thread::sleep(Duration::from_millis(20));
                if let Some(fb) = self.probe(t, ch, 188, "cold TTFB") {
                    out.entry(t.name()).or_default().push(fb.ttfb);
                }
            }
        }
        out
    }

    /// A viewer joining a channel that is already playing (one viewer each
    /// through StreamForge and nginx, and one direct, keep it running).
    fn join_ttfb(
        &mut self,
        ch: &Channel,
    ) -> (
        HashMap<&'static str, Vec<Duration>>,
        HashMap<&'static str, usize>,
    ) {
        self.wait_quiet();
        let kinds = [Target::Direct, Target::Sf, Target::Nginx];
        let mut holders = Vec::new();
        for t in kinds {
            let h = self.spawn_viewers(t, &[(ch.clone(), 1)]);
            if let Err(e) = self.wait_playing(&h, Duration::from_secs(10)) {
                self.problems.push(format!("join TTFB holder: {e}"));
            }
            holders.push(h);
        }
        // A keyframe is in StreamForge's buffer after a GOP (1 s).
        std::thread::sleep(Duration::from_millis(1500));
        let conns0 = self.sim.stream_connections_total();
        let mut times: HashMap<&'static str, Vec<Duration>> = HashMap::new();
        let mut pat_first: HashMap<&'static str, usize> = HashMap::new();
        let want = 188 * 8;
        for i in 0..TRIES {
            for k in 0..3 {
                let t = kinds[(i + k) % 3];
                // Spread the joins over the GOP.
                std::thread::sleep(Duration::from_millis(20 + (i as u64 * 17) % 40));
                let Some(fb) = self.probe(t, ch, want, "join TTFB") else {
                    continue;
                };
                times.entry(t.name()).or_default().push(fb.ttfb);
                let aligned = fb.bytes.chunks(188).all(|p| p[0] == 0x47);
                let pat = aligned && first_pid(&fb.bytes) == Some(0);
                if pat {
                    *pat_first.entry(t.name()).or_default() += 1;
                } else if t != Target::Sf {
                    let note = format!(
                        "{} joiners start where the panel's stream starts, not at a PAT: first PID {:?}",
                        t.name(),
                        first_pid(&fb.bytes)
                    );
                    if !self.notes.contains(&note) {
                        self.notes.push(note);
                    }
                } else {
                    self.problems.push(format!(
                        "join TTFB: a StreamForge joiner's first bytes are not a PAT packet (aligned {aligned}, first PID {:?}, first bytes {:02x?})",
                        first_pid(&fb.bytes),
                        &fb.bytes[..8.min(fb.bytes.len())]
                    ));
                }
            }
        }
        let opened = self.sim.stream_connections_total() - conns0;
        let others = (times.get("direct").map_or(0, Vec::len)
            + times.get("nginx").map_or(0, Vec::len)) as u64;
        if opened > others {
            self.problems.push(format!(
                "join TTFB: StreamForge opened {} provider connection(s) for joiners of a running channel",
                opened - others
            ));
        }
        for h in holders {
            self.stop_viewers(h);
        }
        (times, pat_first)
    }

    // ---- the table ----------------------------------------------------------

    fn print(
        &self,
        results: &[(Option<Measured>, Option<Measured>)],
        cold: &HashMap<&'static str, Vec<Duration>>,
        join: &(
            HashMap<&'static str, Vec<Duration>>,
            HashMap<&'static str, usize>,
        ),
        idle_rss: f64,
        lag: Option<serde_json::Value>,
        started: Instant,
    ) {
        let dash = || "-".to_string();
        let mut rows: Vec<[String; 6]> = Vec::new();
        for (sc, (sf, ng)) in SCENARIOS.iter().zip(results) {
            let Some(target) = sc.target else { continue };
            let f = |m: &Option<Measured>| {
                m.as_ref()
                    .map_or("n/a".into(), |m| format!("{:.3}", m.cpu_per_gb()))
            };
            let ratio = match (sf, ng) {
                (Some(a), Some(b)) => format!("{:.2}×", a.cpu_per_gb() / b.cpu_per_gb()),
                _ => "n/a".into(),
            };
            rows.push([
                format!("CPU s/GB, {}", sc.name),
                dash(),
                f(sf),
                f(ng),
                ratio,
                format!("≤ {target:.2}×"),
            ]);
        }
        // Memory: idle + per channel 1.25 × (one GOP + 256 KiB) + 256 KiB per
        // extra viewer (the bench's clip has a keyframe every second).
        let gop = self.byte_rate;
        for (sc, (sf, ng)) in SCENARIOS.iter().zip(results) {
            if sc.per_channel != 1 || sc.channels < 10 {
                continue;
            }
            let budget = idle_rss
                + sc.channels as f64 * 1.25 * (gop + 256.0 * 1024.0) / MIB
                + (sc.channels * (sc.per_channel - 1)) as f64 * PER_EXTRA_VIEWER / MIB;
            let f = |m: &Option<Measured>| {
                m.as_ref()
                    .map_or("n/a".into(), |m| format!("{:.1} MiB", m.peak_rss_mib))
            };
            let ratio = match (sf, ng) {
                (Some(a), Some(b)) => format!("{:.2}×", a.peak_rss_mib / b.peak_rss_mib),
                _ => "n/a".into(),
            };
            rows.push([
                format!("peak RSS, {}", sc.name),
                dash(),
                f(sf),
                f(ng),
                ratio,
                format!("≤ {budget:.1} MiB"),
            ]);
        }
        let lag_ms = |k: &str| {
            lag.as_ref()
                .and_then(|l| l[k].as_f64())
                .map_or("n/a".into(), |v| format!("{v:.1} ms"))
        };
        rows.push([
            "runtime lag of the relay thread, max over the bench".into(),
            dash(),
            lag_ms("max_ms"),
            dash(),
            dash(),
            "≤ 50 ms".into(),
        ]);
        rows.push([
            "runtime lag, p99 (a bucket bound)".into(),
            dash(),
            lag_ms("p99_ms"),
            dash(),
            dash(),
            dash(),
        ]);
        for (sc, (sf, ng)) in SCENARIOS.iter().zip(results) {
            let f = |m: &Option<Measured>| {
                m.as_ref()
                    .map_or("n/a".into(), |m| m.provider_conns.to_string())
            };
            rows.push([
                format!("provider connections, {}", sc.name),
                dash(),
                f(sf),
                f(ng),
                dash(),
                format!("{} (1 per channel)", sc.channels),
            ]);
        }
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let stat = |m: &HashMap<&'static str, Vec<Duration>>, k: &str, p: f64| -> Option<f64> {
            let mut v: Vec<f64> = m.get(k)?.iter().map(|d| ms(*d)).collect();
            if v.is_empty() {
                return None;
            }
            v.sort_by(|a, b| a.partial_cmp(b).unwrap());
            let idx = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1;
            Some(v[idx])
        };
        let cell = |v: Option<f64>| v.map_or("n/a".into(), |v| format!("{v:.2} ms"));
        let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) => format!("{:.2}×", a / b),
            _ => "n/a".into(),
        };
        for (label, map, target) in [
            ("TTFB cold channel", cold, "≤ direct + 3 ms (median)"),
            ("TTFB joining a running channel", &join.0, "≤ 10 ms"),
        ] {
            for (pname, p) in [("median", 0.5), ("p90", 0.9)] {
                let (d, s, n) = (
                    stat(map, "direct", p),
                    stat(map, "StreamForge", p),
                    stat(map, "nginx", p),
                );
                rows.push([
                    format!(
                        "{label}, {pname} (n={})",
                        map.get("StreamForge").map_or(0, Vec::len)
                    ),
                    cell(d),
                    cell(s),
                    cell(n),
                    ratio(s, n),
                    if pname == "median" {
                        target.into()
                    } else {
                        dash()
                    },
                ]);
            }
        }
        let (d, s, n) = (
            stat(cold, "direct", 0.5),
            stat(cold, "StreamForge", 0.5),
            stat(cold, "nginx", 0.5),
        );
        let added = |x: Option<f64>| match (x, d) {
            (Some(x), Some(d)) => format!("{:+.2} ms", x - d),
            _ => "n/a".into(),
        };
        rows.push([
            "TTFB cold, median added over direct".into(),
            dash(),
            added(s),
            added(n),
            dash(),
            "≤ +3 ms".into(),
        ]);
        let pat = |k: &str| {
            format!(
                "{}/{}",
                join.1.get(k).copied().unwrap_or(0),
                join.0.get(k).map_or(0, Vec::len)
            )
        };
        rows.push([
            "joiner starts with 0x47 + PAT (PID 0)".into(),
            pat("direct"),
            pat("StreamForge"),
            pat("nginx"),
            dash(),
            "all".into(),
        ]);

        let header = [
            "measurement",
            "direct",
            "StreamForge",
            "nginx",
            "ratio (SF/nginx)",
            "target",
        ];
        let mut widths = header.map(|h| h.chars().count());
        for r in &rows {
            for (w, c) in widths.iter_mut().zip(r) {
                *w = (*w).max(c.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let parts: Vec<String> = cells
                .iter()
                .zip(widths)
                .enumerate()
                .map(|(i, (c, w))| {
                    let pad = w - c.chars().count();
                    if i == 0 || i == 5 {
                        format!("{c}{}", " ".repeat(pad))
                    } else {
                        format!("{}{c}", " ".repeat(pad))
                    }
                })
                .collect();
            format!("| {} |", parts.join(" | "))
        };
        println!();
        println!(
            "Relay vs nginx: {:.1} Mbit/s paced upstream (simulated panel), loopback, {} windows of {} s per server and CPU scenario, in turns",
            self.byte_rate * 8.0 / 1e6,
            ROUNDS,
            WINDOW.as_secs()
        );
        println!();
        println!("{}", line(&header.map(String::from)));
        let sep: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        println!("|-{}-|", sep.join("-|-"));
        for r in &rows {
            println!("{}", line(r));
        }
        println!();
        println!("Details per scenario (rate = bytes received per viewer / upstream rate; gaps = pauses between reads of the viewers, the panel sends every 20 ms):");
        for (sc, (sf, ng)) in SCENARIOS.iter().zip(results) {
            for (name, m) in [("StreamForge", sf), ("nginx", ng)] {
                let Some(m) = m else {
                    println!("  {:<30} {:<11} n/a", sc.name, name);
                    continue;
                };
                println!(
                    "  {:<30} {:<11} {:>3} viewers, {:>7.1} MB in {:.2} s, rate min {:>5.1}% avg {:>5.1}%, CPU {:.3} s by clock ticks ({:.3} s/GB by schedstat), {:.0} ctx switches/s, peak RSS {:.1} MiB{}, {} provider conns",
                    sc.name,
                    name,
                    m.viewers,
                    m.bytes as f64 / 1e6,
                    m.secs,
                    m.min_rate * 100.0,
                    m.avg_rate * 100.0,
                    m.cpu_s,
                    m.cpu_per_gb(),
                    m.ctx_per_s,
                    m.peak_rss_mib,
                    if m.rss_reset { "" } else { " (since start)" },
                    m.provider_conns
                );
                println!(
                    "  {:<30} {:<11} reads {:.0}/s per viewer, longest gap {:.1} ms, {} ms",
                    "",
                    "",
                    m.reads_per_s,
                    m.max_gap_ms,
                    m.gap_histogram()
                );
                println!(
                    "  {:<30} {:<11} CPU by thread: {}",
                    "",
                    "",
                    threads_text(&m.threads)
                );
            }
        }
        println!("  StreamForge RSS idle after the first tunes: {idle_rss:.1} MiB");
        println!(
            "  GOP of the clip: 25 frames (1 s) ≈ {:.2} MiB at its rate",
            gop / MIB
        );
        for n in &self.notes {
            println!("  note: {n}");
        }
        println!("  bench time: {:.0} s", started.elapsed().as_secs_f64());
        if !self.problems.is_empty() {
            println!();
            println!("PROBLEMS:");
            for p in &self.problems {
                println!("  {p}");
            }
            let log = self.serve.server.log();
            let tail: Vec<&str> = log.lines().rev().take(20).collect();
            println!("last lines of serve's log:");
            for l in tail.iter().rev() {
                println!("  {l}");
            }
        }
    }
}
