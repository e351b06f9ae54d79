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

    #[error("{addr} answered \"port unreachable\": nothing is listening on that UDP port (yet)")]
    PortUnreachable { addr: SocketAddr },

    #[error(
        "{addr} is not a multicast address (IPv4 groups are 224.0.0.0 to 239.255.255.255, IPv6 ones start with ff)"
    )]
    NotMulticast { addr: std::net::IpAddr },

    #[error(
        "sending to {addr} needs broadcast to be allowed (the broadcast checkbox, --broadcast)"
    )]
    BroadcastNotAllowed { addr: SocketAddr },

    #[error("a datagram to {addr} was too long for the network ({len} bytes)")]
    DatagramTooLong { addr: SocketAddr, len: usize },

    #[error(
        "more than {max} UDP sources at once: datagrams from new ones are dropped until some are forgotten"
    )]
    TooManySources { max: usize },

    #[error(
        "out of file descriptors{}: {turned_away} new client(s) turned away (connected and closed); every connected client is still served, and new ones are taken again as others leave",
        limit.map(|limit| format!(" (the open file limit is {limit})")).unwrap_or_default()
    )]
    OutOfDescriptors {
        turned_away: usize,
        limit: Option<u64>,
    },

    #[error("TLS handshake with {target} failed: {failure}")]
    Tls {
        target: String,
        failure: crate::tls::TlsFailure,
    },

    #[error("the TLS handshake with {target} timed out after {} s: the peer may not speak TLS", after.as_secs_f32())]
    TlsTimedOut { target: String, after: Duration },

    #[error("{0}")]
    TlsSetup(#[from] crate::tls::TlsSetupError),

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

    /// Classifies a failed datagram send to `addr`.
    pub(crate) fn from_udp_send(addr: SocketAddr, len: usize, err: io::Error) -> Self {
        const EMSGSIZE: i32 = 90;
        match err.kind() {
            io::ErrorKind::ConnectionRefused => NetError::PortUnreachable { addr },
            io::ErrorKind::PermissionDenied => NetError::BroadcastNotAllowed { addr },
            io::ErrorKind::NetworkUnreachable | io::ErrorKind::HostUnreachable => {
                NetError::Unreachable { addr }
            }
            _ if err.raw_os_error() == Some(EMSGSIZE) => NetError::DatagramTooLong { addr, len },
            _ => NetError::io(format!("cannot send a datagram to {addr}"), err),
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
