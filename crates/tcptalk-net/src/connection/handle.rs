//! A connection's handle: what front ends and the session hold to send, close and count.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::counters::{ByteCounts, Counters};
use crate::tls::TlsInfo;
use crate::zero_copy::ZeroCopySource;

/// Commands waiting in a connection's channel before `try_send` reports `Full`.
const COMMAND_CAPACITY: usize = 64;

/// A stable identifier of one connection, unique within the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub u64);

impl fmt::Display for ConnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

impl ConnId {
    fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        ConnId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

#[derive(Debug)]
pub(crate) enum Command {
    Send(Bytes),
    /// Everything the source holds, after what is queued; commands after it wait for its end.
    /// Boxed: every connection's channel allocates room for 32 commands up front.
    SendFrom(Box<ZeroCopySource>),
    ShutdownWrite,
}

/// Why a send did not go through.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    #[error("the connection is closed")]
    Closed,
    #[error("the peer is not reading fast enough: {queued} bytes are still waiting to be sent")]
    Full { queued: u64 },
    #[error("{len} bytes do not fit in one UDP datagram (at most {max} bytes)")]
    TooLong { len: usize, max: usize },
    /// Only plain TCP can take a file or a pipe without us reading it: TLS and UDP need the
    /// bytes in hand.
    #[error("a {transport} connection cannot send straight from a file or pipe")]
    NotZeroCopy { transport: Transport },
}

/// What carries a connection's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    Tcp,
    /// TLS over TCP.
    Tls,
    /// One UDP peer: a client's server, or a source a UDP server has heard from.
    Udp,
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Transport::Tcp => "TCP",
            Transport::Tls => "TLS",
            Transport::Udp => "UDP",
        })
    }
}

/// The largest UDP payload over IPv4 (65,535 less the IP and UDP headers).
pub const MAX_DATAGRAM: usize = 65_507;

/// A handle to a live connection. Cheap to clone; dropping every handle does not close it.
#[derive(Clone)]
pub struct Connection {
    id: ConnId,
    local: SocketAddr,
    peer: SocketAddr,
    commands: mpsc::Sender<Command>,
    close: CancellationToken,
    counters: Arc<Counters>,
    queued: Arc<AtomicU64>,
    transport: Transport,
    tls: Option<Arc<TlsInfo>>,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("id", &self.id)
            .field("local", &self.local)
            .field("peer", &self.peer)
            .field("transport", &self.transport)
            .finish_non_exhaustive()
    }
}

impl Connection {
    pub fn id(&self) -> ConnId {
        self.id
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    pub fn peer_addr(&self) -> SocketAddr {
        self.peer
    }

    pub fn transport(&self) -> Transport {
        self.transport
    }

    /// What the TLS handshake settled (`None` unless the transport is TLS).
    pub fn tls(&self) -> Option<&Arc<TlsInfo>> {
        self.tls.as_ref()
    }

    /// Whether an empty message means something: on UDP it is an empty datagram; on a stream
    /// there is nothing to send.
    fn skips_empty(&self) -> bool {
        self.transport != Transport::Udp
    }

    /// On UDP one message is one datagram, so one that cannot fit is refused whole.
    fn check_size(&self, len: usize) -> Result<(), SendError> {
        if self.transport == Transport::Udp && len > MAX_DATAGRAM {
            return Err(SendError::TooLong {
                len,
                max: MAX_DATAGRAM,
            });
        }
        Ok(())
    }

    /// Bytes received and sent on this connection so far.
    pub fn counts(&self) -> ByteCounts {
        self.counters.snapshot()
    }

    /// Bytes accepted by `send`/`try_send` but not yet handed to the operating system (those
    /// still in the command channel included).
    pub fn queued_bytes(&self) -> u64 {
        self.queued.load(Ordering::Relaxed)
    }

    /// Queues `data` for sending, waiting while the peer is not reading (back-pressure).
    pub async fn send(&self, data: Bytes) -> Result<(), SendError> {
        if data.is_empty() && self.skips_empty() {
            return Ok(());
        }
        self.check_size(data.len())?;
        let len = data.len() as u64;
        self.queued.fetch_add(len, Ordering::Relaxed);
        // Takes the length back unless the bytes were queued, also when the caller gives up
        // waiting (a timeout drops this future mid-send).
        let mut unqueue = Unqueue {
            queued: &self.queued,
            len,
        };
        if self.commands.send(Command::Send(data)).await.is_err() {
            return Err(SendError::Closed);
        }
        unqueue.len = 0;
        Ok(())
    }

    /// Queues `data` without waiting: for UI threads, which must never block.
    /// Nothing is queued when this fails, so a message is never sent in part.
    pub fn try_send(&self, data: Bytes) -> Result<(), SendError> {
        if data.is_empty() && self.skips_empty() {
            return Ok(());
        }
        self.check_size(data.len())?;
        let len = data.len() as u64;
        self.queued.fetch_add(len, Ordering::Relaxed);
        match self.commands.try_send(Command::Send(data)) {
            Ok(()) => Ok(()),
            Err(err) => {
                // Takes back exactly what was added above; the actor only ever takes off bytes
                // it received, so this cannot wrap.
                let before = self.queued.fetch_sub(len, Ordering::Relaxed);
                let queued = before.saturating_sub(len);
                Err(match err {
                    mpsc::error::TrySendError::Full(_) => SendError::Full { queued },
                    mpsc::error::TrySendError::Closed(_) => SendError::Closed,
                })
            }
        }
    }

    /// Sends everything `source` holds, straight from the file or pipe to the socket, after
    /// what is queued; what is sent later waits until the source is at its end. Plain TCP only.
    /// Its bytes count as sent as they go, not as queued.
    pub async fn send_from(&self, source: ZeroCopySource) -> Result<(), SendError> {
        if self.transport != Transport::Tcp {
            return Err(SendError::NotZeroCopy {
                transport: self.transport,
            });
        }
        self.commands
            .send(Command::SendFrom(Box::new(source)))
            .await
            .map_err(|_| SendError::Closed)
    }

    /// Sends FIN after everything queued before it: "I have nothing more to say", while still
    /// receiving what the peer sends (what `nc -N` does at end of input).
    pub async fn shutdown_write(&self) -> Result<(), SendError> {
        self.commands
            .send(Command::ShutdownWrite)
            .await
            .map_err(|_| SendError::Closed)
    }

    /// Closes the connection: stops reading, flushes what is already queued (for a short
    /// while at most), then closes. The peer sees an orderly close.
    pub fn close(&self) {
        self.close.cancel();
    }

    /// True once the connection's actor has been told to close or has ended.
    pub fn is_closed(&self) -> bool {
        self.close.is_cancelled() || self.commands.is_closed()
    }
}

/// The actor's ends of what a [`Connection`] handle shares with it.
pub(crate) struct HandleParts {
    pub(crate) commands: mpsc::Receiver<Command>,
    pub(crate) close: CancellationToken,
    pub(crate) counters: Arc<Counters>,
    pub(crate) queued: Arc<AtomicU64>,
}

impl Connection {
    /// A new handle with a fresh id, and the parts the actor behind it keeps.
    pub(crate) fn new(
        local: SocketAddr,
        peer: SocketAddr,
        transport: Transport,
        tls: Option<TlsInfo>,
        parent: &CancellationToken,
    ) -> (Connection, HandleParts) {
        let (commands, command_rx) = mpsc::channel(COMMAND_CAPACITY);
        let close = parent.child_token();
        let counters = Arc::new(Counters::default());
        let queued = Arc::new(AtomicU64::new(0));
        let conn = Connection {
            id: ConnId::next(),
            local,
            peer,
            commands,
            close: close.clone(),
            counters: counters.clone(),
            queued: queued.clone(),
            transport,
            tls: tls.map(Arc::new),
        };
        let parts = HandleParts {
            commands: command_rx,
            close,
            counters,
            queued,
        };
        (conn, parts)
    }
}

/// Subtracts `len` from the queued count when dropped.
struct Unqueue<'a> {
    queued: &'a AtomicU64,
    len: u64,
}

impl Drop for Unqueue<'_> {
    fn drop(&mut self) {
        if self.len > 0 {
            self.queued.fetch_sub(self.len, Ordering::Relaxed);
        }
    }
}
