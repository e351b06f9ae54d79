//! Helpers the engine's fault tests share: a loopback server and bounded waits for events.
#![allow(dead_code)]

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use tcptalk_net::EventReceiver as Receiver;
use tcptalk_net::{
    BindAddr, Connection, Event, ServerConfig, ServerHandle, event_channel, spawn_server,
};
use tokio::time::timeout;

pub const WAIT: Duration = Duration::from_secs(10);

pub async fn next(events: &mut Receiver) -> Event {
    timeout(WAIT, events.recv())
        .await
        .expect("no event within 10 s")
        .expect("event channel closed")
}

/// A server on 127.0.0.1 and a free port, once it listens.
pub async fn server(half_close: bool) -> (ServerHandle, Receiver, SocketAddr) {
    let (tx, mut rx) = event_channel(1024);
    let mut config = ServerConfig::new(BindAddr::Ip(Ipv4Addr::LOCALHOST.into()), 0);
    config.half_close = half_close;
    let handle = spawn_server(&tokio::runtime::Handle::current(), config, tx);
    match next(&mut rx).await {
        Event::Listening { local } => (handle, rx, local),
        other => panic!("expected Listening, got {other:?}"),
    }
}

pub async fn connected(events: &mut Receiver) -> Connection {
    loop {
        match next(events).await {
            Event::Connected { conn } => return conn,
            Event::Sent { .. } => {}
            other => panic!("expected Connected, got {other:?}"),
        }
    }
}
