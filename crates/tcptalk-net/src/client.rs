//! The client: resolves, connects (TCP, then the TLS handshake if asked) with a timeout that
//! can be cancelled, then runs the same connection actor as the server uses; or, on UDP, binds
//! a socket and treats the server as its one peer.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::{TcpSocket, TcpStream, UdpSocket};
use tokio::runtime::Handle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::connection;
use crate::counters::{ByteCounts, Counters};
use crate::error::NetError;
use crate::event::{Event, EventSender};
use crate::options::{Keepalive, UdpOptions};
use crate::stream::Stream;
use crate::tls::{self, TlsClient, TlsInfo};
use crate::udp;
use crate::zero_copy::ZeroCopySink;

/// What a client speaks.
#[derive(Debug, Clone, Default)]
pub enum ClientTransport {
    #[default]
    Tcp,
    Tls(TlsClient),
    Udp(UdpOptions),
}

/// The connect timeout when none is given, as most TCP tools use.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where and how to connect.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// An IP literal (IPv6 with or without brackets) or a host name.
    pub host: String,
    pub port: u16,
    pub connect_timeout: Duration,
    /// Keep sending after the server's FIN; see [`crate::ServerConfig::half_close`].
    pub half_close: bool,
    pub transport: ClientTransport,
    /// The local address to connect from (the interface to use); `None`: the routing table's
    /// choice.
    pub local: Option<IpAddr>,
    /// TCP keepalive (not used by UDP).
    pub keepalive: Option<Keepalive>,
    /// Where a plain TCP connection's bytes go without passing through us; they then arrive
    /// as counts, not as [`Event::Received`].
    pub receive_into: Option<ZeroCopySink>,
}

impl ClientConfig {
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        ClientConfig {
            host: host.into(),
            port,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            half_close: false,
            transport: ClientTransport::Tcp,
            local: None,
            keepalive: Some(Keepalive::default()),
            receive_into: None,
        }
    }

    /// `host:port` as a person writes it, with brackets around IPv6.
    pub fn target(&self) -> String {
        let host = self.host.trim_start_matches('[').trim_end_matches(']');
        if host.contains(':') {
            format!("[{host}]:{}", self.port)
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

/// Controls one connection attempt and, once connected, the connection.
#[derive(Debug, Clone)]
pub struct ClientHandle {
    cancel: CancellationToken,
    totals: Arc<Counters>,
}

impl ClientHandle {
    /// Cancels a connect in progress ([`Event::ConnectFailed`] with `Cancelled` follows), or
    /// closes the connection ([`Event::Closed`] follows).
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    pub fn totals(&self) -> ByteCounts {
        self.totals.snapshot()
    }
}

/// Starts connecting on `runtime`. Reports [`Event::Connecting`], then [`Event::Connected`] or
/// [`Event::ConnectFailed`]; after a failure or close, start a new client to try again.
pub fn spawn_client(runtime: &Handle, config: ClientConfig, events: EventSender) -> ClientHandle {
    let cancel = CancellationToken::new();
    let totals = Arc::new(Counters::default());
    let handle = ClientHandle {
        cancel: cancel.clone(),
        totals: totals.clone(),
    };
    runtime.spawn(async move {
        events
            .emit(Event::Connecting {
                target: config.target(),
            })
            .await;
        if let ClientTransport::Udp(options) = &config.transport {
            let bound = tokio::select! {
                () = cancel.cancelled() => Err(NetError::Cancelled { target: config.target() }),
                bound = bind_udp(&config, options) => bound,
            };
            match bound {
                Ok((socket, target, connected)) => {
                    let role = udp::Role::Client { target, connected };
                    udp::Endpoint::new(socket, role, events, cancel, totals)
                        .run()
                        .await;
                }
                Err(error) => {
                    events.emit(Event::ConnectFailed { error }).await;
                }
            }
            return;
        }
        let connected = tokio::select! {
            () = cancel.cancelled() => Err(NetError::Cancelled { target: config.target() }),
            connected = connect_stream(&config) => connected,
        };
        let (stream, tls) = match connected {
            Ok(connected) => connected,
            Err(error) => {
                events.emit(Event::ConnectFailed { error }).await;
                return;
            }
        };
        let tracker = TaskTracker::new();
        match connection::spawn(
            stream,
            tls,
            events.clone(),
            &cancel,
            totals,
            &tracker,
            connection::ConnOptions {
                half_close: config.half_close,
                sink: config.receive_into.as_ref(),
            },
        ) {
            Ok((conn, task)) => {
                if events.emit(Event::Connected { conn }).await {
                    task.run().await;
                }
            }
            Err(source) => {
                let error = NetError::io(
                    format!("connection to {} failed at once", config.target()),
                    source,
                );
                events.emit(Event::ConnectFailed { error }).await;
            }
        }
    });
    handle
}

/// Resolves `config.host` and tries each address in turn until one answers, all within
/// `config.connect_timeout`. The last address's error is the one reported.
pub async fn connect(config: &ClientConfig) -> Result<TcpStream, NetError> {
    let target = config.target();
    let attempt = async {
        let mut addrs = crate::resolve(&config.host, config.port).await?;
        if let Some(local) = config.local {
            // Only addresses a socket from `local` can reach.
            addrs.retain(|addr| addr.is_ipv4() == local.is_ipv4());
            if addrs.is_empty() {
                return Err(NetError::InvalidAddress {
                    input: local.to_string(),
                    reason: format!(
                        "{} has no address of the local address's IP version",
                        config.host
                    ),
                });
            }
        }
        let mut last_error = None;
        for addr in addrs {
            match connect_one(addr, config.local).await {
                Ok(stream) => return Ok(stream),
                Err(err) => {
                    tracing::debug!(%addr, %err, "connect failed");
                    last_error = Some(err);
                }
            }
        }
        Err(last_error.unwrap_or_else(|| NetError::NameNotResolved {
            host: config.host.clone(),
            reason: "no addresses found".into(),
        }))
    };
    match tokio::time::timeout(config.connect_timeout, attempt).await {
        Ok(result) => result,
        Err(_) => Err(NetError::TimedOut {
            target,
            after: config.connect_timeout,
        }),
    }
}

/// One address, from the chosen local address if there is one.
async fn connect_one(addr: SocketAddr, local: Option<IpAddr>) -> Result<TcpStream, NetError> {
    let Some(local) = local else {
        return TcpStream::connect(addr)
            .await
            .map_err(|err| NetError::from_connect(addr, err));
    };
    if local.is_ipv4() != addr.is_ipv4() {
        return Err(NetError::InvalidAddress {
            input: local.to_string(),
            reason: format!("the local address and {addr} are not of the same IP version"),
        });
    }
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()
    } else {
        TcpSocket::new_v6()
    }
    .map_err(|err| NetError::io("cannot make a socket", err))?;
    let from = SocketAddr::new(local, 0);
    socket
        .bind(from)
        .map_err(|err| NetError::from_listen(from, err))?;
    socket
        .connect(addr)
        .await
        .map_err(|err| NetError::from_connect(addr, err))
}

/// TCP, then TLS if asked, within one connect timeout: a peer that accepts TCP but never
/// answers the handshake (a plain TCP server) fails in time with a message that says so.
async fn connect_stream(config: &ClientConfig) -> Result<(Stream, Option<TlsInfo>), NetError> {
    let started = Instant::now();
    let stream = connect(config).await?;
    if let Some(keepalive) = &config.keepalive {
        keepalive.apply(&stream);
    }
    let ClientTransport::Tls(tls) = &config.transport else {
        return Ok((Stream::Tcp(stream), None));
    };
    let left = config.connect_timeout.saturating_sub(started.elapsed());
    let target = config.target();
    match tokio::time::timeout(left, tls::connect(tls, &config.host, stream)).await {
        Ok(Ok((stream, info))) => Ok((Stream::Tls(Box::new(stream)), Some(info))),
        Ok(Err(failure)) => Err(NetError::Tls { target, failure }),
        Err(_) => Err(NetError::TlsTimedOut {
            target,
            after: config.connect_timeout,
        }),
    }
}

/// A UDP client's socket: bound to the local address and port asked for, and connected to a
/// unicast server so that only it is heard and "port unreachable" is reported. A broadcast or
/// multicast target is not connected: its answers come from other addresses.
async fn bind_udp(
    config: &ClientConfig,
    options: &UdpOptions,
) -> Result<(UdpSocket, SocketAddr, bool), NetError> {
    let target = crate::resolve(&config.host, config.port)
        .await?
        .into_iter()
        .find(|addr| {
            config
                .local
                .is_none_or(|local| local.is_ipv4() == addr.is_ipv4())
        })
        .ok_or_else(|| NetError::InvalidAddress {
            input: config.host.clone(),
            reason: "no address of the local address's IP version".into(),
        })?;
    let local_ip = config.local.unwrap_or(match target {
        SocketAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        SocketAddr::V6(_) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    });
    let local = SocketAddr::new(local_ip, options.local_port.unwrap_or(0));
    let socket = Socket::new(
        Domain::for_address(target),
        Type::DGRAM,
        Some(Protocol::UDP),
    )
    .map_err(|err| NetError::io("cannot make a UDP socket", err))?;
    socket
        .set_nonblocking(true)
        .map_err(|err| NetError::io("cannot make a UDP socket", err))?;
    udp::enlarge_buffers(&socket);
    socket
        .bind(&local.into())
        .map_err(|err| NetError::from_listen(local, err))?;
    options
        .apply_sending(&socket)
        .map_err(|err| NetError::io("cannot set the UDP socket's options", err))?;
    let broadcast = match target.ip() {
        IpAddr::V4(v4) => v4.is_broadcast() || options.broadcast,
        IpAddr::V6(_) => false,
    };
    let connected = !target.ip().is_multicast() && !broadcast;
    if connected {
        socket
            .connect(&target.into())
            .map_err(|err| match err.kind() {
                // A broadcast address the kernel knows (a subnet's, 127.255.255.255).
                std::io::ErrorKind::PermissionDenied => {
                    NetError::BroadcastNotAllowed { addr: target }
                }
                _ => NetError::from_connect(target, err),
            })?;
    }
    let socket = UdpSocket::from_std(socket.into())
        .map_err(|err| NetError::io("cannot use the UDP socket", err))?;
    Ok((socket, target, connected))
}
