//! Child processes the bench starts (killed and reaped on every path) and
//! what `/proc` says about them: CPU time, peak RSS, children.

use std::process::Child;
use std::time::{Duration, Instant};

/// nginx: the master and its workers. Drop asks the master to stop
/// (SIGTERM), then kills whatever is left, workers included.
pub struct NginxGuard {
    pub child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl NginxGuard {
    /// The master and its workers.
    pub fn pids(&self) -> Vec<u32> {
        let master = self.child.id();
        let mut pids = vec![master];
        pids.extend(children_of(master));
        pids
    }
}

impl Drop for NginxGuard {
    fn drop(&mut self) {
        let master = self.child.id();
        let workers = children_of(master);
        unsafe {
            libc::kill(master as libc::pid_t, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        for pid in workers {
            // Only if it is still nginx (the pid was not reused).
            if comm(pid).is_some_and(|c| c.starts_with("nginx")) {
                unsafe {
                    libc::kill(pid as libc::pid_t, libc::SIGKILL);
                }
            }
        }
    }
}

/// Fields of `/proc/PID/stat` after the command name (index 0 is field 3, state).
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &text[text.rfind(')')? + 1..];
    Some(after.split_whitespace().map(str::to_string).collect())
}

fn comm(pid: u32) -> Option<String> {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .ok()
        .map(|s| s.trim().to_string())
}

/// Processes whose parent is `pid`.
pub fn children_of(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return out;
    };
    for entry in dir.flatten() {
        let Some(p) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        if let Some(f) = stat_fields(p) {
            if f.get(1).and_then(|v| v.parse::<u32>().ok()) == Some(pid) {
                out.push(p);
            }
        }
    }
    out.sort_unstable();
    out
}

fn clock_ticks() -> f64 {
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as f64
    } else {
        100.0
    }
}

/// utime + stime of all threads of `pids`, in seconds (`/proc/PID/stat`).
pub fn cpu_seconds(pids: &[u32]) -> f64 {
    let ticks: u64 = pids
        .iter()
        .filter_map(|&p| {
            let f = stat_fields(p)?;
            Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
        })
        .sum();
    ticks as f64 / clock_ticks()
}

/// On-CPU time of the live threads of `pids` in seconds, ns-precise
/// (`/proc/PID/task/*/schedstat`); threads that exit in between are missed.
pub fn cpu_seconds_precise(pids: &[u32]) -> f64 {
    let mut ns: u64 = 0;
    for &p in pids {
        let Ok(dir) = std::fs::read_dir(format!("/proc/{p}/task")) else {
            continue;
        };
        for entry in dir.flatten() {
            if let Ok(text) = std::fs::read_to_string(entry.path().join("schedstat")) {
                ns += text
                    .split_whitespace()
                    .next()
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(0);
            }
        }
    }
    ns as f64 / 1e9
}

fn status_kib(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// Sum of VmHWM (peak RSS since start or the last reset) over `pids`, in MiB.
pub fn peak_rss_mib(pids: &[u32]) -> f64 {
    pids.iter().map(|&p| status_kib(p, "VmHWM:")).sum::<u64>() as f64 / 1024.0
}

/// Sum of VmRSS over `pids`, in MiB.
pub fn rss_mib(pids: &[u32]) -> f64 {
    pids.iter().map(|&p| status_kib(p, "VmRSS:")).sum::<u64>() as f64 / 1024.0
}

/// Resets the peak RSS of `pids` to their current RSS. False if the kernel refused.
pub fn reset_peak_rss(pids: &[u32]) -> bool {
    pids.iter()
        .all(|&p| std::fs::write(format!("/proc/{p}/clear_refs"), "5").is_ok())
}

/// Context switches (voluntary + involuntary) of all live threads of `pids`.
pub fn context_switches(pids: &[u32]) -> u64 {
    let mut n = 0;
    for &p in pids {
        let Ok(dir) = std::fs::read_dir(format!("/proc/{p}/task")) else {
            continue;
        };
        for entry in dir.flatten() {
            if let Ok(text) = std::fs::read_to_string(entry.path().join("status")) {
                n += text
                    .lines()
                    .filter(|l| l.contains("ctxt_switches:"))
                    .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
                    .sum::<u64>();
            }
        }
    }
    n
}

/// On-CPU ns and times run (schedstat's first and third fields: every run
/// follows a context switch) of every live thread of `pids`: tid → (thread
/// name, ns, runs).
pub fn thread_times(pids: &[u32]) -> std::collections::HashMap<u32, (String, u64, u64)> {
    let mut out = std::collections::HashMap::new();
    for &p in pids {
        let Ok(dir) = std::fs::read_dir(format!("/proc/{p}/task")) else {
            continue;
        };
        for entry in dir.flatten() {
            let Some(tid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            let stat = std::fs::read_to_string(entry.path().join("schedstat")).unwrap_or_default();
            let fields: Vec<u64> = stat
                .split_whitespace()
                .filter_map(|f| f.parse().ok())
                .collect();
            let name = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
            if let [ns, _, runs] = fields[..] {
                out.insert(tid, (name.trim().to_string(), ns, runs));
            }
        }
    }
    out
}

/// CPU seconds and runs per thread name between two [`thread_times`]
/// snapshots, largest CPU first.
pub fn thread_cpu_between(
    before: &std::collections::HashMap<u32, (String, u64, u64)>,
    after: &std::collections::HashMap<u32, (String, u64, u64)>,
) -> Vec<(String, f64, u64)> {
    let mut by_name: std::collections::HashMap<String, (u64, u64)> =
        std::collections::HashMap::new();
    for (tid, (name, ns, runs)) in after {
        let (ns0, runs0) = before.get(tid).map_or((0, 0), |(_, ns, runs)| (*ns, *runs));
        let e = by_name.entry(name.clone()).or_default();
        e.0 += ns.saturating_sub(ns0);
        e.1 += runs.saturating_sub(runs0);
    }
    let mut v: Vec<(String, f64, u64)> = by_name
        .into_iter()
        .map(|(n, (ns, runs))| (n, ns as f64 / 1e9, runs))
        .filter(|(_, s, _)| *s > 0.0)
        .collect();
    v.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap());
    v
}
