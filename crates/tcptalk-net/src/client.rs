//! The TCP client: resolves, connects with a timeout that can be cancelled, then runs the
//! same connection actor as the server uses.

use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::runtime::Handle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::connection;
use crate::counters::{ByteCounts, Counters};
use crate::error::NetError;
use crate::event::{Event, EventSender};

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
}

impl ClientConfig {
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        ClientConfig {
            host: host.into(),
            port,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            half_close: false,
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
        let stream = tokio::select! {
            () = cancel.cancelled() => Err(NetError::Cancelled { target: config.target() }),
            connected = connect(&config) => connected,
        };
        let stream = match stream {
            Ok(stream) => stream,
            Err(error) => {
                events.emit(Event::ConnectFailed { error }).await;
                return;
            }
        };
        let tracker = TaskTracker::new();
        match connection::spawn(
            stream,
            events.clone(),
            &cancel,
            totals,
            &tracker,
            config.half_close,
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
        let addrs = crate::resolve(&config.host, config.port).await?;
        let mut last_error = None;
        for addr in addrs {
            match TcpStream::connect(addr).await {
                Ok(stream) => return Ok(stream),
                Err(err) => {
                    tracing::debug!(%addr, %err, "connect failed");
                    last_error = Some(NetError::from_connect(addr, err));
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
