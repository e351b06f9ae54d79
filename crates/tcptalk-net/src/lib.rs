//! tcptalk's network engine: the part that moves bytes, with no UI in it.
//!
//! Front ends (the windows, the terminal mode) never touch a socket. They start a server with
//! [`spawn_server`] or a client with [`spawn_client`], receive [`Event`]s on a bounded channel,
//! and send bytes through the [`Connection`] handle each [`Event::Connected`] carries. Bytes
//! are delivered exactly as read and written exactly as given: the engine adds no framing, so
//! any TCP program can be the peer.
//!
//! The engine runs on a tokio runtime the caller provides (the CLI's own, or [`Runtime`] for a
//! GUI thread that is not async).

mod client;
mod connection;
mod counters;
mod error;
mod event;
mod options;
mod server;
mod stream;
pub mod tls;
mod udp;
mod zero_copy;

use std::net::{IpAddr, SocketAddr};

pub use client::{
    ClientConfig, ClientHandle, ClientTransport, DEFAULT_CONNECT_TIMEOUT, connect, spawn_client,
};
pub use connection::{ConnId, Connection, MAX_DATAGRAM, SendError, Transport, WRITE_QUEUE_LIMIT};
pub use counters::{ByteCounts, Counters};
pub use error::NetError;
pub use event::{
    CloseReason, Event, EventReceiver, EventSender, RECEIVED_BYTES_BUDGET, event_channel,
};
pub use options::{DEFAULT_UDP_IDLE, Interface, Keepalive, Multicast, UdpOptions, interfaces};
pub use server::{
    BindAddr, ServerConfig, ServerHandle, ServerTransport, TLS_HANDSHAKE_TIMEOUT, bind,
    run as run_server, spawn_server,
};
pub use udp::UDP_LINGER;
pub use zero_copy::{ZeroCopyPath, ZeroCopySink, ZeroCopySource};

/// A tokio runtime on its own named threads, for front ends whose main thread is not async.
#[derive(Debug)]
pub struct Runtime {
    runtime: tokio::runtime::Runtime,
}

impl Runtime {
    /// Starts two worker threads named `tcptalk-net`.
    pub fn new() -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("tcptalk-net")
            .enable_all()
            .build()?;
        Ok(Runtime { runtime })
    }

    pub fn handle(&self) -> &tokio::runtime::Handle {
        self.runtime.handle()
    }
}

/// An IPv4 client of a dual-stack listener shows as `127.0.0.1:50312`, not as the
/// IPv4-mapped `[::ffff:127.0.0.1]:50312` the socket reports.
pub fn plain_addr(addr: SocketAddr) -> SocketAddr {
    match addr {
        SocketAddr::V6(v6) => match v6.ip().to_ipv4_mapped() {
            Some(v4) => SocketAddr::new(IpAddr::V4(v4), v6.port()),
            None => addr,
        },
        SocketAddr::V4(_) => addr,
    }
}

/// Resolves a host (IP literal, bracketed IPv6, or name) to socket addresses.
pub(crate) async fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, NetError> {
    let bare = host.trim().trim_start_matches('[').trim_end_matches(']');
    if bare.is_empty() {
        return Err(NetError::InvalidAddress {
            input: host.to_string(),
            reason: "the host is empty".into(),
        });
    }
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    match tokio::net::lookup_host((bare, port)).await {
        Ok(addrs) => {
            let addrs: Vec<SocketAddr> = addrs.collect();
            if addrs.is_empty() {
                Err(NetError::NameNotResolved {
                    host: bare.to_string(),
                    reason: "no addresses found".into(),
                })
            } else {
                Ok(addrs)
            }
        }
        Err(err) => Err(NetError::NameNotResolved {
            host: bare.to_string(),
            reason: err.to_string(),
        }),
    }
}
