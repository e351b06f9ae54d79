//! Errors the engine reports to front ends.
//!
//! Every failure a person can cause or meet (a port in use, a wrong host, a refused connection)
//! has its own variant, so the GUI can word it in the user's language and the CLI can print it
//! as one line. The English `Display` texts are written for people, not for logs.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// A network failure, typed so front ends can explain it. `Clone` (the I/O error is shared) so
/// the session layer can both record an error in its history and hand it to the front end.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum NetError {
    #[error("port {} is already in use on {}: another program (or another tcptalk) is listening there", addr.port(), addr.ip())]
    AddrInUse { addr: SocketAddr },

    #[error("permission denied to listen on port {} (ports below 1024 need extra privileges)", addr.port())]
    PermissionDenied { addr: SocketAddr },

    #[error("address {addr} is not available on this machine")]
    AddrNotAvailable { addr: SocketAddr },

    #[error("connection to {addr} refused: nothing is listening there")]
    Refused { addr: SocketAddr },

    #[error("connecting to {target} timed out after {} s", after.as_secs_f32())]
    TimedOut { target: String, after: Duration },

    #[error("cannot resolve host name '{host}': {reason}")]
    NameNotResolved { host: String, reason: String },

    #[error("network unreachable for {addr}")]
    Unreachable { addr: SocketAddr },

    #[error("invalid address '{input}': {reason}")]
    InvalidAddress { input: String, reason: String },

    #[error("connecting to {target} was cancelled")]
    Cancelled { target: String },

    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: Arc<io::Error>,
    },
}

impl NetError {
    /// An I/O failure, with what we were doing when it happened.
    pub fn io(context: impl Into<String>, source: io::Error) -> Self {
        NetError::Io {
            context: context.into(),
            source: Arc::new(source),
        }
    }

    /// Classifies a `bind`/`listen` failure on `addr`.
    pub(crate) fn from_listen(addr: SocketAddr, err: io::Error) -> Self {
        match err.kind() {
            io::ErrorKind::AddrInUse => NetError::AddrInUse { addr },
            io::ErrorKind::PermissionDenied => NetError::PermissionDenied { addr },
            io::ErrorKind::AddrNotAvailable => NetError::AddrNotAvailable { addr },
            _ => NetError::io(format!("cannot listen on {addr}"), err),
        }
    }

    /// Classifies a `connect` failure to `addr`.
    pub(crate) fn from_connect(addr: SocketAddr, err: io::Error) -> Self {
        match err.kind() {
            io::ErrorKind::ConnectionRefused => NetError::Refused { addr },
            io::ErrorKind::PermissionDenied => NetError::PermissionDenied { addr },
            io::ErrorKind::AddrNotAvailable => NetError::AddrNotAvailable { addr },
            io::ErrorKind::NetworkUnreachable | io::ErrorKind::HostUnreachable => {
                NetError::Unreachable { addr }
            }
            _ => NetError::io(format!("cannot connect to {addr}"), err),
        }
    }
}
