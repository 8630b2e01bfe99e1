//! Child processes that never outlive a test: the `streamforge` CLI run with
//! a deadline, and a guard that kills and reaps on every path out.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How long one CLI command may take before it is killed and the test fails.
pub const CLI_LIMIT: Duration = Duration::from_secs(120);

/// A child process killed (SIGKILL) and reaped on drop, panics included.
pub struct Reaped(pub Child);

impl Reaped {
    /// The process id.
    pub fn pid(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The `streamforge` binary, run against `data` with the shared plugin cache
/// and no inherited log level.
pub fn streamforge(data: &Path) -> Command {
    let mut cmd = Command::new(crate::paths::binary());
    cmd.arg("--data-dir")
        .arg(data)
        .env("STREAMFORGE_CACHE", crate::paths::plugin_cache())
        .env_remove("STREAMFORGE_LOG");
    cmd
}

/// Runs `cmd` to completion with `stdin` as its input; killed after `limit`.
/// Its pipes are drained on threads, so a chatty child never blocks.
pub fn run_bounded(mut cmd: Command, stdin: &str, limit: Duration) -> Result<Output, String> {
    let shown = format!("{cmd:?}");
    let child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    let mut child = Reaped(child);
    if let Some(mut input) = child.0.stdin.take() {
        let _ = input.write_all(stdin.as_bytes());
    }
    let out = drain(child.0.stdout.take());
    let err = drain(child.0.stderr.take());
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.0.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() > deadline => {
                return Err(format!("{shown} did not finish within {limit:?}"));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(format!("{shown}: {e}")),
        }
    };
    Ok(Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    })
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut v = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut v);
        }
        v
    })
}

/// `streamforge args...` against `data` with `stdin` as input, whatever it
/// answers (bounded by [`CLI_LIMIT`]).
pub fn run(data: &Path, args: &[&str], stdin: &str) -> Output {
    let mut cmd = streamforge(data);
    cmd.args(args);
    run_bounded(cmd, stdin, CLI_LIMIT).unwrap_or_else(|e| panic!("streamforge {args:?}: {e}"))
}

/// `streamforge args...` that must succeed; its stdout.
pub fn cli(data: &Path, args: &[&str]) -> String {
    cli_with_input(data, args, "")
}

/// [`cli`] with `stdin` as the command's input (passwords).
pub fn cli_with_input(data: &Path, args: &[&str], stdin: &str) -> String {
    let out = run(data, args, stdin);
    assert!(
        out.status.success(),
        "streamforge {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// `streamforge args...` that must fail; its stderr.
pub fn cli_fails(data: &Path, args: &[&str]) -> String {
    let out = run(data, args, "");
    assert!(
        !out.status.success(),
        "streamforge {args:?} succeeded but should have failed: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Waits for `child` (e.g. ffmpeg) with a deadline; whether it succeeded and
/// its stderr. Overrunning fails the test with what it printed.
pub fn finish(child: Child, limit: Duration) -> (bool, String) {
    let mut child = Reaped(child);
    let err = drain(child.0.stderr.take());
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.0.try_wait().expect("waiting for a child") {
            break status;
        }
        if Instant::now() > deadline {
            drop(child);
            let text = String::from_utf8_lossy(&err.join().unwrap_or_default()).into_owned();
            panic!("the process did not finish within {limit:?}: {text}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let text = String::from_utf8_lossy(&err.join().unwrap_or_default()).into_owned();
    (status.success(), text)
}

/// Makes the calling thread, and every thread it starts from then on, the
/// last to get the CPU (nice 19). For the load generators of a test that
/// measures pauses: the load is then the server's work, not the generators'
/// own reading competing with the viewer whose pauses are measured.
pub fn yield_cpu_to_others() {
    // On Linux, PRIO_PROCESS with who = 0 sets the calling thread only, and
    // threads inherit it from the thread that starts them.
    // SAFETY: setpriority takes plain integers and touches no memory.
    let status = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, 19) };
    assert_eq!(
        status,
        0,
        "could not lower this thread's priority: {}",
        std::io::Error::last_os_error()
    );
}

/// Raises this test process's open-file soft limit to its hard limit (for
/// tests that hold many sockets); the limit in force afterwards.
pub fn raise_open_files() -> u64 {
    let mut rl = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write `rl`.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl), 0);
        rl.rlim_cur = rl.rlim_max;
        libc::setrlimit(libc::RLIMIT_NOFILE, &rl);
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl);
    }
    rl.rlim_cur
}
