//! Where history entries go: the window's [`History`] and, with `--log FILE`, the session log.
//!
//! Both windows of one process share the log file, so every entry from either window lands in
//! it in the order it appeared. The log and the history get the same entry with the same time,
//! so the log, the spool and a saved history read alike.
//!
//! The log is flushed once per frame rather than once per entry: a flood of a million lines
//! would otherwise cost a million `write` calls. What a crash can lose is one frame's worth.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use tcptalk_core::history::PeerRef;
use tcptalk_core::log::format_entry;

use crate::history::History;

pub use tcptalk_core::log::Direction;

#[derive(Debug)]
struct LogFile {
    out: BufWriter<File>,
    line: String,
}

/// A session log shared by the windows of one process.
#[derive(Debug, Clone)]
pub struct SharedLog(Arc<Mutex<LogFile>>);

impl SharedLog {
    /// Opens `path` for appending, creating it if needed.
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(SharedLog(Arc::new(Mutex::new(LogFile {
            out: BufWriter::with_capacity(64 << 10, file),
            line: String::new(),
        }))))
    }

    fn with<R>(&self, f: impl FnOnce(&mut LogFile) -> R) -> R {
        match self.0.lock() {
            Ok(mut log) => f(&mut log),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    fn write(
        &self,
        at: SystemTime,
        direction: Direction,
        peer: &str,
        text: &str,
    ) -> io::Result<()> {
        self.with(|log| {
            log.line.clear();
            format_entry(&mut log.line, at, direction, peer, text);
            log.out.write_all(log.line.as_bytes())
        })
    }

    /// Writes out what is buffered.
    pub fn flush(&self) -> io::Result<()> {
        self.with(|log| log.out.flush())
    }
}

/// A window's history plus the optional log it is copied to.
#[derive(Debug)]
pub struct Recorder {
    pub history: History,
    log: Option<SharedLog>,
    /// Entries written to the log since the last flush.
    unflushed: bool,
    /// Set when writing the log failed; the message is shown once and logging stops.
    log_error: Option<String>,
}

impl Recorder {
    pub fn new(history: History) -> Self {
        Recorder {
            history,
            log: None,
            unflushed: false,
            log_error: None,
        }
    }

    pub fn set_log(&mut self, log: Option<SharedLog>) {
        self.log = log;
    }

    pub fn has_log(&self) -> bool {
        self.log.is_some()
    }

    /// Appends an entry to the history and the log, stamped now.
    pub fn record(&mut self, direction: Direction, peer: PeerRef, text: &str) {
        self.record_at(SystemTime::now(), direction, peer, text);
    }

    /// Appends an entry that happened at `at` (received lines carry their arrival time).
    pub fn record_at(&mut self, at: SystemTime, direction: Direction, peer: PeerRef, text: &str) {
        if let Some(log) = &self.log {
            let label = self.history.peer_label(peer);
            match log.write(at, direction, label, text) {
                Ok(()) => self.unflushed = true,
                Err(err) => self.log_failed(err),
            }
        }
        self.history.push(at, direction, peer, text);
    }

    /// A notice about the window itself (listening, failures...).
    pub fn info(&mut self, text: &str) {
        self.record(Direction::Info, PeerRef::NONE, text);
    }

    /// Flushes the log once per frame.
    pub fn flush(&mut self) {
        if !std::mem::take(&mut self.unflushed) {
            return;
        }
        if let Some(log) = &self.log
            && let Err(err) = log.flush()
        {
            self.log_failed(err);
        }
    }

    fn log_failed(&mut self, err: io::Error) {
        self.log = None;
        self.unflushed = false;
        self.log_error = Some(err.to_string());
    }

    /// The error that stopped logging, once.
    pub fn take_log_error(&mut self) -> Option<String> {
        self.log_error.take()
    }
}
