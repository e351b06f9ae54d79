//! Progress of a file piped into stdin (`tcptalk client --no-gui HOST < big.bin`), on stderr
//! when stderr is a terminal: bytes, rate and time left on one line that rewrites itself.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use tcptalk_core::TransferProgress;

/// How often the line is rewritten.
const EVERY: Duration = Duration::from_millis(250);

#[derive(Debug)]
pub struct StdinProgress {
    total: u64,
    done: u64,
    started: Instant,
    shown: Option<Instant>,
}

impl StdinProgress {
    /// Some when stdin is a regular file (its size is known) and a person watches stderr.
    pub fn detect() -> Option<StdinProgress> {
        if !std::io::stderr().is_terminal() {
            return None;
        }
        // /dev/stdin follows fd 0 to what it is open on.
        let metadata = std::fs::metadata("/dev/stdin").ok()?;
        metadata.is_file().then(|| StdinProgress {
            total: metadata.len(),
            done: 0,
            started: Instant::now(),
            shown: None,
        })
    }

    fn progress(&self) -> TransferProgress {
        TransferProgress {
            done: self.done,
            total: Some(self.total),
            elapsed: self.started.elapsed(),
        }
    }

    /// `bytes` more were sent; the line is rewritten a few times a second.
    pub fn add(&mut self, bytes: usize) {
        self.done += bytes as u64;
        if self.shown.is_none_or(|at| at.elapsed() >= EVERY) {
            self.shown = Some(Instant::now());
            self.show("");
        }
    }

    /// `done` bytes in all were sent (counted elsewhere, as a zero-copy transfer is).
    pub fn set(&mut self, done: u64) {
        if done > self.done {
            self.add(usize::try_from(done - self.done).unwrap_or(usize::MAX));
        }
    }

    /// Every byte of the file went.
    pub fn is_complete(&self) -> bool {
        self.done >= self.total
    }

    /// The last line, ended.
    pub fn finish(&mut self) {
        self.show("\n");
    }

    fn show(&self, end: &str) {
        let text = self.progress().describe();
        // Erase to the end of the line: the new text may be shorter.
        let _ = write!(
            std::io::stderr().lock(),
            "\rtcptalk: stdin: {text}\x1b[K{end}"
        );
    }
}
