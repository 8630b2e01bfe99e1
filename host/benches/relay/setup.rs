//! Everything the bench runs against: the 20 Mbit/s clip (ffmpeg), the
//! simulated panel playing it on every stream, a data dir prepared with the
//! CLI, `streamforge serve`, and nginx as a reverse proxy to the panel.

use super::procs::{children_of, NginxGuard};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use streamforge_sim::{Clip, SimConfig, SimProvider};
use streamforge_testkit::process::run_bounded;
use streamforge_testkit::Server;

/// The nginx binary, or a failure naming the package to install.
pub fn nginx_binary() -> PathBuf {
    let found = ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .or_else(|| {
            Command::new("nginx")
                .arg("-v")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .ok()
                .map(|_| PathBuf::from("nginx"))
        });
    found.unwrap_or_else(|| panic!("nginx not found: install nginx (apt-get install nginx-light)"))
}

/// Fails unless ffmpeg runs.
pub fn require_ffmpeg() {
    let ok = Command::new("ffmpeg")
        .arg("-version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "ffmpeg not found: install ffmpeg (apt-get install ffmpeg)"
    );
}

/// A 4 s 1080p H.264 + AAC clip muxed at a constant 20 Mbit/s.
pub fn make_clip(dir: &Path) -> Clip {
    let out = dir.join("clip-20mbit.ts");
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-nostdin", "-y", "-v", "error"])
        .args(["-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=25"])
        .args(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"])
        .args([
            "-t",
            "4",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-g",
            "25",
        ])
        .args(["-b:v", "18M", "-maxrate", "18M", "-bufsize", "18M"])
        .args([
            "-c:a", "aac", "-b:a", "128k", "-f", "mpegts", "-muxrate", "20M",
        ])
        .arg(&out);
    let done = run_bounded(cmd, "", Duration::from_secs(120)).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        done.status.success(),
        "ffmpeg failed: {}",
        String::from_utf8_lossy(&done.stderr)
    );
    let bytes = std::fs::read(&out).unwrap();
    let clip = Clip::from_ts(bytes).unwrap_or_else(|e| panic!("the generated clip: {e}"));
    let mbit = clip.bitrate_bps() as f64 / 1e6;
    assert!(
        (17.0..=23.0).contains(&mbit),
        "the generated clip plays at {mbit:.1} Mbit/s, not about 20: {clip:?}"
    );
    clip
}

/// A generated panel of 96 streams, every one playing `clip`.
pub fn start_sim(clip: Clip) -> SimProvider {
    let mut config = SimConfig::generated(96, 1);
    config.max_connections = 256;
    config.default_clip = Some(clip);
    SimProvider::start_blocking(config)
}

/// A running `streamforge serve` and its tuner's address.
pub struct Serve {
    pub server: Server,
    /// The tuner's address.
    pub addr: SocketAddr,
}

/// Starts `serve` on a free loopback port (idle grace 1 s).
pub fn start_serve(data: &Path) -> Serve {
    let server = Server::start(data, &["--idle-grace", "1"]);
    let addr: SocketAddr = server
        .base
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .unwrap_or_else(|_| panic!("base_url `{}` is not http://ADDR", server.base));
    Serve { server, addr }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// nginx proxying everything to the panel at `upstream`, as DESIGN.md
/// section 7 names it: `proxy_buffering off`, `proxy_buffer_size 64k`.
pub fn start_nginx(upstream: u16) -> NginxGuard {
    let binary = nginx_binary();
    let dir = tempfile::Builder::new()
        .prefix("relay-bench-nginx-")
        .tempdir()
        .unwrap();
    let d = dir.path().display().to_string();
    for sub in ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
    }
    let port = free_port();
    let user = if unsafe { libc::geteuid() } == 0 {
        "user root;\n"
    } else {
        ""
    };
    let conf = format!(
        "{user}worker_processes auto;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
worker_rlimit_nofile 8192;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_buffering off;
            proxy_buffer_size 64k;
            # Unused without buffering, but nginx checks them against 64k.
            proxy_buffers 8 64k;
            proxy_busy_buffers_size 64k;
            proxy_http_version 1.1;
        }}
    }}
}}
"
    );
    let conf_path = dir.path().join("nginx.conf");
    std::fs::write(&conf_path, conf).unwrap();
    let child = Command::new(&binary)
        .arg("-p")
        .arg(dir.path())
        .arg("-e")
        .arg(dir.path().join("error.log"))
        .arg("-c")
        .arg(&conf_path)
        .args(["-g", "daemon off;"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.path().join("stderr.log")).unwrap())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {}: {e}: install nginx (apt-get install nginx-light)",
                binary.display()
            )
        });
    let mut guard = NginxGuard { child, port, dir };
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Ok(Some(status)) = guard.child.try_wait() {
            let err =
                std::fs::read_to_string(guard.dir.path().join("stderr.log")).unwrap_or_default();
            let log =
                std::fs::read_to_string(guard.dir.path().join("error.log")).unwrap_or_default();
            panic!("nginx exited ({status}): {err}{log}");
        }
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
            && !children_of(guard.child.id()).is_empty()
        {
            return guard;
        }
        assert!(Instant::now() < deadline, "nginx did not start within 15 s");
        std::thread::sleep(Duration::from_millis(50));
    }
}
