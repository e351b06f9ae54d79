//! How the session's task records: lines and notices into the shared history (one short hold
//! of the lock each) and then the log, the idle flush of partial lines, and saving.

use std::path::PathBuf;
use std::time::{Instant, SystemTime};

use tcptalk_core::history::PeerRef;
use tcptalk_core::log::Direction;
use tcptalk_net::ConnId;

use super::Task;

/// How long the idle flush waits for a busy session's queued events before it shows quiet
/// partial lines anyway.
const IDLE_DEFER_LIMIT: std::time::Duration = std::time::Duration::from_secs(1);
use crate::assemble::{IDLE_FLUSH, Piece, Stream};
use crate::{Command, Notice, SessionEvent};

impl Task {
    /// Takes a snapshot of the history under the lock (a copy of what is in memory), then
    /// writes it on a blocking thread, reporting progress.
    pub(super) fn start_save(&mut self, path: PathBuf) {
        let snapshot = {
            let mut shared = self.shared.lock();
            shared.saving = Some(tcptalk_core::SaveProgress::default());
            shared.transcript.snapshot()
        };
        let loopback = self.loopback.clone();
        let snapshot = match snapshot {
            Ok(snapshot) => snapshot,
            Err(err) => {
                let _ = loopback.send(Command::SaveDone {
                    path,
                    result: Err(err.to_string()),
                });
                return;
            }
        };
        let shared = self.shared.clone();
        let events = self.events.clone();
        let waker = self.waker.clone();
        self.runtime.spawn_blocking(move || {
            let mut last = Instant::now();
            let result = snapshot.save(&path, |progress| {
                shared.lock().saving = Some(progress);
                if last.elapsed() >= std::time::Duration::from_millis(100) {
                    last = Instant::now();
                    let event = SessionEvent::SaveProgress {
                        path: path.clone(),
                        progress,
                    };
                    // Progress is news, not a must: never wait for a busy front end.
                    let _ = events.try_send(event);
                    waker.wake();
                }
            });
            let _ = loopback.send(Command::SaveDone {
                path,
                result: result.map_err(|err| err.to_string()),
            });
        });
    }

    /// Decodes a read (or a sent chunk) and records the lines it completes.
    pub(super) fn push_stream(&mut self, stream: Stream, data: &[u8]) {
        let now = Instant::now();
        let mut lines = std::mem::take(&mut self.lines);
        let pushed = self.streams.push(stream, data, now, &mut lines);
        if pushed.pending && self.idle_check.is_none() {
            self.idle_check = Some(now + IDLE_FLUSH);
        }
        // A frame that began in an earlier read is stamped when it began.
        match (pushed.first_at, lines.split_first()) {
            (Some(first_at), Some((first, rest))) if first_at < now => {
                self.record_stream_lines(stream, std::slice::from_ref(first), first_at);
                self.record_stream_lines(stream, rest, now);
            }
            _ => self.record_stream_lines(stream, &lines, now),
        }
        lines.clear();
        self.lines = lines;
    }

    /// One UDP datagram: its own entry (or entries, when the view cuts it further), never
    /// joined to the next one, and an empty datagram is an empty entry.
    pub(super) fn push_datagram(&mut self, conn: ConnId, data: &[u8]) {
        let stream = Stream::Received(conn);
        if data.is_empty() {
            self.record_stream_lines(stream, &[String::new()], Instant::now());
            return;
        }
        self.push_stream(stream, data);
        let rest = self.streams.finish_received(conn);
        self.record_pieces(rest);
    }

    /// Shows partial lines whose stream has been quiet for [`IDLE_FLUSH`].
    pub(super) fn flush_idle(&mut self) {
        self.idle_check = None;
        // Events still waiting may mean the peer was not quiet and we were only busy: wait for
        // them, so a line is not cut in two. But not for ever: the waiting events may all be
        // another client's flood, and a quiet peer's prompt must still show.
        let now = Instant::now();
        if self.sources.iter().any(|s| !s.events.is_empty()) {
            let since = *self.idle_deferred.get_or_insert(now);
            if now.duration_since(since) < IDLE_DEFER_LIMIT {
                self.idle_check = Some(now + IDLE_FLUSH / 4);
                return;
            }
        }
        self.idle_deferred = None;
        let idle = self.streams.take_idle(Instant::now());
        self.record_pieces(idle);
        if self.streams.has_pending() {
            self.idle_check = Some(Instant::now() + IDLE_FLUSH / 4);
        }
    }

    pub(super) fn record_pieces(&mut self, pieces: Vec<Piece>) {
        for piece in pieces {
            self.record_stream_lines(piece.stream, std::slice::from_ref(&piece.text), piece.at);
        }
    }

    /// Records lines of `stream` that began to arrive at `at`.
    pub(super) fn record_stream_lines(&mut self, stream: Stream, lines: &[String], at: Instant) {
        if lines.is_empty() {
            return;
        }
        let (direction, conn): (Direction, Option<ConnId>) = match stream {
            Stream::Received(conn) => (Direction::Received, Some(conn)),
            Stream::Sent(conn) => (Direction::Sent, conn),
        };
        let peer = {
            let mut shared = self.shared.lock();
            if direction == Direction::Received {
                shared.totals.received_messages += lines.len() as u64;
            }
            match conn {
                Some(conn) => shared.peers.get(conn).map_or(PeerRef::NONE, |p| p.history),
                None => {
                    let count = shared.peers.len();
                    shared.transcript.group(count)
                }
            }
        };
        // The history keeps wall-clock times; `at` is on the monotonic clock.
        let ago = Instant::now().saturating_duration_since(at);
        let at = SystemTime::now()
            .checked_sub(ago)
            .unwrap_or_else(SystemTime::now);
        self.record(direction, peer, lines, at);
    }

    /// Appends entries to the history (one short hold of the lock) and then the log.
    pub(super) fn record(
        &mut self,
        direction: Direction,
        peer: PeerRef,
        texts: &[String],
        at: SystemTime,
    ) {
        self.record_in(true, direction, peer, texts, at);
    }

    /// Writes entries to the log only: a message [`crate::SessionHandle::send`] has already put
    /// in the history itself.
    pub(super) fn log_only(
        &mut self,
        direction: Direction,
        peer: PeerRef,
        text: String,
        at: SystemTime,
    ) {
        self.record_in(false, direction, peer, &[text], at);
    }

    fn record_in(
        &mut self,
        history: bool,
        direction: Direction,
        peer: PeerRef,
        texts: &[String],
        at: SystemTime,
    ) {
        let label = {
            let mut shared = self.shared.lock();
            if history && self.keep_history {
                for text in texts {
                    shared.transcript.push(at, direction, peer, text);
                }
            }
            self.log
                .as_ref()
                .map(|_| shared.transcript.peer_label(peer).to_string())
        };
        if let (Some(log), Some(label)) = (&self.log, label) {
            let failed = texts
                .iter()
                .find_map(|text| log.write(at, direction, &label, text).err());
            if let Some(err) = failed {
                self.log_failed(err);
            }
        }
    }

    pub(super) fn notice(&mut self, peer: PeerRef, notice: Notice) {
        let at = SystemTime::now();
        let (label, text) = {
            let mut shared = self.shared.lock();
            let text = self.log.as_ref().map(|_| notice.log_text());
            if self.keep_history {
                shared.transcript.push_notice(at, peer, notice);
            }
            (shared.transcript.peer_label(peer).to_string(), text)
        };
        if let (Some(log), Some(text)) = (&self.log, text)
            && let Err(err) = log.write(at, Direction::Info, &label, &text)
        {
            self.log_failed(err);
        }
    }

    pub(super) fn flush_log(&mut self) {
        if let Some(log) = &self.log
            && let Err(err) = log.flush()
        {
            self.log_failed(err);
        }
    }

    /// Logging stops at the first failure (a full disk, a removed drive); the user is told once.
    pub(super) fn log_failed(&mut self, err: std::io::Error) {
        self.log = None;
        let error = err.to_string();
        tracing::warn!(%error, "cannot write the log");
        self.notice(
            PeerRef::NONE,
            Notice::LogFailed {
                error: error.clone(),
            },
        );
        // Reported even to a busy front end, but never waited for.
        let _ = self.events.try_send(SessionEvent::LogFailed { error });
    }
}
