//! The TCP server: listens, accepts any number of clients, and runs an actor per client.
//!
//! Unlike the tutorial's `QTcpServer` use, which keeps only the newest socket, every accepted
//! client gets its own [`Connection`](crate::Connection) announced by [`Event::Connected`].
//! Stopping closes every client and frees the port before [`Event::Stopped`] is sent, so a
//! front end may listen on the same port again as soon as it sees that event.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::runtime::Handle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::connection;
use crate::counters::{ByteCounts, Counters};
use crate::error::NetError;
use crate::event::{Event, EventSender};
use crate::options::{Keepalive, UdpOptions};
use crate::stream::Stream;
use crate::tls::{self, TlsServer};
use crate::udp;
use crate::zero_copy::ZeroCopySink;

/// How long an accepted client gets to finish its TLS handshake; one that says nothing (a
/// plain TCP client, a port scanner) is dropped with a warning instead of held.
pub const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// What a server speaks.
#[derive(Debug, Clone, Default)]
pub enum ServerTransport {
    #[default]
    Tcp,
    /// TLS over TCP, with its certificate ready.
    Tls(TlsServer),
    /// UDP: every source heard from is a client.
    Udp(UdpOptions),
}

/// Where to listen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BindAddr {
    /// Every interface: IPv6 and IPv4 on one dual-stack socket where the system allows it,
    /// IPv4 only otherwise (like Qt's `QHostAddress::Any`).
    Any,
    Ip(IpAddr),
    /// A host name, resolved when the server starts; the first address is used.
    Host(String),
}

/// A server's settings.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub bind: BindAddr,
    pub port: u16,
    /// After a client's FIN, keep the connection open for sending until we shut our side
    /// (what ncat and socat do, and what scripts piping data both ways need). Without it a
    /// client's FIN closes the connection at once, as the tutorial's windows expect.
    pub half_close: bool,
    pub transport: ServerTransport,
    /// TCP keepalive on every accepted client (not used by UDP).
    pub keepalive: Option<Keepalive>,
    /// Where plain TCP clients' bytes go without passing through us; they then arrive as
    /// counts, not as [`Event::Received`]. Each client costs two more descriptors (its pipe).
    pub receive_into: Option<ZeroCopySink>,
}

impl ServerConfig {
    pub fn new(bind: BindAddr, port: u16) -> Self {
        ServerConfig {
            bind,
            port,
            half_close: false,
            transport: ServerTransport::Tcp,
            keepalive: Some(Keepalive::default()),
            receive_into: None,
        }
    }
}

/// What the accept loop does with each client beyond running it.
#[derive(Debug, Clone, Default)]
struct Accepting {
    half_close: bool,
    tls: Option<TlsServer>,
    keepalive: Option<Keepalive>,
    receive_into: Option<ZeroCopySink>,
}

/// Controls a running server. Dropping it does not stop the server; call [`ServerHandle::stop`].
#[derive(Debug, Clone)]
pub struct ServerHandle {
    shutdown: CancellationToken,
    totals: Arc<Counters>,
}

impl ServerHandle {
    /// Closes every client and the listening socket; [`Event::Stopped`] follows.
    pub fn stop(&self) {
        self.shutdown.cancel();
    }

    /// Bytes received from and sent to all clients since the server started.
    pub fn totals(&self) -> ByteCounts {
        self.totals.snapshot()
    }
}

/// Starts a server on `runtime`. Its outcome arrives as [`Event::Listening`] or
/// [`Event::ListenFailed`].
pub fn spawn_server(runtime: &Handle, config: ServerConfig, events: EventSender) -> ServerHandle {
    let shutdown = CancellationToken::new();
    let totals = Arc::new(Counters::default());
    let handle = ServerHandle {
        shutdown: shutdown.clone(),
        totals: totals.clone(),
    };
    runtime.spawn(async move {
        if let ServerTransport::Udp(options) = &config.transport {
            let bound = tokio::select! {
                bound = bind_udp(&config, options) => bound,
                () = shutdown.cancelled() => {
                    events.emit(Event::Stopped).await;
                    return;
                }
            };
            match bound {
                Ok(socket) => serve_udp(socket, events, shutdown, totals, options.idle).await,
                Err(error) => {
                    events.emit(Event::ListenFailed { error }).await;
                }
            }
            return;
        }
        let listener = tokio::select! {
            bound = bind(&config) => bound,
            () = shutdown.cancelled() => {
                events.emit(Event::Stopped).await;
                return;
            }
        };
        let accepting = Accepting {
            half_close: config.half_close,
            tls: match config.transport {
                ServerTransport::Tls(tls) => Some(tls),
                _ => None,
            },
            keepalive: config.keepalive,
            receive_into: config.receive_into,
        };
        match listener {
            Ok(listener) => serve(listener, events, shutdown, totals, accepting).await,
            Err(error) => {
                events.emit(Event::ListenFailed { error }).await;
            }
        }
    });
    handle
}

/// The address to bind, resolved as `config` says; `Any` is the IPv6 wildcard (dual-stack)
/// unless `v4_only`.
async fn resolve_bind(config: &ServerConfig, v4_only: bool) -> Result<SocketAddr, NetError> {
    let port = config.port;
    match &config.bind {
        BindAddr::Any if v4_only => Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port)),
        BindAddr::Any => Ok(SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), port)),
        BindAddr::Ip(ip) => Ok(SocketAddr::new(*ip, port)),
        BindAddr::Host(host) => crate::resolve(host, port)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| NetError::NameNotResolved {
                host: host.clone(),
                reason: "no addresses found".into(),
            }),
    }
}

/// Binds the UDP socket a UDP server reads, joined to its multicast group if it has one.
/// Without a group the port is exclusive, so a second server on it is told "in use".
async fn bind_udp(config: &ServerConfig, options: &UdpOptions) -> Result<UdpSocket, NetError> {
    // An IPv4 group is joined on an IPv4 socket.
    let v4_only = matches!(&options.multicast, Some(m) if m.group.is_ipv4());
    let open = |addr: SocketAddr, dual_stack: bool| -> io::Result<Socket> {
        let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
        if addr.is_ipv6() {
            socket.set_only_v6(!dual_stack)?;
        }
        if options.multicast.is_some() {
            // Several listeners may share a multicast group's port, as receivers usually do.
            socket.set_reuse_address(true)?;
        }
        socket.set_nonblocking(true)?;
        udp::enlarge_buffers(&socket);
        socket.bind(&addr.into())?;
        Ok(socket)
    };
    let socket = bind_with(config, v4_only, open).await?;
    options
        .apply_sending(&socket)
        .map_err(|err| NetError::io("cannot set the UDP socket's options", err))?;
    options.join(&socket)?;
    UdpSocket::from_std(socket.into()).map_err(|err| NetError::io("cannot use the UDP socket", err))
}

/// Says where the server listens (the real port when port 0 was asked for); `None` when it
/// cannot, or nobody listens to the events any more.
async fn announce_listening(
    local: io::Result<SocketAddr>,
    events: &EventSender,
) -> Option<SocketAddr> {
    let local = match local {
        Ok(local) => local,
        Err(source) => {
            let error = NetError::io("cannot read the listening address", source);
            events.emit(Event::ListenFailed { error }).await;
            return None;
        }
    };
    tracing::info!(%local, "listening");
    events
        .emit(Event::Listening { local })
        .await
        .then_some(local)
}

async fn serve_udp(
    socket: UdpSocket,
    events: EventSender,
    shutdown: CancellationToken,
    totals: Arc<Counters>,
    idle: Duration,
) {
    let Some(local) = announce_listening(socket.local_addr(), &events).await else {
        return;
    };
    let role = udp::Role::Server { idle };
    udp::Endpoint::new(socket, role, events.clone(), shutdown.clone(), totals)
        .run()
        .await;
    shutdown.cancel();
    tracing::info!(%local, "UDP stopped");
    events.emit(Event::Stopped).await;
}

/// Binds a listening socket as `config` says. `SO_REUSEADDR` is set so a server can listen
/// again on its port right after stopping, while old connections sit in TIME_WAIT.
pub async fn bind(config: &ServerConfig) -> Result<TcpListener, NetError> {
    bind_with(config, false, listen_on).await
}

/// Resolves where `config` binds and opens a socket there with `open(addr, dual_stack)`. The
/// wildcard is the IPv6 one on a dual-stack socket (unless `v4_only`), falling back to IPv4
/// only on a machine without IPv6.
async fn bind_with<T>(
    config: &ServerConfig,
    v4_only: bool,
    open: impl Fn(SocketAddr, bool) -> io::Result<T>,
) -> Result<T, NetError> {
    let addr = resolve_bind(config, v4_only).await?;
    let any = matches!(config.bind, BindAddr::Any) && !v4_only;
    match open(addr, any) {
        Ok(socket) => Ok(socket),
        Err(err) if any && is_family_unsupported(&err) => {
            let any4 = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), config.port);
            open(any4, false).map_err(|err| NetError::from_listen(any4, err))
        }
        Err(err) => Err(NetError::from_listen(addr, err)),
    }
}

fn is_out_of_fds(err: &io::Error) -> bool {
    const ENFILE: i32 = 23;
    const EMFILE: i32 = 24;
    matches!(err.raw_os_error(), Some(ENFILE | EMFILE))
}

/// One descriptor held in reserve, so that when the process runs out, a waiting client can
/// still be accepted and closed (it sees the connection end) rather than hang unanswered.
struct SpareFd(Option<std::fs::File>);

impl SpareFd {
    fn open() -> Self {
        SpareFd(std::fs::File::open("/dev/null").ok())
    }

    fn release(&mut self) {
        self.0 = None;
    }
}

/// Out of descriptors, tells every client waiting in the backlog instead of leaving it
/// hanging: frees the spare descriptor, accepts and closes each at once (it sees the
/// connection end), then holds the spare again. Returns how many were turned away.
fn turn_away_waiting(listener: &TcpListener, spare_fd: &mut SpareFd) -> usize {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    spare_fd.release();
    let mut turned_away = 0;
    // Bounded: the backlog holds at most what `listen` asked for.
    while turned_away < LISTEN_BACKLOG as usize {
        match listener.poll_accept(&mut cx) {
            std::task::Poll::Ready(Ok((stream, addr))) => {
                tracing::debug!(%addr, "turned away: out of file descriptors");
                drop(stream);
                turned_away += 1;
            }
            // Nobody else waits, or the slot was taken meanwhile.
            _ => break,
        }
    }
    *spare_fd = SpareFd::open();
    turned_away
}

/// The soft limit on open descriptors, for the message that says we reached it (a system
/// call: with no descriptor left, `/proc/self/limits` cannot be opened).
fn open_file_limit() -> Option<u64> {
    rustix::process::getrlimit(rustix::process::Resource::Nofile).current
}

fn is_family_unsupported(err: &io::Error) -> bool {
    const EAFNOSUPPORT: i32 = 97;
    const EADDRNOTAVAIL: i32 = 99;
    matches!(err.raw_os_error(), Some(EAFNOSUPPORT | EADDRNOTAVAIL))
}

/// Connections the kernel completes for us before we accept them.
const LISTEN_BACKLOG: i32 = 4096;

fn listen_on(addr: SocketAddr, dual_stack: bool) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    if addr.is_ipv6() {
        socket.set_only_v6(!dual_stack)?;
    }
    socket.set_reuse_address(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    // The kernel caps this at net.core.somaxconn; asking for more costs nothing.
    socket.listen(LISTEN_BACKLOG)?;
    TcpListener::from_std(socket.into())
}

/// Accepts clients on an already bound listener until `shutdown` fires, then closes every
/// client, drops the listener and reports [`Event::Stopped`]. Tests call this directly with a
/// listener bound to port 0.
pub async fn run(
    listener: TcpListener,
    events: EventSender,
    shutdown: CancellationToken,
    totals: Arc<Counters>,
    half_close: bool,
) {
    let accepting = Accepting {
        half_close,
        ..Accepting::default()
    };
    serve(listener, events, shutdown, totals, accepting).await;
}

async fn serve(
    listener: TcpListener,
    events: EventSender,
    shutdown: CancellationToken,
    totals: Arc<Counters>,
    accepting: Accepting,
) {
    let Some(local) = announce_listening(listener.local_addr(), &events).await else {
        return;
    };
    let tracker = TaskTracker::new();
    let mut backoff = Duration::from_millis(10);
    let mut spare_fd = SpareFd::open();
    loop {
        let accepted = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, addr)) => {
                backoff = Duration::from_millis(10);
                if let Some(keepalive) = &accepting.keepalive {
                    keepalive.apply(&stream);
                }
                if let Some(tls) = &accepting.tls {
                    // The handshake runs beside the accept loop: a slow or silent client
                    // holds up nobody else.
                    let handshake = Handshake {
                        tls: tls.clone(),
                        events: events.clone(),
                        shutdown: shutdown.clone(),
                        totals: totals.clone(),
                        tracker: tracker.clone(),
                        half_close: accepting.half_close,
                    };
                    tracker.spawn(handshake.run(stream, addr));
                    continue;
                }
                let spawned = connection::spawn(
                    Stream::Tcp(stream),
                    None,
                    events.clone(),
                    &shutdown,
                    totals.clone(),
                    &tracker,
                    connection::ConnOptions {
                        half_close: accepting.half_close,
                        sink: accepting.receive_into.as_ref(),
                    },
                );
                match spawned {
                    Ok((conn, task)) => {
                        tracing::debug!(conn = %conn.id(), %addr, "accepted");
                        if !events.emit(Event::Connected { conn }).await {
                            break;
                        }
                        task.start();
                    }
                    // The client vanished between accept and now; nothing to report.
                    Err(err) => tracing::debug!(%addr, %err, "accepted socket unusable"),
                }
            }
            Err(source) => {
                // Usually out of file descriptors: wait and try again, never give up the port.
                tracing::warn!(%source, "accept failed");
                let error = if is_out_of_fds(&source) {
                    let turned_away = turn_away_waiting(&listener, &mut spare_fd);
                    NetError::OutOfDescriptors {
                        turned_away,
                        limit: open_file_limit(),
                    }
                } else {
                    NetError::io("cannot accept a new client", source)
                };
                events.emit(Event::Warning { error }).await;
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    () = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(1));
            }
        }
        if events.is_closed() {
            break;
        }
    }
    drop(listener);
    shutdown.cancel();
    tracker.close();
    tracker.wait().await;
    tracing::info!(%local, "stopped");
    events.emit(Event::Stopped).await;
}

/// One accepted client's TLS handshake, then its connection.
struct Handshake {
    tls: TlsServer,
    events: EventSender,
    shutdown: CancellationToken,
    totals: Arc<Counters>,
    tracker: TaskTracker,
    half_close: bool,
}

impl Handshake {
    async fn run(self, stream: TcpStream, addr: SocketAddr) {
        let handshake = tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, tls::accept(&self.tls, stream));
        let done = tokio::select! {
            () = self.shutdown.cancelled() => return,
            done = handshake => done,
        };
        let target = crate::plain_addr(addr).to_string();
        let (stream, info) = match done {
            Ok(Ok(done)) => done,
            Ok(Err(failure)) => {
                let error = NetError::Tls { target, failure };
                self.events.emit(Event::Warning { error }).await;
                return;
            }
            Err(_) => {
                let error = NetError::TlsTimedOut {
                    target,
                    after: TLS_HANDSHAKE_TIMEOUT,
                };
                self.events.emit(Event::Warning { error }).await;
                return;
            }
        };
        let spawned = connection::spawn(
            Stream::Tls(Box::new(stream)),
            Some(info),
            self.events.clone(),
            &self.shutdown,
            self.totals,
            &self.tracker,
            connection::ConnOptions {
                half_close: self.half_close,
                sink: None,
            },
        );
        match spawned {
            Ok((conn, task)) => {
                if self.events.emit(Event::Connected { conn }).await {
                    task.run().await;
                }
            }
            Err(err) => tracing::debug!(%addr, %err, "handshaken socket unusable"),
        }
    }
}
