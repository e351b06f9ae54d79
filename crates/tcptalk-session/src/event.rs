//! What a session tells its front end: data only, with peer ids, never live handles, so a
//! front end's logic can be tested by feeding it events.

use std::path::PathBuf;

use bytes::Bytes;
use tcptalk_core::SaveProgress;
use tcptalk_net::{ByteCounts, CloseReason, NetError};

use crate::{Attempt, FileError, JobId, PeerId, PeriodicEnd};

/// What a session tells its front end.
#[derive(Debug)]
#[non_exhaustive]
pub enum SessionEvent {
    /// The server is listening; `local` has the real port when port 0 was asked for.
    Listening {
        local: std::net::SocketAddr,
    },
    ListenFailed {
        error: NetError,
    },
    /// The server stopped: its port is free again and all its connections are closed.
    Stopped,
    Connecting {
        attempt: Attempt,
        target: String,
    },
    /// Connecting failed. For an attempt the user cancelled ([`SessionHandle::stop`] before
    /// it connected) this comes at once, with [`NetError::Cancelled`].
    /// A client with reconnect on will try `attempt` again in `after` (said just before the
    /// failure or the end that caused it).
    Reconnecting {
        attempt: Attempt,
        after: std::time::Duration,
    },
    ConnectFailed {
        attempt: Attempt,
        error: NetError,
    },
    /// A connection is up. `attempt` is set for a client's connection; one the user cancelled
    /// meanwhile is closed without this event.
    Connected {
        peer: PeerId,
        attempt: Option<Attempt>,
        addr: std::net::SocketAddr,
        local: std::net::SocketAddr,
        label: String,
        transport: tcptalk_net::Transport,
        /// What the TLS handshake settled, for a TLS connection.
        tls: Option<std::sync::Arc<tcptalk_net::tls::TlsInfo>>,
    },
    /// Bytes arrived, exactly as read (only with [`SessionConfig::forward_received`]).
    Received {
        peer: PeerId,
        data: Bytes,
    },
    /// The peer sent FIN but may still read (connections made with `half_close`).
    PeerFinished {
        peer: PeerId,
    },
    Disconnected {
        peer: PeerId,
        addr: std::net::SocketAddr,
        label: String,
        reason: CloseReason,
        counts: ByteCounts,
    },
    /// A peer that held up a broadcast for [`SLOW_PEER_GRACE`] was disconnected.
    SlowPeerDropped {
        peer: PeerId,
        label: String,
        queued: u64,
    },
    Warning {
        error: NetError,
    },
    SaveProgress {
        path: PathBuf,
        progress: SaveProgress,
    },
    Saved {
        path: PathBuf,
        lines: u64,
    },
    SaveFailed {
        path: PathBuf,
        error: String,
    },
    /// Writing `--log` failed; logging stopped.
    LogFailed {
        error: String,
    },
    /// A periodic send waits for `peer`, which stopped reading.
    PeriodicPaused {
        job: JobId,
        peer: String,
    },
    PeriodicResumed {
        job: JobId,
    },
    /// A periodic send ended after `sent` sends.
    PeriodicEnded {
        job: JobId,
        sent: u64,
        end: PeriodicEnd,
    },
    /// A file transfer has handed `sent` of `total` bytes to the connection (a few per second).
    FileProgress {
        job: JobId,
        sent: u64,
        total: u64,
    },
    /// A file went out whole; `sha256` is of the bytes sent, in lowercase hex.
    FileSent {
        job: JobId,
        name: String,
        size: u64,
        sha256: String,
        elapsed: std::time::Duration,
    },
    FileFailed {
        job: JobId,
        name: String,
        error: FileError,
    },
    /// Writing the capture failed; capturing stopped.
    CaptureFailed {
        error: String,
    },
    /// An export is written: `bytes` of traffic in it.
    Exported {
        path: PathBuf,
        bytes: u64,
    },
    ExportFailed {
        path: PathBuf,
        error: String,
    },
}
