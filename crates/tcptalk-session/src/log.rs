//! `--log FILE`: every history entry, one line each, in the format of
//! [`tcptalk_core::log::format_entry`].
//!
//! Both windows of one process (and so both of their sessions) write one file, so it is shared
//! behind a lock and each entry lands in the order it was recorded. Entries are buffered and
//! flushed whenever a session has nothing more waiting: a flood of a million lines costs a few
//! hundred `write` calls, not a million, and a quiet session's log is always complete on disk.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use tcptalk_core::log::{Direction, format_entry};

#[derive(Debug)]
struct LogFile {
    path: PathBuf,
    out: BufWriter<File>,
    line: String,
}

/// A session log, shared by every session of a process. Cheap to clone.
#[derive(Debug, Clone)]
pub struct SharedLog(Arc<Mutex<LogFile>>);

impl SharedLog {
    /// Opens `path` for appending, creating it if needed.
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(SharedLog(Arc::new(Mutex::new(LogFile {
            path: path.to_path_buf(),
            out: BufWriter::with_capacity(64 << 10, file),
            line: String::new(),
        }))))
    }

    fn lock(&self) -> MutexGuard<'_, LogFile> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn path(&self) -> PathBuf {
        self.lock().path.clone()
    }

    /// Appends one entry (buffered).
    pub fn write(
        &self,
        at: SystemTime,
        direction: Direction,
        peer: &str,
        text: &str,
    ) -> io::Result<()> {
        let mut log = self.lock();
        let log = &mut *log;
        log.line.clear();
        format_entry(&mut log.line, at, direction, peer, text);
        log.out.write_all(log.line.as_bytes())
    }

    /// Writes out what is buffered.
    pub fn flush(&self) -> io::Result<()> {
        self.lock().out.flush()
    }
}
