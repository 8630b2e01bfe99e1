//! A viewing client on a plain TCP socket, so the time of every read is the
//! time the bytes reached the client (no HTTP library's threads or channels
//! in between). It decodes the chunked body, notes when each read that
//! carried body bytes arrived, and says whether the body ended by itself.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Longest a viewer runs, whatever happens.
const LIMIT: Duration = Duration::from_secs(60);

/// What a viewer received.
pub struct Recording {
    /// The body, cut at the end of the last whole chunk received.
    pub body: Vec<u8>,
    /// (arrival, body bytes) of every read that carried body bytes.
    pub arrivals: Vec<(Instant, usize)>,
    /// Why the body ended before the viewer left, if it did.
    pub ended: Option<String>,
}

/// Progress so far, readable while the viewer runs.
#[derive(Clone, Copy, Default)]
pub struct Progress {
    pub last_arrival: Option<Instant>,
    pub bytes: u64,
}

/// A viewer reading `/stream/...` on its own thread until told to stop.
pub struct Viewer {
    stop: Arc<AtomicBool>,
    progress: Arc<Mutex<Progress>>,
    thread: Option<JoinHandle<Result<Recording, String>>>,
}

impl Viewer {
    /// Connects to `host:port` and asks for `path`.
    pub fn start(host: String, port: u16, path: String) -> Viewer {
        let stop = Arc::new(AtomicBool::new(false));
        let progress = Arc::new(Mutex::new(Progress::default()));
        let thread = {
            let stop = stop.clone();
            let progress = progress.clone();
            std::thread::spawn(move || watch(&host, port, &path, &stop, &progress))
        };
        Viewer {
            stop,
            progress,
            thread: Some(thread),
        }
    }

    pub fn progress(&self) -> Progress {
        *self.progress.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether the viewer's thread is over (an error or the end of the body).
    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(|t| t.is_finished())
    }

    /// Leaves (closes the connection) and hands back what was received.
    pub fn finish(mut self) -> Result<Recording, String> {
        self.stop.store(true, Ordering::SeqCst);
        let thread = self.thread.take().expect("finished once");
        thread
            .join()
            .unwrap_or_else(|_| Err("the viewer's thread panicked".into()))
    }
}

impl Drop for Viewer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn watch(
    host: &str,
    port: u16,
    path: &str,
    stop: &AtomicBool,
    progress: &Mutex<Progress>,
) -> Result<Recording, String> {
    let deadline = Instant::now() + LIMIT;
    let addr = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("{host}:{port}: {e}"))?
        .next()
        .ok_or_else(|| format!("{host}:{port}: no address"))?;
    let mut sock = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .map_err(|e| format!("connect {addr}: {e}"))?;
    sock.set_nodelay(true).map_err(|e| e.to_string())?;
    // Short read timeouts so `stop` and the deadline are noticed.
    sock.set_read_timeout(Some(Duration::from_millis(50)))
        .map_err(|e| e.to_string())?;
    sock.set_write_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    write!(
        sock,
        "GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: streamforge-failover-bench\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| format!("sending the request: {e}"))?;

    let mut rec = Recording {
        body: Vec::with_capacity(8 << 20),
        arrivals: Vec::with_capacity(4096),
        ended: None,
    };
    let mut buf = vec![0u8; 64 * 1024];
    let mut head = Vec::new();
    let mut body: Option<Body> = None;
    loop {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        if Instant::now() > deadline {
            return Err(format!("the viewer ran past its {LIMIT:?} limit"));
        }
        let n = match sock.read(&mut buf) {
            Ok(0) => {
                rec.ended = Some("the server closed the connection".into());
                break;
            }
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                continue
            }
            Err(e) => return Err(format!("the connection broke: {e}")),
        };
        let at = Instant::now();
        let data: &[u8] = if body.is_some() {
            &buf[..n]
        } else {
            head.extend_from_slice(&buf[..n]);
            let Some(end) = find(&head, b"\r\n\r\n") else {
                if head.len() > 64 * 1024 {
                    return Err("no end of the response head within 64 KiB".into());
                }
                continue;
            };
            let text = String::from_utf8_lossy(&head[..end]).to_string();
            let status = text.lines().next().unwrap_or_default();
            if !status.starts_with("HTTP/1.1 200") && !status.starts_with("HTTP/1.0 200") {
                return Err(format!("the relay answered {status:?}"));
            }
            let chunked = text.lines().any(|l| {
                let l = l.to_ascii_lowercase();
                l.starts_with("transfer-encoding:") && l.contains("chunked")
            });
            body = Some(Body::new(chunked));
            head.drain(..end + 4);
            &head
        };
        let b = body.as_mut().expect("set above");
        let before = rec.body.len();
        b.push(data, &mut rec.body)?;
        let got = rec.body.len() - before;
        if got > 0 {
            rec.arrivals.push((at, got));
            let mut p = progress.lock().unwrap_or_else(|e| e.into_inner());
            p.last_arrival = Some(at);
            p.bytes += got as u64;
        }
        if b.done {
            rec.ended = Some("the body ended (chunked terminator)".into());
            break;
        }
        head.clear();
    }
    if let Some(b) = &body {
        rec.body.truncate(b.whole);
    }
    Ok(rec)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A response body being decoded (chunked or read to the end).
struct Body {
    chunked: bool,
    /// Undecoded bytes (chunk-size lines split across reads).
    pending: Vec<u8>,
    /// Data bytes left in the current chunk.
    left: usize,
    /// The CRLF after a chunk's data is still to come.
    crlf: bool,
    /// Body length at the end of the last whole chunk.
    whole: usize,
    /// The last chunk (size 0) arrived.
    done: bool,
}

impl Body {
    fn new(chunked: bool) -> Body {
        Body {
            chunked,
            pending: Vec::new(),
            left: 0,
            crlf: false,
            whole: 0,
            done: false,
        }
    }

    fn push(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
        if !self.chunked {
            out.extend_from_slice(data);
            self.whole = out.len();
            return Ok(());
        }
        self.pending.extend_from_slice(data);
        let mut at = 0;
        while !self.done && at < self.pending.len() {
            if self.left > 0 {
                let n = self.left.min(self.pending.len() - at);
                out.extend_from_slice(&self.pending[at..at + n]);
                at += n;
                self.left -= n;
            } else if self.crlf {
                if self.pending.len() - at < 2 {
                    break;
                }
                if &self.pending[at..at + 2] != b"\r\n" {
                    return Err(format!("no CRLF after a chunk at body byte {}", out.len()));
                }
                at += 2;
                self.crlf = false;
                self.whole = out.len();
            } else {
                let Some(end) = find(&self.pending[at..], b"\r\n") else {
                    if self.pending.len() - at > 1024 {
                        return Err("a chunk-size line longer than 1 KiB".into());
                    }
                    break;
                };
                let line = String::from_utf8_lossy(&self.pending[at..at + end]).to_string();
                let size = line.split(';').next().unwrap_or_default().trim();
                let size = usize::from_str_radix(size, 16)
                    .map_err(|_| format!("bad chunk-size line {line:?}"))?;
                at += end + 2;
                if size == 0 {
                    self.done = true;
                } else {
                    self.left = size;
                    self.crlf = true;
                }
            }
        }
        self.pending.drain(..at);
        Ok(())
    }
}
