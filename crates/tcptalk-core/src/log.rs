//! The session log (`--log FILE`): every history entry, one line each, appended as it appears.
//!
//! A window's history lives only as long as the window; a debugging session often has to be
//! read later, or is too long to keep in memory. So each entry is also written to a plain text
//! file a person can `grep` and `tail -f`:
//!
//! ```text
//! 2026-11-26 09:41:02.123 +0800 <- #3 127.0.0.1:50312 你好
//! 2026-11-26 09:41:03.456 +0800 -> #3 127.0.0.1:50312 收到
//! 2026-11-26 09:41:04.000 +0800 -- server listening on [::]:8899
//! ```
//!
//! The text is made display-safe, and newlines inside one entry (a multi-line message the user
//! sent) are written as `\n`, so one entry is always one line of the file.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::escape::escape_char_for_display;

/// Which way an entry went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Bytes that arrived from a peer.
    Received,
    /// Bytes we sent.
    Sent,
    /// Something that happened: listening, connected, disconnected, an error.
    Info,
}

impl Direction {
    /// The marker written in the log: `<-` received, `->` sent, `--` information.
    pub fn marker(self) -> &'static str {
        match self {
            Direction::Received => "<-",
            Direction::Sent => "->",
            Direction::Info => "--",
        }
    }
}

/// An open session log. Each entry is flushed at once, so the file is complete even if the
/// program is killed.
#[derive(Debug)]
pub struct SessionLog {
    path: PathBuf,
    out: BufWriter<File>,
    line: String,
}

impl SessionLog {
    /// Opens `path` for appending, creating it if needed.
    pub fn open(path: &Path) -> io::Result<SessionLog> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(SessionLog {
            path: path.to_path_buf(),
            out: BufWriter::new(file),
            line: String::new(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one entry stamped with the current local time. `peer` names the client or
    /// server (empty when there is none).
    pub fn write(&mut self, direction: Direction, peer: &str, text: &str) -> io::Result<()> {
        self.write_at(SystemTime::now(), direction, peer, text)
    }

    /// Appends one entry stamped with `at`.
    pub fn write_at(
        &mut self,
        at: SystemTime,
        direction: Direction,
        peer: &str,
        text: &str,
    ) -> io::Result<()> {
        self.line.clear();
        format_entry(&mut self.line, at, direction, peer, text);
        self.out.write_all(self.line.as_bytes())?;
        self.out.flush()
    }
}

/// Formats one log line, ending in `\n`.
pub fn format_entry(
    out: &mut String,
    at: SystemTime,
    direction: Direction,
    peer: &str,
    text: &str,
) {
    let local: chrono::DateTime<chrono::Local> = at.into();
    out.push_str(&local.format("%Y-%m-%d %H:%M:%S%.3f %z").to_string());
    out.push(' ');
    out.push_str(direction.marker());
    if !peer.is_empty() {
        out.push(' ');
        push_one_line(out, peer);
    }
    out.push(' ');
    push_one_line(out, text);
    out.push('\n');
}

/// Appends `text` display-safe and on one line.
fn push_one_line(out: &mut String, text: &str) {
    for c in text.chars() {
        if c == '\n' {
            out.push_str("\\n");
        } else {
            escape_char_for_display(c, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn line(direction: Direction, peer: &str, text: &str) -> String {
        let mut out = String::new();
        let at = UNIX_EPOCH + Duration::from_millis(1_764_150_062_123);
        format_entry(&mut out, at, direction, peer, text);
        out
    }

    #[test]
    fn one_entry_is_one_line_with_time_direction_and_peer() {
        let got = line(Direction::Received, "#3 127.0.0.1:50312", "你好");
        assert!(got.ends_with(" <- #3 127.0.0.1:50312 你好\n"), "{got}");
        assert!(got.contains(".123 "), "milliseconds kept: {got}");
        assert_eq!(got.matches('\n').count(), 1);
    }

    #[test]
    fn multi_line_messages_and_controls_stay_on_one_line() {
        let got = line(Direction::Sent, "", "line1\nline2\u{1b}[2J\0end");
        assert!(got.ends_with(" -> line1\\nline2\\x1B[2J\\0end\n"), "{got}");
        assert_eq!(got.matches('\n').count(), 1);
    }

    #[test]
    fn appends_across_opens_and_flushes_each_entry() {
        let dir = std::env::temp_dir().join(format!("tcptalk-log-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("session.log");
        let _ = std::fs::remove_file(&path);
        {
            let mut log = SessionLog::open(&path).expect("open");
            log.write(Direction::Info, "", "listening").expect("write");
            // Flushed at once: readable before the log is dropped.
            let now = std::fs::read_to_string(&path).expect("read");
            assert!(now.ends_with("-- listening\n"), "{now}");
        }
        let mut log = SessionLog::open(&path).expect("reopen");
        log.write(Direction::Received, "#1", "数据").expect("write");
        let all = std::fs::read_to_string(&path).expect("read");
        let lines: Vec<&str> = all.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with("<- #1 数据"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
