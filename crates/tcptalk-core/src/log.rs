//! The session log's line format (`--log FILE`, the spool, a saved history): every history
//! entry, one line each. The writer is `tcptalk-session`'s `SharedLog`.
//!
//! A window's history lives only as long as the window; a debugging session often has to be
//! read later, or is too long to keep in memory. So each entry is also written to a plain text
//! file a person can `grep` and `tail -f`:
//!
//! ```text
//! 2026-11-26 09:41:02.123 +0800 <- 127.0.0.1:50312 你好
//! 2026-11-26 09:41:03.456 +0800 -> 127.0.0.1:50312 收到
//! 2026-11-26 09:41:04.000 +0800 -- listening on [::]:8899
//! ```
//!
//! The text is made display-safe, and newlines inside one entry (a multi-line message the user
//! sent) are written as `\n`, so one entry is always one line of the file.

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
}
