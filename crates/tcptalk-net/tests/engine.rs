//! The engine against real sockets on loopback: our server with our client, and with plain
//! std sockets as peers that share no code with the engine.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener as StdListener, TcpStream};
use std::time::Duration;

use bytes::Bytes;
use tcptalk_net::EventReceiver as Receiver;
use tcptalk_net::{
    BindAddr, ClientConfig, CloseReason, ConnId, Connection, Event, NetError, ServerConfig,
    event_channel, spawn_client, spawn_server,
};
use tokio::time::timeout;

const WAIT: Duration = Duration::from_secs(10);

async fn next(events: &mut Receiver) -> Event {
    timeout(WAIT, events.recv())
        .await
        .expect("no event within 10 s")
        .expect("event channel closed")
}

/// Skips `Sent` events, which arrive whenever the engine writes.
async fn next_significant(events: &mut Receiver) -> Event {
    loop {
        match next(events).await {
            Event::Sent { .. } => continue,
            other => return other,
        }
    }
}

fn loopback(port: u16) -> ServerConfig {
    ServerConfig::new(BindAddr::Ip(IpAddr::V4(Ipv4Addr::LOCALHOST)), port)
}

async fn start_server(config: ServerConfig) -> (tcptalk_net::ServerHandle, Receiver, SocketAddr) {
    let (tx, mut rx) = event_channel(1024);
    let handle = spawn_server(&tokio::runtime::Handle::current(), config, tx);
    match next(&mut rx).await {
        Event::Listening { local } => (handle, rx, local),
        other => panic!("expected Listening, got {other:?}"),
    }
}

async fn expect_connected(events: &mut Receiver) -> Connection {
    match next_significant(events).await {
        Event::Connected { conn } => conn,
        other => panic!("expected Connected, got {other:?}"),
    }
}

/// Collects received bytes per connection until `want` bytes arrived in total.
async fn receive_exactly(events: &mut Receiver, want: usize) -> HashMap<ConnId, Vec<u8>> {
    let mut got: HashMap<ConnId, Vec<u8>> = HashMap::new();
    let mut total = 0;
    while total < want {
        match next(events).await {
            Event::Received { conn, data } => {
                total += data.len();
                got.entry(conn).or_default().extend_from_slice(&data);
            }
            Event::Sent { .. } | Event::Connected { .. } => {}
            other => panic!("unexpected {other:?} while receiving"),
        }
    }
    got
}

fn read_exactly(stream: &mut TcpStream, n: usize) -> Vec<u8> {
    stream.set_read_timeout(Some(WAIT)).expect("set timeout");
    let mut buf = vec![0; n];
    stream.read_exact(&mut buf).expect("read from engine");
    buf
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_and_client_exchange_both_ways_in_chinese() {
    let (server, mut server_events, addr) = start_server(loopback(0)).await;
    assert_ne!(addr.port(), 0, "port 0 must report the real port");

    let (tx, mut client_events) = event_channel(1024);
    let client = spawn_client(
        &tokio::runtime::Handle::current(),
        ClientConfig::new("127.0.0.1", addr.port()),
        tx,
    );
    assert!(matches!(
        next(&mut client_events).await,
        Event::Connecting { .. }
    ));
    let to_server = expect_connected(&mut client_events).await;
    let to_client = expect_connected(&mut server_events).await;
    assert_eq!(to_server.peer_addr(), addr);
    assert_eq!(to_client.peer_addr(), to_server.local_addr());

    let hello = "你好，服务器！中文测试 ok\n".as_bytes();
    to_server
        .send(Bytes::from_static(hello))
        .await
        .expect("send");
    let got = receive_exactly(&mut server_events, hello.len()).await;
    assert_eq!(got[&to_client.id()], hello);

    let reply = "收到，客户端。第二条消息".as_bytes();
    to_client
        .try_send(Bytes::from_static(reply))
        .expect("try_send");
    let got = receive_exactly(&mut client_events, reply.len()).await;
    assert_eq!(got[&to_server.id()], reply);

    // Counters agree with what moved.
    assert_eq!(to_server.counts().sent, hello.len() as u64);
    assert_eq!(to_server.counts().received, reply.len() as u64);
    assert_eq!(server.totals().received, hello.len() as u64);

    // The client disconnects: both sides see it, each with its own reason.
    client.cancel();
    match next_significant(&mut client_events).await {
        Event::Closed { reason, counts, .. } => {
            assert_eq!(reason, CloseReason::ClosedByUs);
            // The end reports the final counts of what moved.
            assert_eq!(counts.sent, hello.len() as u64);
            assert_eq!(counts.received, reply.len() as u64);
        }
        other => panic!("expected Closed, got {other:?}"),
    }
    match next_significant(&mut server_events).await {
        Event::Closed {
            conn,
            reason,
            counts,
        } => {
            assert_eq!(conn, to_client.id());
            assert_eq!(reason, CloseReason::ClosedByPeer);
            assert_eq!(counts.received, hello.len() as u64);
            assert_eq!(counts.sent, reply.len() as u64);
        }
        other => panic!("expected Closed, got {other:?}"),
    }
    server.stop();
    assert!(matches!(
        next_significant(&mut server_events).await,
        Event::Stopped
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_clients_get_exactly_their_bytes_one_and_all() {
    let (server, mut events, addr) = start_server(loopback(0)).await;
    let mut peers: Vec<TcpStream> = (0..3)
        .map(|_| TcpStream::connect(addr).expect("connect"))
        .collect();
    let mut conns = Vec::new();
    for _ in 0..3 {
        conns.push(expect_connected(&mut events).await);
    }
    // Accept order is the connect order on loopback; match by address to be sure.
    let by_local: HashMap<SocketAddr, usize> = peers
        .iter()
        .enumerate()
        .map(|(i, p)| (p.local_addr().expect("addr"), i))
        .collect();
    conns.sort_by_key(|c| by_local[&c.peer_addr()]);

    // To one: only the second client gets it.
    conns[1]
        .send(Bytes::from_static(b"only for you\n"))
        .await
        .expect("send");
    assert_eq!(read_exactly(&mut peers[1], 13), b"only for you\n");

    // To all: each gets the same bytes, once.
    for conn in &conns {
        conn.send(Bytes::from_static("给大家\n".as_bytes()))
            .await
            .expect("send");
    }
    for peer in &mut peers {
        assert_eq!(read_exactly(peer, "给大家\n".len()), "给大家\n".as_bytes());
    }
    // Nothing extra reached clients 0 and 2.
    for i in [0, 2] {
        peers[i]
            .set_read_timeout(Some(Duration::from_millis(100)))
            .expect("timeout");
        let mut extra = [0u8; 16];
        assert!(
            peers[i].read(&mut extra).is_err(),
            "client {i} got extra bytes"
        );
    }

    // Each client's bytes arrive tagged with its own connection.
    for (i, peer) in peers.iter_mut().enumerate() {
        peer.write_all(format!("from {i}").as_bytes())
            .expect("write");
    }
    let got = receive_exactly(&mut events, 18).await;
    for (i, conn) in conns.iter().enumerate() {
        assert_eq!(got[&conn.id()], format!("from {i}").as_bytes());
    }

    // Dropping one client closes only that one.
    conns[2].close();
    match next_significant(&mut events).await {
        Event::Closed { conn, reason, .. } => {
            assert_eq!(conn, conns[2].id());
            assert_eq!(reason, CloseReason::ClosedByUs);
        }
        other => panic!("expected Closed, got {other:?}"),
    }
    assert_eq!(
        read_exactly_or_eof(&mut peers[2]),
        0,
        "dropped client sees EOF"
    );
    conns[0]
        .send(Bytes::from_static(b"still here"))
        .await
        .expect("send");
    assert_eq!(read_exactly(&mut peers[0], 10), b"still here");
    server.stop();
}

fn read_exactly_or_eof(stream: &mut TcpStream) -> usize {
    stream.set_read_timeout(Some(WAIT)).expect("timeout");
    let mut buf = [0u8; 64];
    stream.read(&mut buf).expect("read")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_closes_every_client_and_frees_the_port_at_once() {
    let (server, mut events, addr) = start_server(loopback(0)).await;
    let mut peers: Vec<TcpStream> = (0..3)
        .map(|_| TcpStream::connect(addr).expect("connect"))
        .collect();
    for _ in 0..3 {
        expect_connected(&mut events).await;
    }
    server.stop();
    let mut closed = 0;
    loop {
        match next_significant(&mut events).await {
            Event::Closed { reason, .. } => {
                assert_eq!(reason, CloseReason::ClosedByUs);
                closed += 1;
            }
            Event::Stopped => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(closed, 3);
    for peer in &mut peers {
        assert_eq!(read_exactly_or_eof(peer), 0, "client sees EOF after stop");
    }
    // Same port, right away, while the old connections sit in TIME_WAIT.
    let (again, mut events, addr2) = start_server(loopback(addr.port())).await;
    assert_eq!(addr2.port(), addr.port());
    TcpStream::connect(addr2).expect("connect to restarted server");
    expect_connected(&mut events).await;
    again.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn port_in_use_is_an_error_naming_the_port() {
    let taken = StdListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    let (tx, mut rx) = event_channel(16);
    spawn_server(&tokio::runtime::Handle::current(), loopback(port), tx);
    match next(&mut rx).await {
        Event::ListenFailed { error } => {
            assert!(matches!(error, NetError::AddrInUse { .. }), "{error:?}");
            assert!(error.to_string().contains(&port.to_string()), "{error}");
        }
        other => panic!("expected ListenFailed, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_then_connects_again_afterwards() {
    // A port that was free a moment ago: nothing listens there.
    let port = {
        let l = StdListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let (tx, mut rx) = event_channel(16);
    spawn_client(
        &tokio::runtime::Handle::current(),
        ClientConfig::new("127.0.0.1", port),
        tx,
    );
    assert!(matches!(next(&mut rx).await, Event::Connecting { .. }));
    match next(&mut rx).await {
        Event::ConnectFailed { error } => {
            assert!(matches!(error, NetError::Refused { .. }), "{error:?}");
            assert!(error.to_string().contains("refused"));
        }
        other => panic!("expected ConnectFailed, got {other:?}"),
    }
    let (server, _server_events, _) = start_server(loopback(port)).await;
    let (tx, mut rx) = event_channel(16);
    spawn_client(
        &tokio::runtime::Handle::current(),
        ClientConfig::new("127.0.0.1", port),
        tx,
    );
    assert!(matches!(next(&mut rx).await, Event::Connecting { .. }));
    expect_connected(&mut rx).await;
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ipv6_loopback_works_both_ways() {
    let config = ServerConfig::new(BindAddr::Ip(IpAddr::V6(Ipv6Addr::LOCALHOST)), 0);
    let (server, mut server_events, addr) = start_server(config).await;
    assert!(addr.is_ipv6());
    for host in ["::1", "[::1]"] {
        let (tx, mut rx) = event_channel(64);
        let client = spawn_client(
            &tokio::runtime::Handle::current(),
            ClientConfig::new(host, addr.port()),
            tx,
        );
        assert!(matches!(next(&mut rx).await, Event::Connecting { .. }));
        let conn = expect_connected(&mut rx).await;
        let accepted = expect_connected(&mut server_events).await;
        conn.send(Bytes::from_static(b"v6")).await.expect("send");
        assert_eq!(
            receive_exactly(&mut server_events, 2).await[&accepted.id()],
            b"v6"
        );
        client.cancel();
        assert!(matches!(
            next_significant(&mut server_events).await,
            Event::Closed { .. }
        ));
    }
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_address_accepts_ipv4_and_ipv6() {
    let config = ServerConfig::new(BindAddr::Any, 0);
    let (server, mut events, addr) = start_server(config).await;
    let v4 = TcpStream::connect((Ipv4Addr::LOCALHOST, addr.port())).expect("IPv4 to Any");
    let conn = expect_connected(&mut events).await;
    assert_eq!(
        conn.peer_addr().ip().to_canonical(),
        v4.local_addr().expect("addr").ip()
    );
    // Where the system has IPv6, the same socket takes it too.
    if let Ok(v6) = TcpStream::connect((Ipv6Addr::LOCALHOST, addr.port())) {
        let conn = expect_connected(&mut events).await;
        assert_eq!(conn.peer_addr(), v6.local_addr().expect("addr"));
    }
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unresolvable_name_is_reported() {
    let (tx, mut rx) = event_channel(16);
    spawn_client(
        &tokio::runtime::Handle::current(),
        ClientConfig::new("no-such-host.invalid", 8899),
        tx,
    );
    assert!(matches!(next(&mut rx).await, Event::Connecting { .. }));
    match next(&mut rx).await {
        Event::ConnectFailed { error } => {
            assert!(
                matches!(error, NetError::NameNotResolved { .. }),
                "{error:?}"
            )
        }
        other => panic!("expected ConnectFailed, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_bytes_arrive_exact_and_in_order() {
    let (server, mut events, addr) = start_server(loopback(0)).await;
    let payload: Vec<u8> = (0..4 * 1024 * 1024u32)
        .map(|i| (i * 7 + i / 251) as u8)
        .collect();
    let sent = payload.clone();
    let writer = std::thread::spawn(move || {
        let mut s = TcpStream::connect(addr).expect("connect");
        for chunk in sent.chunks(7919) {
            s.write_all(chunk).expect("write");
        }
    });
    let conn = expect_connected(&mut events).await;
    let got = receive_exactly(&mut events, payload.len()).await;
    assert!(got[&conn.id()] == payload, "bytes differ");
    writer.join().expect("writer");
    server.stop();
}

/// Writes `bytes` one per `write`, with Nagle off and a pause between, so the server's reads
/// really split every multi-byte character; returns what the engine delivered, decoded.
async fn one_byte_per_write(bytes: &'static [u8], encoding: tcptalk_core::TextEncoding) -> String {
    let (server, mut events, addr) = start_server(loopback(0)).await;
    let writer = std::thread::spawn(move || {
        let mut s = TcpStream::connect(addr).expect("connect");
        s.set_nodelay(true).expect("nodelay");
        for byte in bytes {
            s.write_all(std::slice::from_ref(byte)).expect("write");
            std::thread::sleep(Duration::from_millis(2));
        }
    });
    expect_connected(&mut events).await;
    let mut decoder = tcptalk_core::StreamDecoder::new(encoding);
    let mut text = String::new();
    let (mut got, mut reads) = (0, 0);
    while got < bytes.len() {
        if let Event::Received { data, .. } = next(&mut events).await {
            got += data.len();
            reads += 1;
            decoder.decode(&data, &mut text);
        }
    }
    decoder.finish(&mut text);
    writer.join().expect("writer");
    server.stop();
    assert!(
        reads > bytes.len() / 2,
        "only {reads} reads: characters were not split"
    );
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn utf8_chinese_sent_one_byte_per_write_decodes_whole() {
    let text = "中文测试，你好！";
    let got = one_byte_per_write(text.as_bytes(), tcptalk_core::TextEncoding::Utf8).await;
    assert_eq!(got, text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gbk_chinese_sent_one_byte_per_write_decodes_whole() {
    // "中文测试，你好" in GBK, written out by hand so the test does not trust our own encoder.
    const GBK: &[u8] = &[
        0xD6, 0xD0, 0xCE, 0xC4, 0xB2, 0xE2, 0xCA, 0xD4, 0xA3, 0xAC, 0xC4, 0xE3, 0xBA, 0xC3,
    ];
    let got = one_byte_per_write(GBK, tcptalk_core::TextEncoding::Gb18030).await;
    assert_eq!(got, "中文测试，你好");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peer_that_does_not_read_pushes_back_instead_of_growing_memory() {
    let (server, mut events, addr) = start_server(loopback(0)).await;
    let _lazy_peer = TcpStream::connect(addr).expect("connect");
    let conn = expect_connected(&mut events).await;
    let chunk = Bytes::from(vec![b'x'; 64 * 1024]);
    let mut accepted: u64 = 0;
    let mut full = None;
    // Bounded: at most 64 MiB offered; the engine must refuse long before that.
    for _ in 0..1024 {
        match conn.try_send(chunk.clone()) {
            Ok(()) => accepted += chunk.len() as u64,
            Err(tcptalk_net::SendError::Full { queued }) => {
                full = Some(queued);
                break;
            }
            Err(other) => panic!("unexpected {other:?}"),
        }
        tokio::task::yield_now().await;
    }
    let queued = full.expect("try_send never reported Full");
    assert!(accepted < 32 * 1024 * 1024, "accepted {accepted} bytes");
    assert!(queued > 0 && queued <= accepted);
    server.stop();
}

/// A listener with a backlog of one that never accepts: once its queue is full, the kernel
/// drops further SYNs and a connect hangs, as it does toward a host that does not answer.
fn hanging_listener() -> (socket2::Socket, Vec<TcpStream>, SocketAddr) {
    let socket =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("socket");
    socket
        .bind(&SocketAddr::from((Ipv4Addr::LOCALHOST, 0)).into())
        .expect("bind");
    socket.listen(0).expect("listen");
    let addr = socket
        .local_addr()
        .expect("addr")
        .as_socket()
        .expect("inet");
    // Fill the accept queue; each of these completes its handshake, later ones do not.
    let mut fillers = Vec::new();
    for _ in 0..4 {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
            Ok(s) => fillers.push(s),
            Err(_) => break,
        }
    }
    (socket, fillers, addr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_to_a_peer_that_never_answers_times_out() {
    let (_listener, _fillers, addr) = hanging_listener();
    let (tx, mut rx) = event_channel(16);
    let mut config = ClientConfig::new("127.0.0.1", addr.port());
    config.connect_timeout = Duration::from_millis(500);
    let started = std::time::Instant::now();
    spawn_client(&tokio::runtime::Handle::current(), config, tx);
    assert!(matches!(next(&mut rx).await, Event::Connecting { .. }));
    match next(&mut rx).await {
        Event::ConnectFailed { error } => {
            assert!(matches!(error, NetError::TimedOut { .. }), "{error:?}");
            assert!(error.to_string().contains("timed out"), "{error}");
        }
        other => panic!("expected ConnectFailed, got {other:?}"),
    }
    assert!(started.elapsed() >= Duration::from_millis(450));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_ends_a_hanging_connect_before_the_timeout() {
    let (_listener, _fillers, addr) = hanging_listener();
    let (tx, mut rx) = event_channel(16);
    let started = std::time::Instant::now();
    let client = spawn_client(
        &tokio::runtime::Handle::current(),
        ClientConfig::new("127.0.0.1", addr.port()),
        tx,
    );
    assert!(matches!(next(&mut rx).await, Event::Connecting { .. }));
    tokio::time::sleep(Duration::from_millis(100)).await;
    client.cancel();
    match next(&mut rx).await {
        Event::ConnectFailed { error } => {
            assert!(matches!(error, NetError::Cancelled { .. }), "{error:?}")
        }
        other => panic!("expected ConnectFailed, got {other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "cancel took too long"
    );
}
