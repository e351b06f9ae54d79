//! `--log FILE` in the terminal: the same session log the windows write, so a terminal session
//! can be read later in the same format.
//!
//! Bytes are turned into history entries the way the windows do it: one entry per line, a
//! partial line once the peer has been quiet for [`IDLE`], and whatever is left when the
//! connection closes. stdout still gets the exact bytes; this is only the record.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::Context;
use tcptalk_core::{Direction, LineAssembler, SessionLog, TextEncoding};
use tcptalk_net::ConnId;

/// How long a peer must be quiet before a line with no end yet is logged.
pub const IDLE: Duration = Duration::from_millis(100);
/// Longest line kept whole; a longer one is logged in pieces of this size.
const MAX_LINE_CHARS: usize = 1 << 20;

/// Which stream an entry belongs to: a connection, or stdin broadcast to every client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Stream {
    Received(ConnId),
    Sent(Option<ConnId>),
}

/// A shared handle; cheap to clone into the stdin task. Does nothing without `--log`.
#[derive(Debug, Clone, Default)]
pub struct Recorder {
    inner: Option<Arc<Mutex<Inner>>>,
}

#[derive(Debug)]
struct Inner {
    log: SessionLog,
    labels: HashMap<ConnId, String>,
    streams: HashMap<Stream, LineAssembler>,
    lines: Vec<String>,
}

impl Recorder {
    pub fn open(path: Option<&Path>) -> anyhow::Result<Recorder> {
        let Some(path) = path else {
            return Ok(Recorder::default());
        };
        let log = SessionLog::open(path)
            .with_context(|| format!("cannot open the log file {}", path.display()))?;
        Ok(Recorder {
            inner: Some(Arc::new(Mutex::new(Inner {
                log,
                labels: HashMap::new(),
                streams: HashMap::new(),
                lines: Vec::new(),
            }))),
        })
    }

    pub fn is_active(&self) -> bool {
        self.inner.is_some()
    }

    fn with(&self, f: impl FnOnce(&mut Inner)) {
        if let Some(inner) = &self.inner {
            f(&mut inner.lock().unwrap_or_else(PoisonError::into_inner));
        }
    }

    pub fn info(&self, text: &str) {
        self.with(|inner| inner.write(Direction::Info, "", text));
    }

    pub fn connected(&self, conn: ConnId, addr: SocketAddr) {
        self.with(|inner| {
            let label = format!("{conn} {addr}");
            inner.write(Direction::Info, &label, "connected");
            inner.labels.insert(conn, label);
        });
    }

    pub fn received(&self, conn: ConnId, data: &[u8]) {
        self.with(|inner| inner.push(Stream::Received(conn), data));
    }

    /// Bytes we sent to one connection, or to every client (`None`).
    pub fn sent(&self, conn: Option<ConnId>, data: &[u8]) {
        self.with(|inner| inner.push(Stream::Sent(conn), data));
    }

    /// Logs what is left of the connection's streams, then the close itself.
    pub fn closed(&self, conn: ConnId, reason: &str) {
        self.with(|inner| {
            for stream in [Stream::Received(conn), Stream::Sent(Some(conn))] {
                if let Some(mut assembler) = inner.streams.remove(&stream) {
                    if let Some(rest) = assembler.finish() {
                        inner.write_line(stream, &rest);
                    }
                }
            }
            let label = inner
                .labels
                .remove(&conn)
                .unwrap_or_else(|| conn.to_string());
            inner.write(Direction::Info, &label, &format!("disconnected ({reason})"));
        });
    }

    /// Logs partial lines whose stream has been quiet for [`IDLE`].
    pub fn flush_idle(&self) {
        self.with(|inner| {
            let now = Instant::now();
            let idle: Vec<(Stream, String)> = inner
                .streams
                .iter_mut()
                .filter_map(|(stream, a)| a.take_idle(now, IDLE).map(|text| (*stream, text)))
                .collect();
            for (stream, text) in idle {
                inner.write_line(stream, &text);
            }
        });
    }
}

impl Inner {
    fn push(&mut self, stream: Stream, data: &[u8]) {
        let mut lines = std::mem::take(&mut self.lines);
        self.streams
            .entry(stream)
            .or_insert_with(|| LineAssembler::new(TextEncoding::Utf8, MAX_LINE_CHARS))
            .push(data, Instant::now(), &mut lines);
        for line in lines.drain(..) {
            self.write_line(stream, &line);
        }
        self.lines = lines;
    }

    fn write_line(&mut self, stream: Stream, text: &str) {
        let (direction, conn) = match stream {
            Stream::Received(conn) => (Direction::Received, Some(conn)),
            Stream::Sent(conn) => (Direction::Sent, conn),
        };
        let label = match conn {
            Some(conn) => self
                .labels
                .get(&conn)
                .cloned()
                .unwrap_or_else(|| conn.to_string()),
            None => "all".to_string(),
        };
        self.write(direction, &label, text);
    }

    fn write(&mut self, direction: Direction, peer: &str, text: &str) {
        if let Err(err) = self.log.write(direction, peer, text) {
            tracing::warn!(%err, path = %self.log.path().display(), "cannot write the log");
        }
    }
}
