//! A camera viewer as a browser is one: a WebSocket client (tungstenite, on
//! its own thread) that counts the JPEG messages it gets and, when asked,
//! keeps each one's arrival time and mean brightness for latency timing.

use std::io::ErrorKind;
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tungstenite::Message;

/// How long the WebSocket handshake may take.
const HANDSHAKE_LIMIT: Duration = Duration::from_secs(10);
/// How often a reading thread looks at its stop flag.
const READ_TICK: Duration = Duration::from_millis(200);

/// What a viewer got so far.
#[derive(Default)]
pub struct Stats {
    /// JPEG messages received.
    pub frames: AtomicU64,
    /// Their bytes.
    pub bytes: AtomicU64,
    /// When the first one arrived.
    pub first: OnceLock<Instant>,
    /// `(arrival, mean luma 0-255)` of every JPEG, when timing.
    pub brightness: Option<Mutex<Vec<(Instant, f64)>>>,
    /// Text messages (`{"type":"status",...}`) received, as sent.
    pub texts: Mutex<Vec<String>>,
    /// Why the connection ended early, if it did.
    pub error: Mutex<Option<String>>,
}

/// A WebSocket viewer on its own thread; stopped and joined on drop.
pub struct Viewer {
    /// What it got.
    pub stats: Arc<Stats>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Viewer {
    /// Connects to `ws://{addr}{path_and_query}` (the handshake on the
    /// caller's thread, so a refusal fails here with its status), then
    /// reads on a thread. With `timing`, every JPEG is decoded for its mean
    /// brightness.
    pub fn connect(addr: SocketAddr, path_and_query: &str, timing: bool) -> Viewer {
        let url = format!("ws://{addr}{path_and_query}");
        let shown = url.split("token=").next().unwrap_or(&url).to_string();
        let tcp = TcpStream::connect_timeout(&addr, HANDSHAKE_LIMIT)
            .unwrap_or_else(|e| panic!("connecting to {shown}: {e}"));
        tcp.set_read_timeout(Some(HANDSHAKE_LIMIT)).unwrap();
        tcp.set_nodelay(true).unwrap();
        let (mut ws, _) = tungstenite::client(url.as_str(), tcp).unwrap_or_else(|e| match e {
            tungstenite::HandshakeError::Failure(tungstenite::Error::Http(r)) => panic!(
                "{shown}: answered {} {}",
                r.status(),
                r.body()
                    .as_deref()
                    .map(String::from_utf8_lossy)
                    .unwrap_or_default()
            ),
            e => panic!("{shown}: the WebSocket handshake failed: {e}"),
        });
        ws.get_ref().set_read_timeout(Some(READ_TICK)).unwrap();
        let stats = Arc::new(Stats {
            brightness: timing.then(|| Mutex::new(Vec::with_capacity(1024))),
            ..Stats::default()
        });
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (stats, stop) = (stats.clone(), stop.clone());
            std::thread::Builder::new()
                .name("cam-viewer".into())
                .spawn(move || read_frames(&mut ws, &stats, &stop))
                .expect("a viewer thread")
        };
        Viewer {
            stats,
            stop,
            thread: Some(thread),
        }
    }

    /// JPEGs received so far.
    pub fn frames(&self) -> u64 {
        self.stats.frames.load(Ordering::Acquire)
    }

    /// Why it stopped receiving, if it did.
    pub fn error(&self) -> Option<String> {
        self.stats.error.lock().unwrap().clone()
    }
}

impl Drop for Viewer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Reads until `stop` (then closes politely) or the connection ends.
fn read_frames(ws: &mut tungstenite::WebSocket<TcpStream>, stats: &Stats, stop: &AtomicBool) {
    while !stop.load(Ordering::Acquire) {
        match ws.read() {
            Ok(Message::Binary(jpeg)) => {
                let at = Instant::now();
                let _ = stats.first.set(at);
                stats.bytes.fetch_add(jpeg.len() as u64, Ordering::Relaxed);
                if let Some(log) = &stats.brightness {
                    match mean_luma(&jpeg) {
                        Ok(mean) => log.lock().unwrap().push((at, mean)),
                        Err(e) => {
                            *stats.error.lock().unwrap() = Some(format!("a bad JPEG: {e}"));
                            return;
                        }
                    }
                }
                stats.frames.fetch_add(1, Ordering::AcqRel);
            }
            Ok(Message::Text(text)) => stats.texts.lock().unwrap().push(text.to_string()),
            Ok(Message::Close(frame)) => {
                *stats.error.lock().unwrap() = Some(format!("closed by the server: {frame:?}"));
                return;
            }
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => {
                *stats.error.lock().unwrap() = Some(e.to_string());
                return;
            }
        }
    }
    let _ = ws.close(None);
    let _ = ws.flush();
}

/// Mean luma (0-255) of a JPEG, decoded at 1/8 scale (DC coefficients only
/// for a large picture: cheap enough for 30 JPEGs a second).
pub fn mean_luma(jpeg: &[u8]) -> Result<f64, String> {
    if !(jpeg.starts_with(&[0xFF, 0xD8]) && jpeg.ends_with(&[0xFF, 0xD9])) {
        return Err(format!("{} bytes without FF D8 … FF D9", jpeg.len()));
    }
    let mut d = jpeg_decoder::Decoder::new(jpeg);
    d.read_info().map_err(|e| e.to_string())?;
    let info = d.info().ok_or("no JPEG header")?;
    d.scale((info.width / 8).max(1), (info.height / 8).max(1))
        .map_err(|e| e.to_string())?;
    let pixels = d.decode().map_err(|e| e.to_string())?;
    let info = d.info().ok_or("no JPEG header")?;
    let sum: f64 = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 => pixels.iter().map(|&v| f64::from(v)).sum(),
        jpeg_decoder::PixelFormat::RGB24 => pixels
            .chunks_exact(3)
            .map(|p| 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2]))
            .sum(),
        other => return Err(format!("an unexpected pixel format {other:?}")),
    };
    let n = (info.width as usize * info.height as usize).max(1);
    Ok(sum / n as f64)
}
