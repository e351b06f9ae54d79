//! One TCP connection as an actor: it reads, writes and reports, and nothing else touches
//! its socket.
//!
//! Whoever holds a [`Connection`] handle sends bytes through a bounded channel. The actor keeps
//! at most [`WRITE_QUEUE_LIMIT`] bytes of its own queue; past that it stops taking commands, so
//! a peer that does not read pushes back on the sender (`send` waits, `try_send` says `Full`)
//! instead of growing memory.

use std::collections::VecDeque;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::counters::Counters;
use crate::event::{CloseReason, Event, EventSender};
use crate::stream::{ReadSide, Stream, WriteSide, Written, write_some};
use crate::tls::TlsInfo;
use crate::zero_copy::{
    Failure, Incoming, Moved, Outgoing, SinkPipe, ZeroCopySink, ZeroCopySource, read_next,
    write_next,
};

mod handle;

pub(crate) use handle::{Command, HandleParts};
pub use handle::{ConnId, Connection, MAX_DATAGRAM, SendError, Transport};

/// How much unsent data one connection's actor holds before it pushes back on senders.
pub const WRITE_QUEUE_LIMIT: usize = 1 << 20;
/// First read size. Small, so 10,000 quiet clients cost little memory.
const READ_CHUNK_MIN: usize = 4 * 1024;
/// Largest read size; a connection that keeps filling its buffer grows toward it, so floods
/// are read in few, large reads.
const READ_CHUNK_MAX: usize = 256 * 1024;
/// How long a close waits to flush what was already queued.
const CLOSE_FLUSH_TIMEOUT: Duration = Duration::from_secs(2);

/// How a new connection behaves, as its server or client was configured.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConnOptions<'a> {
    /// Keep sending after the peer's FIN (see [`crate::ServerConfig::half_close`]).
    pub(crate) half_close: bool,
    /// Where received bytes go instead of into events (plain TCP only).
    pub(crate) sink: Option<&'a ZeroCopySink>,
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
    options: ConnOptions<'_>,
) -> io::Result<(Connection, ConnectionTask)> {
    let ConnOptions { half_close, sink } = options;
    let local = stream.local_addr()?;
    let peer = stream.peer_addr()?;
    // Chat and request/response traffic wants each message out at once.
    stream.set_nodelay();
    let transport = match stream {
        Stream::Tcp(_) => Transport::Tcp,
        Stream::Tls(_) => Transport::Tls,
    };
    let sink = sink
        .filter(|_| transport == Transport::Tcp)
        .and_then(ZeroCopySink::connect);
    let (conn, parts) = Connection::new(local, peer, transport, tls, parent);
    let HandleParts {
        commands: command_rx,
        close,
        counters,
        queued,
    } = parts;
    let actor = Actor {
        id: conn.id(),
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
        sink,
        source: None,
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
    /// Received bytes go here instead of into events (see [`crate::zero_copy`]).
    sink: Option<SinkPipe>,
    /// Being sent after the queue; commands wait until it is at its end.
    source: Option<ZeroCopySource>,
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
            let taking = self.state.taking_commands()
                && self.buffered < WRITE_QUEUE_LIMIT
                && self.source.is_none();
            let writing = !self.queue.is_empty() || self.needs_flush || self.source.is_some();
            tokio::select! {
                biased;
                () = self.close.cancelled() => return CloseReason::ClosedByUs,
                outgoing = write_next(writer, &self.queue, self.needs_flush, self.source.as_mut()), if writing => {
                    let written = match outgoing {
                        Outgoing::Written(written) => written,
                        Outgoing::FromSource(moved) => {
                            if let Some(reason) = self.sent_from_source(moved).await {
                                return reason;
                            }
                            continue;
                        }
                    };
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
                incoming = read_next(reader, &mut buf, read_size, self.sink.as_mut()), if reading => {
                    let read = match incoming {
                        Incoming::Read(read) => read,
                        Incoming::Spliced(Ok(Moved::Bytes(n))) => {
                            self.counters.add_received(n);
                            self.totals.add_received(n);
                            continue;
                        }
                        Incoming::Spliced(Ok(Moved::End)) => Ok(Some(0)),
                        Incoming::Spliced(Err(Failure::Socket(err))) => Err(err),
                        Incoming::Spliced(Err(Failure::Local(err))) => {
                            return CloseReason::Error(format!(
                                "cannot write what was received: {err}"
                            ));
                        }
                    };
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
                        (Some(Command::SendFrom(source)), state) => {
                            self.source = Some(*source);
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

    /// Counts what the source sent; `Some` when the connection is over.
    async fn sent_from_source(&mut self, moved: Result<Moved, Failure>) -> Option<CloseReason> {
        match moved {
            Ok(Moved::Bytes(n)) => {
                self.counters.add_sent(n);
                self.totals.add_sent(n);
                let event = Event::Sent {
                    conn: self.id,
                    bytes: n,
                };
                if !self.events.emit(event).await {
                    return Some(CloseReason::ClosedByUs);
                }
            }
            Ok(Moved::End) => self.source = None,
            Err(Failure::Socket(err)) => return Some(classify(err)),
            // The connection is fine; only what was to be sent cannot be read any more.
            Err(Failure::Local(source)) => {
                self.source = None;
                let error = crate::NetError::io("cannot read what was to be sent", source);
                if !self.events.emit(Event::Warning { error }).await {
                    return Some(CloseReason::ClosedByUs);
                }
            }
        }
        None
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
