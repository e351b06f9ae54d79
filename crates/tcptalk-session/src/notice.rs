//! Notices: what happened to a session (listening, a client joined or left, a failure), as data.
//!
//! A notice is one history entry. The history, the spool, a saved history and `--log` store its
//! English text ([`Notice::log_text`]), the one wording every front end writes, so a terminal
//! session and a window's session log the same lines. The windows keep the notice itself next
//! to the entry and word it in the user's language when they draw the row.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use std::sync::Arc;

use tcptalk_net::tls::{CertSummary, TlsInfo};
use tcptalk_net::{ByteCounts, CloseReason, NetError, SendError, Transport};

/// Something that happened, worded by whoever shows it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Notice {
    /// The server is listening on `local` (`[::]:8899` for every address).
    Listening {
        local: SocketAddr,
        transport: Transport,
    },
    /// A TLS server's own certificate, for clients to compare.
    Certificate {
        certificate: CertSummary,
    },
    ListenFailed {
        error: NetError,
    },
    /// The server stopped and its port is free.
    Stopped,
    Connecting {
        target: String,
    },
    ConnectFailed {
        error: NetError,
    },
    /// Reconnect is on: the next try is in `after`.
    Reconnecting {
        after: Duration,
    },
    /// The user gave up connecting before the connection was made.
    ConnectCancelled {
        target: String,
    },
    /// A connection is up; the entry's peer says with whom.
    Connected {
        addr: SocketAddr,
        /// The handshake's outcome on a TLS connection.
        tls: Option<Arc<TlsInfo>>,
    },
    /// A connection ended, with why and exactly how many bytes went each way.
    Disconnected {
        addr: SocketAddr,
        reason: CloseReason,
        counts: ByteCounts,
    },
    /// A peer that did not read for `waited` while a broadcast waited for it was disconnected,
    /// so that it could not stall everyone else (or get a stream with a hole in it).
    SlowPeerDropped {
        addr: SocketAddr,
        waited: Duration,
        queued: u64,
    },
    /// A message to this peer was not sent at all.
    SendFailed {
        peer: String,
        error: SendError,
    },
    Warning {
        error: NetError,
    },
    /// The whole history was saved.
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
        peer: String,
    },
    PeriodicResumed,
    PeriodicEnded {
        sent: u64,
        end: crate::PeriodicEnd,
    },
    /// A file went out whole.
    FileSent {
        name: String,
        size: u64,
        sha256: String,
        elapsed: Duration,
    },
    FileFailed {
        name: String,
        error: crate::FileError,
    },
    /// Received bytes are cut into entries (and rule frames) this way from now on.
    Reframed {
        framing: tcptalk_core::Framing,
    },
    /// What the session saw was exported (a `.pcap`, or a connection's raw bytes).
    Exported {
        path: PathBuf,
        bytes: u64,
    },
    ExportFailed {
        path: PathBuf,
        error: String,
    },
    /// Text a front end worded itself (a bad port the user typed, ...).
    Text(String),
}

impl Notice {
    /// The English text written to the history, the spool and `--log`.
    pub fn log_text(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Notice::Listening {
                local,
                transport: Transport::Tcp,
            } => write!(f, "listening on {local}"),
            Notice::Listening { local, transport } => {
                write!(f, "listening on {local} ({transport})")
            }
            Notice::Certificate { certificate } => {
                write!(f, "TLS certificate: {certificate}")
            }
            Notice::ListenFailed { error } => write!(f, "cannot listen: {error}"),
            Notice::Stopped => f.write_str("server stopped"),
            Notice::Connecting { target } => write!(f, "connecting to {target}"),
            Notice::ConnectFailed { error } => write!(f, "cannot connect: {error}"),
            Notice::ConnectCancelled { target } => write!(f, "connecting to {target} cancelled"),
            Notice::Reconnecting { after } => {
                write!(f, "reconnecting in {} s", after.as_secs_f32())
            }
            Notice::Connected { tls: None, .. } => f.write_str("connected"),
            Notice::Connected { tls: Some(tls), .. } => write!(f, "connected: {tls}"),
            Notice::Disconnected { reason, counts, .. } => write!(
                f,
                "disconnected ({reason}, received {} bytes, sent {} bytes)",
                counts.received, counts.sent
            ),
            Notice::SlowPeerDropped { waited, queued, .. } => write!(
                f,
                "not reading for {} s ({queued} bytes waiting): disconnected",
                waited.as_secs_f32()
            ),
            Notice::SendFailed { peer, error } => write!(f, "not sent to {peer}: {error}"),
            Notice::Warning { error } => write!(f, "warning: {error}"),
            Notice::Saved { path, lines } => {
                write!(f, "history saved: {lines} lines to {}", path.display())
            }
            Notice::SaveFailed { path, error } => {
                write!(f, "cannot save the history to {}: {error}", path.display())
            }
            Notice::LogFailed { error } => {
                write!(f, "cannot write the log, logging stopped: {error}")
            }
            Notice::PeriodicPaused { peer } => write!(
                f,
                "periodic send paused: {peer} is not reading (it resumes when it reads)"
            ),
            Notice::PeriodicResumed => f.write_str("periodic send resumed"),
            Notice::PeriodicEnded { sent, end } => {
                let why = match end {
                    crate::PeriodicEnd::Done => "done",
                    crate::PeriodicEnd::Stopped => "stopped",
                    crate::PeriodicEnd::NoPeer => "nobody to send to",
                };
                write!(f, "periodic send ended ({why}) after {sent} sends")
            }
            Notice::FileSent {
                name,
                size,
                sha256,
                elapsed,
            } => write!(
                f,
                "sent file {name}: {size} bytes in {:.1} s, SHA-256 {sha256}",
                elapsed.as_secs_f64()
            ),
            Notice::FileFailed { name, error } => write!(f, "file {name} not sent whole: {error}"),
            Notice::Reframed { framing } => {
                write!(
                    f,
                    "from now on, what arrives is cut into frames by: {framing}"
                )
            }
            Notice::Exported { path, bytes } => {
                write!(f, "exported {bytes} bytes of traffic to {}", path.display())
            }
            Notice::ExportFailed { path, error } => {
                write!(f, "cannot export to {}: {error}", path.display())
            }
            Notice::Text(text) => f.write_str(text),
        }
    }
}
