//! Where history entries go: the window's [`History`] and, with `--log FILE`, the session log.
//!
//! Both windows of one process share the log file, so every entry from either window lands in
//! it in the order it appeared.

use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::history::History;

pub use tcptalk_core::log::{Direction, SessionLog};

/// A session log shared by the windows of one process.
#[derive(Debug, Clone)]
pub struct SharedLog(Arc<Mutex<SessionLog>>);

impl SharedLog {
    pub fn open(path: &Path) -> std::io::Result<Self> {
        Ok(SharedLog(Arc::new(Mutex::new(SessionLog::open(path)?))))
    }

    fn write(&self, direction: Direction, peer: &str, text: &str) -> std::io::Result<()> {
        match self.0.lock() {
            Ok(mut log) => log.write(direction, peer, text),
            Err(poisoned) => poisoned.into_inner().write(direction, peer, text),
        }
    }
}

/// A window's history plus the optional log it is copied to.
#[derive(Debug, Default)]
pub struct Recorder {
    pub history: History,
    log: Option<SharedLog>,
    /// Set when writing the log failed; the message is shown once and logging stops.
    log_error: Option<String>,
}

impl Recorder {
    pub fn set_log(&mut self, log: Option<SharedLog>) {
        self.log = log;
    }

    /// Appends an entry to the history and the log. `peer` names the other end (empty for
    /// notices about the window itself).
    pub fn record(&mut self, direction: Direction, peer: &str, text: String) {
        if let Some(log) = &self.log
            && let Err(err) = log.write(direction, peer, &text)
        {
            self.log = None;
            self.log_error = Some(err.to_string());
        }
        self.history.push(text);
    }

    /// A notice about the window itself (listening, failures...).
    pub fn info(&mut self, text: String) {
        self.record(Direction::Info, "", text);
    }

    /// The error that stopped logging, once.
    pub fn take_log_error(&mut self) -> Option<String> {
        self.log_error.take()
    }
}
