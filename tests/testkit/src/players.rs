//! The players people watch with, watching a stream the way a person would:
//! Debian's mpv and VLC (VLC refuses root: it runs as `nobody`) with dummy
//! audio and video outputs, and ffmpeg decoding to nowhere. Each logs to a
//! file; [`Watching::finish`] stops it and says what it printed, and for mpv
//! when each picture was shown (a small Lua script prints one line per new
//! picture with mpv's own clock and the A-V difference), so a test measures
//! how long the picture stood still and how far sound and picture drifted.
//! A player that is not installed fails the test loudly: CI installs them.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One player.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Player {
    /// mpv, `--vo=null --ao=null`.
    Mpv,
    /// VLC (`vlc -I dummy -V dummy -A dummy`), as user `nobody`.
    Vlc,
    /// `ffmpeg -v error -i URL -f null -`.
    Ffmpeg,
}

/// Prints `FRAME <seconds> <position> <A-V>` for each new picture mpv shows
/// (mpv tells observers of `time-pos` once per picture it shows).
const FRAME_SCRIPT: &str = r#"
mp.observe_property("time-pos", "number", function(_, pos)
  if pos ~= nil then
    local av = mp.get_property_number("avsync") or 0
    mp.msg.warn(string.format("FRAME %.3f %.3f %.4f", mp.get_time(), pos, av))
  end
end)
"#;

/// What VLC prints on every headless start, about interfaces it cannot load
/// without a display (the global hotkeys need X11): not about the stream.
const VLC_HEADLESS: [&str; 2] = [
    "main interface error: no suitable interface module",
    "main libvlc error: interface \"globalhotkeys,none\" initialization failed",
];

/// A player watching a stream; killed and reaped on drop.
pub struct Watching {
    /// Which player.
    pub player: Player,
    child: Option<Child>,
    dir: tempfile::TempDir,
    log: PathBuf,
    started: Instant,
}

/// One picture mpv showed.
#[derive(Clone, Copy, Debug)]
pub struct Shown {
    /// mpv's clock when it was shown, seconds.
    pub at: f64,
    /// Its position in the stream, seconds.
    pub position: f64,
    /// Audio minus video at that moment, seconds.
    pub av: f64,
}

/// What a player printed, once stopped.
#[derive(Debug)]
pub struct Watched {
    /// Which player.
    pub player: Player,
    /// Its warnings and errors: every line mpv printed at `warn` level or
    /// above but the picture reports; VLC's error and warning lines and
    /// libavcodec's (not its informational lines, nor the two about
    /// interfaces a headless VLC cannot load); every line of `ffmpeg -v error`.
    pub complaints: Vec<String>,
    /// The pictures mpv showed, in order (empty for the others).
    pub shown: Vec<Shown>,
}

impl Player {
    /// Every player.
    pub const ALL: [Player; 3] = [Player::Mpv, Player::Vlc, Player::Ffmpeg];

    /// Starts watching `url`.
    pub fn watch(self, url: &str) -> Watching {
        let dir = tempfile::tempdir().expect("temp dir");
        let log = dir.path().join("player.log");
        let file = std::fs::File::create(&log).expect("log file");
        let mut cmd = match self {
            Player::Mpv => mpv(dir.path(), url),
            Player::Vlc => vlc(dir.path(), url),
            Player::Ffmpeg => {
                let mut c = Command::new("ffmpeg");
                c.args(["-hide_banner", "-nostdin", "-v", "error", "-i", url])
                    .args(["-f", "null", "-"]);
                c
            }
        };
        cmd.stdin(Stdio::null())
            .stdout(file.try_clone().expect("log file"))
            .stderr(file);
        let child = cmd.spawn().unwrap_or_else(|e| {
            panic!(
                "{self:?} could not start ({e}): apt-get install mpv vlc ffmpeg (scripts/setup does)"
            )
        });
        Watching {
            player: self,
            child: Some(child),
            dir,
            log,
            started: Instant::now(),
        }
    }
}

/// mpv with null outputs, only warnings and errors, and the picture script.
fn mpv(dir: &Path, url: &str) -> Command {
    let script = dir.join("sf_frames.lua");
    std::fs::write(&script, FRAME_SCRIPT).expect("write the mpv script");
    let mut c = Command::new("mpv");
    c.args([
        "--no-config",
        "--vo=null",
        "--ao=null",
        "--no-input-terminal",
        "--no-term-osd-bar",
        "--term-status-msg=",
        "--msg-level=all=warn",
    ])
    .arg(format!("--script={}", script.display()))
    .arg(url);
    c
}

/// VLC headless, as `nobody` when run as root (VLC refuses root), with its
/// home and runtime directory in `dir`.
fn vlc(dir: &Path, url: &str) -> Command {
    let home = dir.join("vlc-home");
    std::fs::create_dir_all(&home).expect("VLC's home");
    let mut c = Command::new("vlc");
    c.args(["-I", "dummy", "--no-dbus", "-V", "dummy", "-A", "dummy"])
        .args(["--no-video-title-show", "--no-stats"])
        .arg(url)
        .env("HOME", &home)
        .env("XDG_RUNTIME_DIR", &home);
    // SAFETY: getuid has no preconditions.
    if unsafe { libc::getuid() } == 0 {
        const NOBODY: u32 = 65534;
        for d in [dir, home.as_path()] {
            std::os::unix::fs::chown(d, Some(NOBODY), Some(NOBODY)).expect("chown for VLC");
        }
        c.uid(NOBODY).gid(NOBODY);
    }
    c
}

impl Watching {
    /// How long it has been watching.
    pub fn watched(&self) -> Duration {
        self.started.elapsed()
    }

    /// The pictures shown so far (mpv), for waiting on progress.
    pub fn shown(&self) -> Vec<Shown> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        text.lines().filter_map(picture).collect()
    }

    /// Whether the player already exited.
    pub fn exited(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| c.try_wait().ok().flatten().is_some())
    }

    /// Stops the player and reads what it printed.
    pub fn finish(mut self) -> Watched {
        self.stop();
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let shown = text.lines().filter_map(picture).collect();
        let vlc = self.player == Player::Vlc;
        let complaints = text
            .lines()
            .filter(|l| !l.trim().is_empty() && picture(l).is_none())
            .filter(|l| {
                !vlc || l.contains(" error: ") || l.contains(" warning: ") || l.contains(" @ 0x")
            })
            .filter(|l| !VLC_HEADLESS.iter().any(|h| l.ends_with(h)))
            .map(str::to_string)
            .collect();
        let _ = &self.dir;
        Watched {
            player: self.player,
            complaints,
            shown,
        }
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SIGTERM first, so each player leaves the way a user stops it.
            // SAFETY: kill(2) with a pid we own.
            unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if child.try_wait().ok().flatten().is_some() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A picture line of the mpv script.
fn picture(line: &str) -> Option<Shown> {
    let rest = line.split("FRAME ").nth(1)?;
    let mut v = rest.split_whitespace().map(str::parse::<f64>);
    Some(Shown {
        at: v.next()?.ok()?,
        position: v.next()?.ok()?,
        av: v.next()?.ok()?,
    })
}

impl Watched {
    /// The longest time a picture stood on screen after the first one
    /// (seconds), and when (mpv's clock) the next picture ended it.
    pub fn longest_freeze(&self) -> (f64, f64) {
        self.shown
            .windows(2)
            .map(|w| (w[1].at - w[0].at, w[1].at))
            .fold((0.0, 0.0), |best, x| if x.0 > best.0 { x } else { best })
    }

    /// The largest A-V difference (seconds, absolute) from `from` on (mpv's clock).
    pub fn worst_av_from(&self, from: f64) -> f64 {
        self.shown
            .iter()
            .filter(|s| s.at >= from)
            .map(|s| s.av.abs())
            .fold(0.0, f64::max)
    }

    /// Whether the position ever went back (a timestamp reset).
    pub fn went_back(&self) -> bool {
        self.shown.windows(2).any(|w| w[1].position < w[0].position)
    }
}
