//! Two network namespaces joined by a veth pair, for tests that send real
//! broadcast and multicast traffic without it leaving the machine; plus
//! helpers to run code and programs inside them.

use std::net::Ipv4Addr;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Two namespaces `a` and `b` joined by a veth pair (`veth_a` in `a`,
/// `veth_b` in `b`) with `addr_a` (.1) and `addr_b` (.2) on a /24; deleted on
/// drop, even on panic.
pub struct Pair {
    /// The first namespace's name.
    pub a: String,
    /// The second namespace's name.
    pub b: String,
    /// The veth end inside `a`.
    pub veth_a: String,
    /// The veth end inside `b`.
    pub veth_b: String,
    /// The address of `veth_a` (`<prefix>.1`).
    pub addr_a: Ipv4Addr,
    /// The address of `veth_b` (`<prefix>.2`).
    pub addr_b: Ipv4Addr,
    /// The subnet's broadcast address (`<prefix>.255`).
    pub broadcast: Ipv4Addr,
}

impl Pair {
    /// Creates namespaces `sf-<tag>-a-<pid>` and `sf-<tag>-b-<pid>` on the
    /// subnet `<prefix>.0/24` (`prefix` is three octets, e.g. "10.254.77"):
    /// lo and the veth up with carrier, and a 239.0.0.0/8 multicast route on
    /// each side. Leftovers with the same names (a killed run) go first.
    pub fn create(tag: &str, prefix: &str) -> Pair {
        let pid = std::process::id();
        let octet = |n: u8| -> Ipv4Addr {
            format!("{prefix}.{n}")
                .parse()
                .unwrap_or_else(|e| panic!("bad subnet prefix {prefix:?}: {e}"))
        };
        let pair = Pair {
            a: format!("sf-{tag}-a-{pid}"),
            b: format!("sf-{tag}-b-{pid}"),
            veth_a: format!("sf{tag}a{pid}"),
            veth_b: format!("sf{tag}b{pid}"),
            addr_a: octet(1),
            addr_b: octet(2),
            broadcast: octet(255),
        };
        assert!(
            pair.veth_a.len() <= 15,
            "interface name {} is too long; use a shorter tag",
            pair.veth_a
        );
        pair.delete(); // left over by a killed run with the same pid
                       // The guard exists before anything is created, so a failure below still cleans up.
        ip(&["netns", "add", &pair.a]);
        ip(&["netns", "add", &pair.b]);
        ip(&[
            "link",
            "add",
            &pair.veth_a,
            "netns",
            &pair.a,
            "type",
            "veth",
            "peer",
            "name",
            &pair.veth_b,
            "netns",
            &pair.b,
        ]);
        for (ns, dev, addr) in [
            (&pair.a, &pair.veth_a, pair.addr_a),
            (&pair.b, &pair.veth_b, pair.addr_b),
        ] {
            ip(&["-n", ns, "link", "set", "lo", "up"]);
            ip(&["-n", ns, "addr", "add", &format!("{addr}/24"), "dev", dev]);
            ip(&["-n", ns, "link", "set", dev, "up"]);
            ip(&["-n", ns, "route", "add", "239.0.0.0/8", "dev", dev]);
        }
        wait_for_carrier(&pair.a, &pair.veth_a);
        wait_for_carrier(&pair.b, &pair.veth_b);
        pair
    }

    fn delete(&self) {
        // Deleting a namespace deletes the veth end inside it, and so the pair.
        for ns in [&self.a, &self.b] {
            let _ = Command::new("ip")
                .args(["netns", "del", ns])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        let _ = Command::new("ip")
            .args(["link", "del", &self.veth_a])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        self.delete();
    }
}

/// Fails (never skips) unless running as root with every `(tool, install_hint)`
/// on the path: CI runs these tests as root.
pub fn require(tools: &[(&str, &str)]) {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let euid = unsafe { libc::geteuid() };
    let test = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .map(|s| {
            s.rsplit_once('-')
                .map_or(s.clone(), |(name, _)| name.to_string())
        })
        .unwrap_or_else(|| "<test>".into());
    assert_eq!(
        euid, 0,
        "this test needs root (network namespaces or a tmpfs mount) \
         (CAP_SYS_ADMIN + CAP_NET_ADMIN; CI does); \
         run `sudo -E cargo test -p streamforge --test {test}`"
    );
    for (tool, hint) in tools {
        assert!(on_path(tool), "`{tool}` is missing: {hint}");
    }
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .chain(["/usr/sbin".into(), "/sbin".into()])
                .any(|d| d.join(tool).is_file())
        })
        .unwrap_or(false)
}

/// Runs `ip` with `args`, panicking with its stderr when it fails.
pub fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("running ip");
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Waits (bounded) until a veth end has carrier; a fresh pair takes a moment.
fn wait_for_carrier(ns: &str, dev: &str) {
    let what = format!("{dev} in {ns} coming up");
    crate::wait::wait_until(&what, Duration::from_secs(10), || {
        let out = Command::new("ip")
            .args(["-n", ns, "-o", "link", "show", "dev", dev])
            .output()
            .expect("running ip");
        let text = String::from_utf8_lossy(&out.stdout);
        text.contains("LOWER_UP") && !text.contains("NO-CARRIER")
    });
}

fn try_enter(ns: &str) -> Result<(), String> {
    use std::os::fd::AsRawFd;
    let path = format!("/var/run/netns/{ns}");
    let file = std::fs::File::open(&path).map_err(|e| format!("open {path}: {e}"))?;
    // SAFETY: a valid namespace fd; only this thread changes namespace.
    if unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        return Err(format!("setns {path}: {}", std::io::Error::last_os_error()));
    }
    Ok(())
}

/// Moves this thread into the network namespace `ns` (sockets it creates
/// afterwards live there); panics when it cannot.
pub fn enter(ns: &str) {
    try_enter(ns).unwrap_or_else(|e| panic!("{e}"));
}

/// Runs `f` on a new thread whose network namespace is `ns`, inside its own
/// single-threaded runtime (so every socket it creates lives in `ns`).
pub fn spawn_in<F, Fut, T>(ns: &str, f: F) -> std::thread::JoinHandle<Result<T, String>>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<T, String>>,
    T: Send + 'static,
{
    let ns = ns.to_string();
    std::thread::spawn(move || {
        try_enter(&ns)?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        rt.block_on(f())
    })
}

/// Runs `cmd` to completion within `limit`, failing the test otherwise;
/// its stdout and stderr together.
pub fn run_bounded(cmd: Command, limit: Duration) -> String {
    let out = crate::process::run_bounded(cmd, "", limit).unwrap_or_else(|e| panic!("{e}"));
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    text
}

/// `streamforge serve` over data dir `data` inside namespace `ns`, with
/// `args` after `serve`; returned once it says UDP discovery listens (60 s at
/// most), killed and reaped when dropped.
pub fn serve_in(ns: &str, data: &std::path::Path, args: &[&str]) -> crate::process::Reaped {
    use std::io::{BufRead, BufReader};
    let inner = crate::process::streamforge(data);
    let mut cmd = Command::new("ip");
    cmd.args(["netns", "exec", ns])
        .arg(inner.get_program())
        .args(inner.get_args())
        .envs(inner.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .arg("serve")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut server = crate::process::Reaped(
        cmd.spawn()
            .expect("spawning streamforge serve in the namespace"),
    );
    let stdout = server.0.stdout.take().unwrap();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains("discovery: HDHomeRun UDP on") {
                let _ = ready_tx.send(());
            }
        }
    });
    ready_rx
        .recv_timeout(Duration::from_secs(60))
        .expect("streamforge serve never started UDP discovery in the namespace");
    server
}
