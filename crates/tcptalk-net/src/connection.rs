//! One TCP connection as an actor: it reads, writes and reports, and nothing else touches
//! its socket.
//!
//! Whoever holds a [`Connection`] handle sends bytes through a bounded channel. The actor keeps
//! at most [`WRITE_QUEUE_LIMIT`] bytes of its own queue; past that it stops taking commands, so
//! a peer that does not read pushes back on the sender (`send` waits, `try_send` says `Full`)
//! instead of growing memory.

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::counters::{ByteCounts, Counters};
use crate::event::{CloseReason, Event, EventSender};
use crate::stream::{ReadSide, Stream, WriteSide, Written, write_some};
use crate::tls::TlsInfo;

/// How much unsent data one connection's actor holds before it pushes back on senders.
pub const WRITE_QUEUE_LIMIT: usize = 1 << 20;
/// Commands waiting in a connection's channel before `try_send` reports `Full`.
const COMMAND_CAPACITY: usize = 64;
/// First read size. Small, so 10,000 quiet clients cost little memory.
const READ_CHUNK_MIN: usize = 4 * 1024;
/// Largest read size; a connection that keeps filling its buffer grows toward it, so floods
/// are read in few, large reads.
const READ_CHUNK_MAX: usize = 256 * 1024;
/// How long a close waits to flush what was already queued.
const CLOSE_FLUSH_TIMEOUT: Duration = Duration::from_secs(2);

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

/// Starts the actor for an established stream and returns its handle. The caller announces
/// it with [`Event::Connected`] before the actor's first event can arrive.
pub(crate) fn spawn(
    stream: Stream,
    tls: Option<TlsInfo>,
    events: EventSender,
    parent: &CancellationToken,
    totals: Arc<Counters>,
    tracker: &tokio_util::task::TaskTracker,
    half_close: bool,
) -> io::Result<(Connection, ConnectionTask)> {
    let local = stream.local_addr()?;
    let peer = stream.peer_addr()?;
    // Chat and request/response traffic wants each message out at once.
    stream.set_nodelay();
    let transport = match stream {
        Stream::Tcp(_) => Transport::Tcp,
        Stream::Tls(_) => Transport::Tls,
    };
    let (conn, parts) = Connection::new(local, peer, transport, tls, parent);
    let HandleParts {
        commands: command_rx,
        close,
        counters,
        queued,
    } = parts;
    let actor = Actor {
        id: conn.id,
        events,
        close,
        counters,
        totals,
        queued,
        commands: command_rx,
        queue: VecDeque::new(),
        buffered: 0,
        half_close,
        state: State::Open,
        needs_flush: false,
    };
    let task = ConnectionTask {
        actor,
        stream,
        tracker: tracker.clone(),
    };
    Ok((conn, task))
}

/// A connection whose actor is ready to run; `start` it after announcing the connection.
pub(crate) struct ConnectionTask {
    actor: Actor,
    stream: Stream,
    tracker: tokio_util::task::TaskTracker,
}

impl ConnectionTask {
    pub(crate) fn start(self) {
        let ConnectionTask {
            actor,
            stream,
            tracker,
        } = self;
        tracker.spawn(actor.run(stream));
    }

    /// Runs the actor on the current task, for callers that already own a task.
    pub(crate) async fn run(self) {
        self.actor.run(self.stream).await;
    }
}

/// Where a connection stands. One value instead of a handful of flags, so every combination
/// that can happen is named and the loop decides what to wait for with one `match`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading, and taking bytes to send.
    Open,
    /// Every handle is gone: what is queued is still written, and we keep reading.
    Orphaned,
    /// A FIN is asked for: it goes out once the queue is written. Still reading.
    FinPending,
    /// Our FIN is out; reading until the peer closes too.
    FinSent,
    /// The peer sent FIN (only with `half_close`); we may still send.
    PeerFinished,
    /// The peer sent FIN and every handle is gone: ends once the queue is written.
    PeerFinishedOrphaned,
    /// The peer sent FIN and we asked for ours: ends once the queue is written and FIN sent.
    PeerFinishedFinPending,
}

impl State {
    fn reading(self) -> bool {
        matches!(
            self,
            State::Open | State::Orphaned | State::FinPending | State::FinSent
        )
    }

    fn taking_commands(self) -> bool {
        matches!(self, State::Open | State::PeerFinished)
    }

    /// The state after the peer's FIN, or `None` when the FIN ends the connection.
    fn after_peer_fin(self, half_close: bool) -> Option<State> {
        if !half_close {
            return None;
        }
        match self {
            State::Open => Some(State::PeerFinished),
            State::Orphaned => Some(State::PeerFinishedOrphaned),
            State::FinPending => Some(State::PeerFinishedFinPending),
            _ => None,
        }
    }
}

struct Actor {
    id: ConnId,
    events: EventSender,
    close: CancellationToken,
    counters: Arc<Counters>,
    totals: Arc<Counters>,
    /// The one count of bytes waiting to be sent, shared with the handles: a handle adds a
    /// message's length before queueing it (and takes it back if queueing fails); the actor
    /// takes off what it writes and, at the end, whatever it never wrote. Every subtraction
    /// follows the addition it undoes, so the count cannot go below zero.
    queued: Arc<AtomicU64>,
    commands: mpsc::Receiver<Command>,
    /// Taken from `commands`, not yet written; its size in bytes is `buffered`.
    queue: VecDeque<Bytes>,
    buffered: usize,
    /// Keep sending after the peer's FIN (see [`crate::ServerConfig::half_close`]).
    half_close: bool,
    state: State,
    /// TLS keeps what was written in its own buffer until flushed.
    needs_flush: bool,
}

impl Actor {
    async fn run(mut self, stream: Stream) {
        let (mut reader, mut writer) = stream.split();
        let reason = self.pump(&mut reader, &mut writer).await;
        if reason == CloseReason::ClosedByUs || reason == CloseReason::ClosedByPeer {
            self.flush_then_shutdown(&mut writer).await;
        }
        tracing::debug!(conn = %self.id, %reason, "connection ended");
        let id = self.id;
        self.close.cancel();
        self.forget_unsent();
        let counts = self.counters.snapshot();
        self.events
            .emit(Event::Closed {
                conn: id,
                reason,
                counts,
            })
            .await;
    }

    /// Whatever is left unsent is gone with the socket: it no longer counts as queued.
    fn forget_unsent(&mut self) {
        self.commands.close();
        let mut unsent = self.buffered as u64;
        while let Ok(command) = self.commands.try_recv() {
            if let Command::Send(data) = command {
                unsent += data.len() as u64;
            }
        }
        self.queue.clear();
        self.buffered = 0;
        self.queued.fetch_sub(unsent, Ordering::Relaxed);
    }

    /// Moves bytes both ways until the connection ends, and says why it ended.
    async fn pump(&mut self, reader: &mut ReadSide, writer: &mut WriteSide) -> CloseReason {
        let mut read_size = READ_CHUNK_MIN;
        let mut buf = BytesMut::new();
        loop {
            // What TLS still buffers is flushed in the `select!` below first, while reading goes
            // on: a peer that does not read must not stall us here.
            if self.queue.is_empty() && !self.needs_flush {
                match self.state {
                    State::FinPending | State::PeerFinishedFinPending => {
                        let shutdown = tokio::select! {
                            shutdown = writer.shutdown() => shutdown,
                            () = self.close.cancelled() => return CloseReason::ClosedByUs,
                        };
                        if let Err(err) = shutdown {
                            return classify(err);
                        }
                        if self.state == State::PeerFinishedFinPending {
                            return CloseReason::ClosedByPeer;
                        }
                        self.state = State::FinSent;
                    }
                    // Both directions are done, and the peer finished first.
                    State::PeerFinishedOrphaned => return CloseReason::ClosedByPeer,
                    _ => {}
                }
            }
            let reading = self.state.reading();
            let taking = self.state.taking_commands() && self.buffered < WRITE_QUEUE_LIMIT;
            tokio::select! {
                biased;
                () = self.close.cancelled() => return CloseReason::ClosedByUs,
                written = write_some(writer, &self.queue), if !self.queue.is_empty() || self.needs_flush => {
                    match written {
                        Ok(Written::Flushed) => self.needs_flush = false,
                        Ok(Written::Bytes(n)) => {
                            self.consume(n);
                            self.needs_flush = matches!(writer, WriteSide::Tls(_));
                            if !self.events.emit(Event::Sent { conn: self.id, bytes: n }).await {
                                return CloseReason::ClosedByUs;
                            }
                        }
                        Err(err) => return classify(err),
                    }
                }
                read = reader.read_some(&mut buf, read_size), if reading => {
                    match read {
                        Ok(None) => {}
                        Ok(Some(0)) => match self.state.after_peer_fin(self.half_close) {
                            Some(next) => {
                                self.state = next;
                                if !self.events.emit(Event::PeerFinished { conn: self.id }).await {
                                    return CloseReason::ClosedByUs;
                                }
                            }
                            None => return CloseReason::ClosedByPeer,
                        },
                        Ok(Some(n)) => {
                            self.counters.add_received(n);
                            self.totals.add_received(n);
                            if n >= read_size {
                                read_size = (read_size * 2).min(READ_CHUNK_MAX);
                            }
                            let data = buf.split().freeze();
                            let event = Event::Received { conn: self.id, data };
                            tokio::select! {
                                delivered = self.events.emit(event) => {
                                    if !delivered { return CloseReason::ClosedByUs; }
                                }
                                () = self.close.cancelled() => return CloseReason::ClosedByUs,
                            }
                        }
                        Err(err) => return classify(err),
                    }
                }
                command = self.commands.recv(), if taking => {
                    self.state = match (command, self.state) {
                        (Some(Command::Send(data)), state) => {
                            self.buffered += data.len();
                            self.queue.push_back(data);
                            state
                        }
                        (Some(Command::ShutdownWrite), State::PeerFinished) => {
                            State::PeerFinishedFinPending
                        }
                        (Some(Command::ShutdownWrite), _) => State::FinPending,
                        // Every handle is gone: nobody can send any more, but we keep reading.
                        (None, State::PeerFinished) => State::PeerFinishedOrphaned,
                        (None, _) => State::Orphaned,
                    };
                }
            }
        }
    }

    /// Writes out what was queued before a close, bounded in time so a peer that stopped
    /// reading cannot hold the close up.
    async fn flush_then_shutdown(&mut self, writer: &mut WriteSide) {
        let flush = async {
            while !self.queue.is_empty() {
                match write_some(writer, &self.queue).await {
                    Ok(Written::Bytes(n)) => self.consume(n),
                    Ok(Written::Flushed) => {}
                    Err(_) => return,
                }
            }
            let _ = writer.shutdown().await;
        };
        let _ = tokio::time::timeout(CLOSE_FLUSH_TIMEOUT, flush).await;
    }

    fn consume(&mut self, mut n: usize) {
        self.counters.add_sent(n);
        self.totals.add_sent(n);
        self.buffered -= n;
        self.queued.fetch_sub(n as u64, Ordering::Relaxed);
        while n > 0 {
            let Some(front) = self.queue.front_mut() else {
                break;
            };
            if n >= front.len() {
                n -= front.len();
                self.queue.pop_front();
            } else {
                front.advance(n);
                n = 0;
            }
        }
    }
}

fn classify(err: io::Error) -> CloseReason {
    match err.kind() {
        io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted => CloseReason::Reset,
        io::ErrorKind::BrokenPipe => CloseReason::ClosedByPeer,
        _ => CloseReason::Error(err.to_string()),
    }
}
