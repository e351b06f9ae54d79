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
use tokio::net::TcpListener;
use tokio::runtime::Handle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::connection;
use crate::counters::{ByteCounts, Counters};
use crate::error::NetError;
use crate::event::{Event, EventSender};

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
}

impl ServerConfig {
    pub fn new(bind: BindAddr, port: u16) -> Self {
        ServerConfig {
            bind,
            port,
            half_close: false,
        }
    }
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
        let listener = tokio::select! {
            bound = bind(&config) => bound,
            () = shutdown.cancelled() => {
                events.emit(Event::Stopped).await;
                return;
            }
        };
        match listener {
            Ok(listener) => run(listener, events, shutdown, totals, config.half_close).await,
            Err(error) => {
                events.emit(Event::ListenFailed { error }).await;
            }
        }
    });
    handle
}

/// Binds a listening socket as `config` says. `SO_REUSEADDR` is set so a server can listen
/// again on its port right after stopping, while old connections sit in TIME_WAIT.
pub async fn bind(config: &ServerConfig) -> Result<TcpListener, NetError> {
    let port = config.port;
    match &config.bind {
        BindAddr::Any => {
            let any6 = SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), port);
            match listen_on(any6, true) {
                Ok(listener) => Ok(listener),
                // No IPv6 on this machine: fall back to IPv4 only.
                Err(err) if is_family_unsupported(&err) => {
                    let any4 = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port);
                    listen_on(any4, false).map_err(|err| NetError::from_listen(any4, err))
                }
                Err(err) => Err(NetError::from_listen(any6, err)),
            }
        }
        BindAddr::Ip(ip) => {
            let addr = SocketAddr::new(*ip, port);
            listen_on(addr, false).map_err(|err| NetError::from_listen(addr, err))
        }
        BindAddr::Host(host) => {
            let addr = crate::resolve(host, port)
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| NetError::NameNotResolved {
                    host: host.clone(),
                    reason: "no addresses found".into(),
                })?;
            listen_on(addr, false).map_err(|err| NetError::from_listen(addr, err))
        }
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

fn is_family_unsupported(err: &io::Error) -> bool {
    const EAFNOSUPPORT: i32 = 97;
    const EADDRNOTAVAIL: i32 = 99;
    matches!(err.raw_os_error(), Some(EAFNOSUPPORT | EADDRNOTAVAIL))
}

fn listen_on(addr: SocketAddr, dual_stack: bool) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    if addr.is_ipv6() {
        socket.set_only_v6(!dual_stack)?;
    }
    socket.set_reuse_address(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    // The kernel caps this at net.core.somaxconn; asking for more costs nothing.
    socket.listen(4096)?;
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
    let local = match listener.local_addr() {
        Ok(local) => local,
        Err(source) => {
            let error = NetError::io("cannot read the listening address", source);
            events.emit(Event::ListenFailed { error }).await;
            return;
        }
    };
    if !events.emit(Event::Listening { local }).await {
        return;
    }
    tracing::info!(%local, "listening");
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
                let spawned = connection::spawn(
                    stream,
                    events.clone(),
                    &shutdown,
                    totals.clone(),
                    &tracker,
                    half_close,
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
                if is_out_of_fds(&source) {
                    // Tell the waiting client instead of leaving it hanging: free the spare
                    // descriptor, accept and close at once, then hold the spare again.
                    spare_fd.release();
                    if let Ok((stream, addr)) = listener.accept().await {
                        tracing::warn!(%addr, "turned away: out of file descriptors");
                        drop(stream);
                    }
                    spare_fd = SpareFd::open();
                }
                let error = NetError::io("cannot accept a new client", source);
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
