//! UDP as the rest of tcptalk sees connections: every source a socket hears from becomes a
//! [`Connection`] (announced with [`Event::Connected`], forgotten with [`Event::Closed`] after
//! it has been idle), each datagram one [`Event::Received`] and each message sent one datagram.
//! So history, views, rules, periodic sends and logs work on UDP unchanged, and datagram
//! boundaries survive to the history.
//!
//! One task reads the socket and hands datagrams to the right peer; each peer has a small task
//! that sends its messages and reports its end. A client is the same with one peer, its server.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::net::UdpSocket;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::connection::{Command, Connection, HandleParts, Transport};
use crate::counters::Counters;
use crate::error::NetError;
use crate::event::{CloseReason, Event, EventSender};

/// Room for the largest datagram IPv6 can carry without jumbograms.
const RECEIVE_BUFFER: usize = 65_536;
/// After the client's last message (end of stdin), how long a quiet server gets to answer.
pub const UDP_LINGER: Duration = Duration::from_secs(1);
/// Sources a UDP server keeps at once. Datagrams from more (a port scan, spoofed addresses)
/// are dropped, with one warning, until some are forgotten: memory stays bounded.
pub const MAX_UDP_SOURCES: usize = 10_000;
/// What the kernel is asked to buffer, so a burst is not dropped while a front end is busy
/// (it caps this at net.core.rmem_max).
const SOCKET_BUFFER: usize = 4 << 20;

/// Where an endpoint's datagrams go.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Role {
    /// Any source is a peer, forgotten after `idle`.
    Server { idle: Duration },
    /// One peer. `connected`: the socket is connected to it (unicast), so the kernel filters
    /// other sources and reports "port unreachable". A broadcast or multicast target is not
    /// connected: answers come from other addresses, and all count as the server's.
    Client { target: SocketAddr, connected: bool },
}

/// One peer as the reading task knows it.
struct Known {
    conn: Connection,
    counters: Arc<Counters>,
    last_activity: Arc<AtomicU64>,
    forgotten: Arc<AtomicBool>,
}

pub(crate) struct Endpoint {
    socket: Arc<UdpSocket>,
    role: Role,
    events: EventSender,
    shutdown: CancellationToken,
    totals: Arc<Counters>,
    tracker: TaskTracker,
    started: Instant,
    peers: HashMap<SocketAddr, Known>,
    /// The "too many sources" warning was given and no source has been added since.
    warned_full: bool,
}

pub(crate) fn enlarge_buffers(socket: &socket2::Socket) {
    let _ = socket.set_recv_buffer_size(SOCKET_BUFFER);
    let _ = socket.set_send_buffer_size(SOCKET_BUFFER);
}

impl Endpoint {
    pub(crate) fn new(
        socket: UdpSocket,
        role: Role,
        events: EventSender,
        shutdown: CancellationToken,
        totals: Arc<Counters>,
    ) -> Self {
        Endpoint {
            socket: Arc::new(socket),
            role,
            events,
            shutdown,
            totals,
            tracker: TaskTracker::new(),
            started: Instant::now(),
            peers: HashMap::new(),
            warned_full: false,
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Reads datagrams until shut down (a server) or until its one peer ends (a client).
    /// Every peer has reported its end when this returns.
    pub(crate) async fn run(mut self) {
        let mut buf = vec![0u8; RECEIVE_BUFFER];
        let client_peer = match self.role {
            Role::Client { target, .. } => match self.add_peer(target).await {
                Some(close) => Some(close),
                None => return self.finish().await,
            },
            Role::Server { .. } => None,
        };
        let sweep_every = match self.role {
            Role::Server { idle } => {
                (idle / 4).clamp(Duration::from_millis(20), Duration::from_secs(1))
            }
            Role::Client { .. } => Duration::from_secs(3600),
        };
        let mut sweep = tokio::time::interval(sweep_every);
        sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut failures = 0u32;
        loop {
            let received = tokio::select! {
                biased;
                () = self.shutdown.cancelled() => break,
                () = wait_closed(client_peer.as_ref()) => break,
                _ = sweep.tick() => {
                    self.forget_idle();
                    continue;
                }
                received = self.socket.recv_from(&mut buf) => received,
            };
            match received {
                Ok((len, from)) => {
                    failures = 0;
                    let data = Bytes::copy_from_slice(&buf[..len]);
                    if !self.deliver(from, data).await {
                        break;
                    }
                }
                Err(err) => {
                    let error = match (err.kind(), self.role) {
                        // The ICMP answer to an earlier datagram: nothing listens there. Said,
                        // and the socket stays usable: the server may start later.
                        (io::ErrorKind::ConnectionRefused, Role::Client { target, .. }) => {
                            NetError::PortUnreachable { addr: target }
                        }
                        _ => NetError::io("cannot receive a datagram", err),
                    };
                    if !self.events.emit(Event::Warning { error }).await {
                        break;
                    }
                    // A socket that keeps failing must not spin a core.
                    failures += 1;
                    if failures > 3 {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
            }
        }
        self.finish().await;
    }

    async fn finish(mut self) {
        for known in self.peers.values() {
            known.conn.close();
        }
        self.peers.clear();
        self.tracker.close();
        self.tracker.wait().await;
    }

    /// Hands one datagram to its peer, making the peer first when it is new. False when the
    /// front end has gone.
    async fn deliver(&mut self, from: SocketAddr, data: Bytes) -> bool {
        let key = match self.role {
            Role::Client { target, .. } => target,
            Role::Server { .. } => from,
        };
        let live = self.peers.get(&key).is_some_and(|k| !k.conn.is_closed());
        if !live {
            self.peers.remove(&key);
            if self.peers.len() >= MAX_UDP_SOURCES {
                self.forget_idle();
            }
            if self.peers.len() >= MAX_UDP_SOURCES {
                if !self.warned_full {
                    self.warned_full = true;
                    let error = NetError::TooManySources {
                        max: MAX_UDP_SOURCES,
                    };
                    return self.events.emit(Event::Warning { error }).await;
                }
                return !self.events.is_closed();
            }
            self.warned_full = false;
            if matches!(self.role, Role::Client { .. }) || self.add_peer(key).await.is_none() {
                return !self.events.is_closed();
            }
        }
        let now = self.now_ms();
        let Some(known) = self.peers.get(&key) else {
            return true;
        };
        known.last_activity.store(now, Ordering::Relaxed);
        known.counters.add_received(data.len());
        self.totals.add_received(data.len());
        let conn = known.conn.id();
        self.events.emit(Event::Received { conn, data }).await
    }

    /// Announces a new peer and starts its sending task. Returns its close token.
    async fn add_peer(&mut self, addr: SocketAddr) -> Option<CancellationToken> {
        let local = match self.socket.local_addr() {
            Ok(local) => local,
            Err(err) => {
                let error = NetError::io("cannot read the socket's address", err);
                self.events.emit(Event::Warning { error }).await;
                return None;
            }
        };
        let (conn, parts) = Connection::new(local, addr, Transport::Udp, None, &self.shutdown);
        let last_activity = Arc::new(AtomicU64::new(self.now_ms()));
        let forgotten = Arc::new(AtomicBool::new(false));
        let close = parts.close.clone();
        let sender = PeerSender {
            socket: self.socket.clone(),
            to: addr,
            connected: matches!(
                self.role,
                Role::Client {
                    connected: true,
                    ..
                }
            ),
            conn: conn.id(),
            parts,
            events: self.events.clone(),
            totals: self.totals.clone(),
            last_activity: last_activity.clone(),
            forgotten: forgotten.clone(),
            started: self.started,
        };
        self.peers.insert(
            addr,
            Known {
                counters: sender.parts.counters.clone(),
                conn: conn.clone(),
                last_activity,
                forgotten,
            },
        );
        if !self.events.emit(Event::Connected { conn }).await {
            return None;
        }
        self.tracker.spawn(sender.run());
        Some(close)
    }

    /// Ends the peers that have been quiet for the idle time, and drops the ones that ended.
    fn forget_idle(&mut self) {
        let Role::Server { idle } = self.role else {
            return;
        };
        let idle_ms = u64::try_from(idle.as_millis()).unwrap_or(u64::MAX);
        let now = self.now_ms();
        self.peers.retain(|_, known| {
            if known.conn.is_closed() {
                return false;
            }
            let quiet = now.saturating_sub(known.last_activity.load(Ordering::Relaxed));
            if quiet >= idle_ms {
                // Before the close, so its task reports why.
                known.forgotten.store(true, Ordering::Relaxed);
                known.conn.close();
                return false;
            }
            true
        });
    }
}

async fn wait_closed(close: Option<&CancellationToken>) {
    match close {
        Some(close) => close.cancelled().await,
        None => std::future::pending().await,
    }
}

/// Sends one peer's messages, one datagram each, and reports its end.
struct PeerSender {
    socket: Arc<UdpSocket>,
    to: SocketAddr,
    connected: bool,
    conn: crate::ConnId,
    parts: HandleParts,
    events: EventSender,
    totals: Arc<Counters>,
    last_activity: Arc<AtomicU64>,
    forgotten: Arc<AtomicBool>,
    started: Instant,
}

impl PeerSender {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    async fn run(mut self) {
        let close = self.parts.close.clone();
        let mut taking = true;
        let mut lingering = false;
        let linger_ms = u64::try_from(UDP_LINGER.as_millis()).unwrap_or(1000);
        let reason = loop {
            tokio::select! {
                biased;
                () = close.cancelled() => break CloseReason::ClosedByUs,
                command = self.parts.commands.recv(), if taking => match command {
                    Some(Command::Send(data)) => {
                        if !self.send(data).await {
                            break CloseReason::ClosedByUs;
                        }
                    }
                    // `Connection::send_from` refuses UDP before it gets here.
                    Some(Command::SendFrom(_)) => {}
                    Some(Command::ShutdownWrite) => {
                        // No FIN on UDP: the last message is out, so wait a moment for answers.
                        lingering = true;
                        self.last_activity.store(self.now_ms(), Ordering::Relaxed);
                    }
                    None => taking = false,
                },
                () = tokio::time::sleep(Duration::from_millis(50)), if lingering => {
                    let quiet = self.now_ms().saturating_sub(self.last_activity.load(Ordering::Relaxed));
                    if quiet >= linger_ms {
                        break CloseReason::ClosedByUs;
                    }
                }
            }
        };
        let reason = if self.forgotten.load(Ordering::Relaxed) {
            CloseReason::Idle
        } else {
            reason
        };
        close.cancel();
        self.forget_unsent();
        let counts = self.parts.counters.snapshot();
        self.events
            .emit(Event::Closed {
                conn: self.conn,
                reason,
                counts,
            })
            .await;
    }

    fn forget_unsent(&mut self) {
        self.parts.commands.close();
        let mut unsent = 0u64;
        while let Ok(command) = self.parts.commands.try_recv() {
            if let Command::Send(data) = command {
                unsent += data.len() as u64;
            }
        }
        self.parts.queued.fetch_sub(unsent, Ordering::Relaxed);
    }

    /// One datagram out. A failure is a warning, not the end: UDP has no connection to lose.
    async fn send(&mut self, data: Bytes) -> bool {
        let len = data.len();
        let sent = if self.connected {
            self.socket.send(&data).await
        } else {
            self.socket.send_to(&data, self.to).await
        };
        self.parts.queued.fetch_sub(len as u64, Ordering::Relaxed);
        match sent {
            Ok(n) => {
                self.parts.counters.add_sent(n);
                self.totals.add_sent(n);
                self.last_activity.store(self.now_ms(), Ordering::Relaxed);
                self.events
                    .emit(Event::Sent {
                        conn: self.conn,
                        bytes: n,
                    })
                    .await
            }
            Err(err) => {
                let error = NetError::from_udp_send(self.to, len, err);
                self.events.emit(Event::Warning { error }).await
            }
        }
    }
}
