//! Real clients reading what the relay serves: ffmpeg decoding a stream, and
//! a plain viewer thread that keeps every byte.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

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

/// A viewer reading `url` in its own thread: every byte until `until`, and
/// whether the body ended (cleanly) before then.
pub fn viewer(url: String, until: Instant) -> std::thread::JoinHandle<(Vec<u8>, bool)> {
    std::thread::spawn(move || {
        let mut resp = crate::http::client().get(url).send().unwrap();
        assert_eq!(resp.status(), 200);
        let mut all = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        while Instant::now() < until {
            match resp.read(&mut buf) {
                Ok(0) => return (all, true),
                Ok(n) => all.extend_from_slice(&buf[..n]),
                Err(e) => panic!("the viewer's connection broke: {e}"),
            }
        }
        (all, false)
    })
}
