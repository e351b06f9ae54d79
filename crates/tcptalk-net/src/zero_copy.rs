//! Bulk transfer without copying through user space, where Linux allows it: a regular file goes
//! to a socket with `sendfile(2)`; a pipe goes to a socket, and a socket to a pipe or a regular
//! file, with `splice(2)` through a pipe of our own. The kernel then moves page references; our
//! process never holds the bytes.
//!
//! This is what a connection's actor uses instead of its read buffer (a [`ZeroCopySink`]) or
//! instead of its write queue (a [`ZeroCopySource`]). Whoever wants it asks for it and falls
//! back to the plain path when it is not offered: [`ZeroCopySource::new`] and
//! [`ZeroCopySink::new`] say `None` for anything else (a terminal, a socket, a character
//! device, a file opened for appending, another operating system).
//!
//! Every `splice` runs with `SPLICE_F_NONBLOCK`, and each of our pipes is either emptied or
//! filled by one call at a time, so an `EAGAIN` always has one meaning: the other end is not
//! ready. That lets each wait go to the one descriptor that needs it, on tokio's reactor.

#[cfg(target_os = "linux")]
#[path = "zero_copy/linux.rs"]
mod imp;
#[cfg(not(target_os = "linux"))]
#[path = "zero_copy/other.rs"]
mod imp;

use std::fmt;

pub(crate) use imp::SinkPipe;
pub use imp::{ZeroCopySink, ZeroCopySource};

/// Which system call moves the bytes, for the user to be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZeroCopyPath {
    /// `sendfile(2)`: a regular file to a socket.
    Sendfile,
    /// `splice(2)`: a pipe to a socket, or a socket to a pipe or a file.
    Splice,
}

impl fmt::Display for ZeroCopyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ZeroCopyPath::Sendfile => "sendfile",
            ZeroCopyPath::Splice => "splice",
        })
    }
}

/// What one step of a zero-copy transfer did.
#[derive(Debug)]
pub(crate) enum Moved {
    Bytes(usize),
    /// The source is at its end (a source), or the peer finished (a sink).
    End,
}

/// Which side of a zero-copy transfer failed: the socket ends the connection; the file or
/// pipe on the other side only ends the transfer.
#[derive(Debug)]
pub(crate) enum Failure {
    Socket(std::io::Error),
    Local(std::io::Error),
}

/// What a connection's read step brought: bytes in its buffer (the plain path), or a count of
/// bytes already in the sink.
pub(crate) enum Incoming {
    Read(std::io::Result<Option<usize>>),
    Spliced(Result<Moved, Failure>),
}

/// The next read of a connection: into the sink when it has one (plain TCP only), else into
/// `buf`. Cancel-safe, as both ways are.
pub(crate) async fn read_next(
    reader: &mut crate::stream::ReadSide,
    buf: &mut bytes::BytesMut,
    size: usize,
    sink: Option<&mut SinkPipe>,
) -> Incoming {
    match (reader, sink) {
        // Boxed: the plain path's future, which every idle connection holds, stays small.
        (crate::stream::ReadSide::Tcp(tcp), Some(sink)) => {
            Incoming::Spliced(Box::pin(sink.receive_some(tcp.as_ref())).await)
        }
        (reader, _) => Incoming::Read(reader.read_some(buf, size).await),
    }
}

/// What a connection's write step did: from its queue (the plain path), or from its source.
pub(crate) enum Outgoing {
    Written(std::io::Result<crate::stream::Written>),
    FromSource(Result<Moved, Failure>),
}

/// The next write of a connection: what is queued goes first (and what TLS buffers), then
/// the zero-copy source, if any. Cancel-safe, as each way is.
pub(crate) async fn write_next(
    writer: &mut crate::stream::WriteSide,
    queue: &std::collections::VecDeque<bytes::Bytes>,
    needs_flush: bool,
    source: Option<&mut ZeroCopySource>,
) -> Outgoing {
    match (writer, source) {
        (crate::stream::WriteSide::Tcp(tcp), Some(source)) if queue.is_empty() && !needs_flush => {
            Outgoing::FromSource(Box::pin(source.send_some(tcp.as_ref())).await)
        }
        (writer, _) => Outgoing::Written(crate::stream::write_some(writer, queue).await),
    }
}
