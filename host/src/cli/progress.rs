//! Progress for long commands: a spinner per step on a terminal, plain
//! lines otherwise (logs, CI, pipes).

use crate::catalog::Progress;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

/// Prints progress to stderr.
pub struct TermProgress {
    tty: bool,
    bar: Mutex<Option<ProgressBar>>,
}

impl TermProgress {
    /// Spinners when stderr is a terminal.
    pub fn new() -> Self {
        TermProgress {
            tty: std::io::stderr().is_terminal(),
            bar: Mutex::new(None),
        }
    }
}

impl Progress for TermProgress {
    fn step(&self, what: &str) {
        if self.tty {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                    .expect("valid template"),
            );
            bar.set_message(what.to_string());
            bar.enable_steady_tick(Duration::from_millis(100));
            *self.bar.lock().unwrap_or_else(|e| e.into_inner()) = Some(bar);
        } else {
            eprintln!("{what} ...");
        }
    }

    fn done(&self, what: &str, outcome: &str) {
        if let Some(bar) = self.bar.lock().unwrap_or_else(|e| e.into_inner()).take() {
            bar.finish_and_clear();
        }
        eprintln!("{what}: {outcome}");
    }
}
