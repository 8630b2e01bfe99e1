//! Real clients reading what the relay serves: ffmpeg decoding a stream, and
//! a plain viewer thread that keeps every byte and shows its progress.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// `ffmpeg` decoding `url` for `seconds` to nowhere, reporting only errors
/// (on its stderr, for [`crate::process::finish`]). Fails loudly when ffmpeg
/// is missing: CI installs it.
pub fn decode(url: &str, seconds: u32) -> Child {
    Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-v", "error", "-i", url, "-t"])
        .arg(seconds.to_string())
        .args(["-f", "null", "-"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ffmpeg is needed: apt-get install ffmpeg")
}

/// A viewer reading a stream in its own thread, keeping every byte, until
/// [`Viewer::stop`]. How much it has received is readable while it plays, so
/// a test waits for progress (bytes) rather than for time.
pub struct Viewer {
    received: Arc<AtomicUsize>,
    /// When each read returned, and how many bytes had arrived by then.
    arrivals: Arc<Mutex<Vec<(Instant, usize)>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<(Vec<u8>, bool)>>,
}

/// Starts a [`Viewer`] of `url`, which must answer 200.
pub fn viewer(url: String) -> Viewer {
    let received = Arc::new(AtomicUsize::new(0));
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let (counter, stopped, times) = (received.clone(), stop.clone(), arrivals.clone());
    let thread = std::thread::spawn(move || {
        let mut resp = crate::http::client().get(url).send().unwrap();
        assert_eq!(resp.status(), 200);
        let mut all = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        while !stopped.load(Ordering::Acquire) {
            match resp.read(&mut buf) {
                Ok(0) => return (all, true),
                Ok(n) => {
                    all.extend_from_slice(&buf[..n]);
                    counter.store(all.len(), Ordering::Release);
                    times.lock().unwrap().push((Instant::now(), all.len()));
                }
                Err(e) => panic!("the viewer's connection broke: {e}"),
            }
        }
        (all, false)
    });
    Viewer {
        received,
        arrivals,
        stop,
        thread: Some(thread),
    }
}

impl Viewer {
    /// Bytes received so far.
    pub fn received(&self) -> usize {
        self.received.load(Ordering::Acquire)
    }

    /// The longest pause between two reads that both returned within
    /// `from..=to` (and how many reads that was).
    pub fn longest_pause(&self, from: Instant, to: Instant) -> (Duration, usize) {
        let arrivals = self.arrivals.lock().unwrap();
        let within: Vec<Instant> = arrivals
            .iter()
            .map(|(t, _)| *t)
            .filter(|t| *t >= from && *t <= to)
            .collect();
        let longest = within.windows(2).map(|w| w[1] - w[0]).max();
        (longest.unwrap_or_default(), within.len())
    }

    /// Whether the viewer stopped reading by itself: the body ended (or the
    /// connection broke; [`Viewer::stop`] says which).
    pub fn finished(&self) -> bool {
        self.thread.as_ref().is_none_or(|t| t.is_finished())
    }

    /// Stops reading after the read in progress (so call it while data flows,
    /// or once [`Viewer::finished`]); every byte, and whether the body ended
    /// (cleanly) before. A broken connection fails the test here.
    pub fn stop(mut self) -> (Vec<u8>, bool) {
        self.stop.store(true, Ordering::Release);
        let thread = self.thread.take().expect("a viewer is stopped once");
        thread
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }
}

impl Drop for Viewer {
    /// A viewer left behind (a failing test) stops at its next read.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
    }
}
