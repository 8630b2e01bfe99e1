//! The bench's own HTTP/1.1 client, so nothing but a socket read sits between
//! the server and the count: `viewer` (a tokio task reading and discarding a
//! stream, counting payload bytes and checking 188-byte alignment) and
//! `first_bytes` (a blocking time-to-first-byte probe).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TS_PACKET: usize = 188;

/// The request line and headers for `path` on `addr`.
fn request(addr: SocketAddr, path: &str) -> String {
    format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: relay-bench\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    )
}

/// How the body is framed.
enum Framing {
    Chunked(ChunkState),
    Length(u64),
    Eof,
}

#[derive(Clone, Copy)]
enum ChunkState {
    /// Reading the hex size (`bool`: inside a chunk extension).
    Size(u64, bool),
    /// Size read, `\r` seen: expecting `\n`.
    SizeLf(u64),
    Data(u64),
    DataCr,
    DataLf,
    Done,
}

/// Decodes a response body as it arrives.
pub struct Body {
    framing: Framing,
}

impl Body {
    /// Parses a response head; `Ok((body, head length))` once `buf` holds it
    /// all, `Ok(None)` if more is needed. Anything but 200 is an error.
    fn parse_head(buf: &[u8]) -> Result<Option<(Body, usize)>, String> {
        let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
            if buf.len() > 64 * 1024 {
                return Err("response head too long".into());
            }
            return Ok(None);
        };
        let head = String::from_utf8_lossy(&buf[..end]).to_string();
        let mut lines = head.split("\r\n");
        let status = lines.next().unwrap_or_default();
        if status.split_whitespace().nth(1) != Some("200") {
            return Err(format!("answered `{status}`"));
        }
        let mut framing = Framing::Eof;
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
            if name == "transfer-encoding" && value.to_ascii_lowercase().contains("chunked") {
                framing = Framing::Chunked(ChunkState::Size(0, false));
            } else if name == "content-length" && !matches!(framing, Framing::Chunked(_)) {
                framing = Framing::Length(value.parse().map_err(|_| "bad content-length")?);
            }
        }
        Ok(Some((Body { framing }, end + 4)))
    }

    /// Feeds received bytes; `out` gets the payload pieces.
    fn feed<'a>(
        &mut self,
        mut input: &'a [u8],
        out: &mut impl FnMut(&'a [u8]),
    ) -> Result<(), String> {
        match &mut self.framing {
            Framing::Eof => {
                if !input.is_empty() {
                    out(input);
                }
                Ok(())
            }
            Framing::Length(left) => {
                let n = (input.len() as u64).min(*left) as usize;
                *left -= n as u64;
                if n > 0 {
                    out(&input[..n]);
                }
                Ok(())
            }
            Framing::Chunked(state) => {
                while !input.is_empty() {
                    match *state {
                        ChunkState::Size(v, ext) => {
                            let b = input[0];
                            input = &input[1..];
                            *state = match b {
                                b'\r' => ChunkState::SizeLf(v),
                                _ if ext => ChunkState::Size(v, true),
                                b';' | b' ' | b'\t' => ChunkState::Size(v, true),
                                _ => {
                                    let d = (b as char)
                                        .to_digit(16)
                                        .ok_or_else(|| format!("bad chunk size byte {b:#x}"))?;
                                    ChunkState::Size(v * 16 + d as u64, false)
                                }
                            };
                        }
                        ChunkState::SizeLf(v) => {
                            if input[0] != b'\n' {
                                return Err("bad chunk size line".into());
                            }
                            input = &input[1..];
                            *state = if v == 0 {
                                ChunkState::Done
                            } else {
                                ChunkState::Data(v)
                            };
                        }
                        ChunkState::Data(left) => {
                            let n = (input.len() as u64).min(left) as usize;
                            out(&input[..n]);
                            input = &input[n..];
                            *state = if n as u64 == left {
                                ChunkState::DataCr
                            } else {
                                ChunkState::Data(left - n as u64)
                            };
                        }
                        ChunkState::DataCr | ChunkState::DataLf => {
                            let want = if matches!(*state, ChunkState::DataCr) {
                                b'\r'
                            } else {
                                b'\n'
                            };
                            if input[0] != want {
                                return Err("bad chunk end".into());
                            }
                            input = &input[1..];
                            *state = if want == b'\r' {
                                ChunkState::DataLf
                            } else {
                                ChunkState::Size(0, false)
                            };
                        }
                        ChunkState::Done => return Ok(()),
                    }
                }
                Ok(())
            }
        }
    }

    /// Whether the body has ended by its framing.
    fn finished(&self) -> bool {
        match &self.framing {
            Framing::Chunked(s) => matches!(s, ChunkState::Done),
            Framing::Length(left) => *left == 0,
            Framing::Eof => false,
        }
    }
}

/// Checks that a byte stream is whole TS packets: a sync byte every 188 bytes.
#[derive(Default)]
struct TsCheck {
    offset: usize,
    bad: u64,
}

impl TsCheck {
    fn feed(&mut self, data: &[u8]) {
        let mut i = (TS_PACKET - self.offset) % TS_PACKET;
        while i < data.len() {
            if data[i] != 0x47 {
                self.bad += 1;
            }
            i += TS_PACKET;
        }
        self.offset = (self.offset + data.len()) % TS_PACKET;
    }
}

/// Upper bounds (ms) of the read-gap histogram buckets; one more bucket
/// holds the longer gaps. Reads of one burst fall in the first.
pub const GAP_BUCKETS_MS: [u64; 5] = [1, 15, 25, 35, 45];

/// What one viewer has seen so far.
#[derive(Default)]
pub struct ViewerStats {
    /// Payload bytes received.
    pub bytes: AtomicU64,
    /// Packet starts without a 0x47 sync byte.
    pub misaligned: AtomicU64,
    /// Longest time between two reads since the last reset, µs.
    pub max_gap_us: AtomicU64,
    /// Reads that returned data.
    pub reads: AtomicU64,
    /// Pauses between reads by length, see [`GAP_BUCKETS_MS`].
    pub gaps: [AtomicU64; GAP_BUCKETS_MS.len() + 1],
    /// Why the viewer stopped, if it did.
    pub error: Mutex<Option<String>>,
    pub ended: AtomicBool,
}

impl ViewerStats {
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    pub fn error(&self) -> Option<String> {
        self.error.lock().unwrap().clone()
    }
}

/// Plays `path` from `addr` until aborted, reading and discarding.
pub async fn viewer(addr: SocketAddr, path: String, stats: Arc<ViewerStats>) {
    if let Err(e) = play(addr, &path, &stats).await {
        *stats.error.lock().unwrap() = Some(e);
    }
    stats.ended.store(true, Ordering::Release);
}

async fn play(addr: SocketAddr, path: &str, stats: &ViewerStats) -> Result<(), String> {
    let mut sock = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let _ = sock.set_nodelay(true);
    sock.write_all(request(addr, path).as_bytes())
        .await
        .map_err(|e| format!("send: {e}"))?;
    let mut buf = vec![0u8; 128 * 1024];
    let mut filled = 0;
    let (mut body, head_len) = loop {
        let n = sock
            .read(&mut buf[filled..])
            .await
            .map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Err("closed before the response head".into());
        }
        filled += n;
        if let Some(parsed) = Body::parse_head(&buf[..filled])? {
            break parsed;
        }
        if filled == buf.len() {
            return Err("response head too long".into());
        }
    };
    let mut ts = TsCheck::default();
    let take = |data: &[u8], ts: &mut TsCheck| {
        ts.feed(data);
        stats.bytes.fetch_add(data.len() as u64, Ordering::Relaxed);
    };
    body.feed(&buf[head_len..filled], &mut |d| take(d, &mut ts))?;
    let mut last = Instant::now();
    let mut reported_bad = 0;
    loop {
        if body.finished() {
            return Err("the stream ended".into());
        }
        let n = sock
            .read(&mut buf)
            .await
            .map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Err("the server closed the stream".into());
        }
        let now = Instant::now();
        let gap = now.duration_since(last).as_micros() as u64;
        last = now;
        stats.max_gap_us.fetch_max(gap, Ordering::Relaxed);
        stats.reads.fetch_add(1, Ordering::Relaxed);
        let bucket = GAP_BUCKETS_MS
            .iter()
            .position(|&ms| gap < ms * 1000)
            .unwrap_or(GAP_BUCKETS_MS.len());
        stats.gaps[bucket].fetch_add(1, Ordering::Relaxed);
        body.feed(&buf[..n], &mut |d| take(d, &mut ts))?;
        if ts.bad != reported_bad {
            stats
                .misaligned
                .fetch_add(ts.bad - reported_bad, Ordering::Relaxed);
            reported_bad = ts.bad;
        }
    }
}

/// A probe's result: time from before connect to the first payload byte,
/// and the first payload bytes.
pub struct FirstBytes {
    pub ttfb: Duration,
    pub bytes: Vec<u8>,
}

/// Connects, requests `path`, and reads until `want` payload bytes arrived
/// (then hangs up). Blocking, so no scheduler sits in the measurement.
pub fn first_bytes(
    addr: SocketAddr,
    path: &str,
    want: usize,
    limit: Duration,
) -> Result<FirstBytes, String> {
    use std::io::{Read, Write};
    let start = Instant::now();
    let mut sock =
        std::net::TcpStream::connect_timeout(&addr, limit).map_err(|e| format!("connect: {e}"))?;
    let _ = sock.set_nodelay(true);
    sock.write_all(request(addr, path).as_bytes())
        .map_err(|e| format!("send: {e}"))?;
    let mut buf = vec![0u8; 256 * 1024];
    let mut filled = 0;
    let mut body: Option<Body> = None;
    let mut got: Vec<u8> = Vec::with_capacity(want);
    let mut first: Option<Duration> = None;
    loop {
        let left = limit
            .checked_sub(start.elapsed())
            .filter(|d| !d.is_zero())
            .ok_or_else(|| {
                format!(
                    "no {want} payload bytes within {limit:?} (got {})",
                    got.len()
                )
            })?;
        sock.set_read_timeout(Some(left))
            .map_err(|e| e.to_string())?;
        let n = sock
            .read(&mut buf[filled..])
            .map_err(|e| format!("read: {e}"))?;
        let now = start.elapsed();
        if n == 0 {
            return Err(format!("closed after {} payload bytes", got.len()));
        }
        filled += n;
        let from = match body {
            Some(_) => filled - n,
            None => match Body::parse_head(&buf[..filled])? {
                Some((b, head_len)) => {
                    body = Some(b);
                    head_len
                }
                None => continue,
            },
        };
        let b = body.as_mut().unwrap();
        b.feed(&buf[from..filled], &mut |d: &[u8]| {
            if !d.is_empty() && first.is_none() {
                first = Some(now);
            }
            let room = want.saturating_sub(got.len());
            got.extend_from_slice(&d[..d.len().min(room)]);
        })?;
        if got.len() >= want {
            return Ok(FirstBytes {
                ttfb: first.unwrap(),
                bytes: got,
            });
        }
        if b.finished() {
            return Err(format!("the body ended after {} bytes", got.len()));
        }
        // Only the head needs keeping; payload is consumed.
        filled = 0;
    }
}

/// PID of the TS packet at the start of `bytes`.
pub fn first_pid(bytes: &[u8]) -> Option<u16> {
    (bytes.len() >= 4 && bytes[0] == 0x47)
        .then(|| (u16::from(bytes[1] & 0x1f) << 8) | u16::from(bytes[2]))
}
