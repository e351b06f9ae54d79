//! Peer faults against the engine: resets, half-closes, killed peers, and descriptor leaks
//! over many connections. Loopback only; every loop is bounded.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use bytes::Bytes;
use tcptalk_net::EventReceiver as Receiver;
use tcptalk_net::{CloseReason, Event};

mod common;
use common::{WAIT, connected, next, server};

/// Waits for the close, counting the bytes that arrived before it, and checks that the
/// connection's final count is exactly `already` (bytes the test took out of the events
/// itself) plus those: bytes received == bytes delivered == bytes counted.
async fn closed(events: &mut Receiver, already: usize) -> (CloseReason, usize) {
    let mut received = 0;
    loop {
        match next(events).await {
            Event::Closed { reason, counts, .. } => {
                assert_eq!(
                    counts.received,
                    (already + received) as u64,
                    "final count vs bytes delivered"
                );
                return (reason, received);
            }
            Event::Received { data, .. } => received += data.len(),
            Event::Sent { .. } | Event::PeerFinished { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peer_reset_mid_transfer_is_reported_as_reset_after_its_bytes() {
    let (server, mut events, addr) = server(false).await;
    let peer = TcpStream::connect(addr).expect("connect");
    let conn = connected(&mut events).await;
    let mut peer_w = peer.try_clone().expect("clone");
    peer_w.write_all(&[7u8; 1000]).expect("write");
    // Wait until the engine has the bytes, then make the peer's close an RST (linger 0) while
    // our side still has data unread by the peer.
    let mut got = 0;
    while got < 1000 {
        if let Event::Received { data, .. } = next(&mut events).await {
            got += data.len();
        }
    }
    conn.send(Bytes::from(vec![1u8; 64 * 1024]))
        .await
        .expect("send");
    let socket = socket2::Socket::from(peer);
    socket.set_linger(Some(Duration::ZERO)).expect("linger");
    drop(socket);
    drop(peer_w);
    let (reason, _) = closed(&mut events, got).await;
    assert!(
        matches!(reason, CloseReason::Reset | CloseReason::ClosedByPeer),
        "{reason:?}"
    );
    // The server carries on: a new client is served.
    let mut again = TcpStream::connect(addr).expect("connect again");
    let conn = connected(&mut events).await;
    conn.send(Bytes::from_static(b"ok")).await.expect("send");
    let mut buf = [0u8; 2];
    again.set_read_timeout(Some(WAIT)).expect("timeout");
    again.read_exact(&mut buf).expect("read");
    assert_eq!(&buf, b"ok");
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_is_named_reset() {
    let (server, mut events, addr) = server(false).await;
    let peer = TcpStream::connect(addr).expect("connect");
    connected(&mut events).await;
    let socket = socket2::Socket::from(peer);
    socket.set_linger(Some(Duration::ZERO)).expect("linger");
    drop(socket);
    let (reason, _) = closed(&mut events, 0).await;
    assert_eq!(reason, CloseReason::Reset);
    assert_eq!(reason.to_string(), "reset by peer");
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_close_keeps_sending_until_we_are_done() {
    let (server, mut events, addr) = server(true).await;
    let mut peer = TcpStream::connect(addr).expect("connect");
    let conn = connected(&mut events).await;
    peer.write_all(b"request").expect("write");
    peer.shutdown(std::net::Shutdown::Write).expect("FIN");
    loop {
        match next(&mut events).await {
            Event::PeerFinished { .. } => break,
            Event::Received { .. } | Event::Sent { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    // The peer said it is done; our answer still reaches it, then our FIN.
    conn.send(Bytes::from_static(b"response"))
        .await
        .expect("send after FIN");
    conn.shutdown_write().await.expect("shutdown");
    peer.set_read_timeout(Some(WAIT)).expect("timeout");
    let mut answer = Vec::new();
    peer.read_to_end(&mut answer).expect("read");
    assert_eq!(answer, b"response");
    let (reason, _) = closed(&mut events, 7).await;
    assert_eq!(reason, CloseReason::ClosedByPeer);
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_half_close_a_fin_closes_after_flushing() {
    let (server, mut events, addr) = server(false).await;
    let mut peer = TcpStream::connect(addr).expect("connect");
    connected(&mut events).await;
    peer.write_all(b"bye").expect("write");
    peer.shutdown(std::net::Shutdown::Write).expect("FIN");
    let (reason, received) = closed(&mut events, 0).await;
    assert_eq!(reason, CloseReason::ClosedByPeer);
    assert_eq!(received, 3, "bytes before the FIN are delivered");
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peer_killed_with_sigkill_is_reported_and_server_keeps_going() {
    let (server, mut events, addr) = server(false).await;
    let script = format!(
        "import socket,time\ns=socket.create_connection(('127.0.0.1',{}))\ns.sendall(b'alive')\ntime.sleep(60)\n",
        addr.port()
    );
    let mut child = Command::new("python3")
        .args(["-c", &script])
        .stdout(Stdio::null())
        .spawn()
        .expect("python3");
    connected(&mut events).await;
    let mut got = 0;
    while got < 5 {
        if let Event::Received { data, .. } = next(&mut events).await {
            got += data.len();
        }
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let (reason, _) = closed(&mut events, got).await;
    assert!(
        matches!(reason, CloseReason::ClosedByPeer | CloseReason::Reset),
        "{reason:?}"
    );
    let _next = TcpStream::connect(addr).expect("connect after kill");
    connected(&mut events).await;
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_front_end_that_stops_reading_holds_back_the_peer_not_memory() {
    let (server, mut events, addr) = server(false).await;
    let writer = std::thread::spawn(move || {
        let mut peer = TcpStream::connect(addr).expect("connect");
        peer.set_write_timeout(Some(Duration::from_millis(500)))
            .expect("timeout");
        let block = vec![b'z'; 256 * 1024];
        let mut written = 0usize;
        // Bounded: 512 MiB at most; the engine must push back long before.
        while written < 512 << 20 {
            match peer.write(&block) {
                Ok(n) => written += n,
                Err(_) => break,
            }
        }
        (peer, written)
    });
    connected(&mut events).await;
    // Nobody drains events while the peer writes: what the engine took in is bounded by its
    // byte budget plus the kernel's socket buffers, not by the 1024-event channel.
    let (peer, written) = writer.join().expect("writer");
    assert!(
        written < tcptalk_net::RECEIVED_BYTES_BUDGET + (24 << 20),
        "the engine took {written} bytes while nobody read its events"
    );
    drop(peer);
    // Then everything written arrives, in full.
    let (reason, received) = closed(&mut events, 0).await;
    assert_eq!(reason, CloseReason::ClosedByPeer);
    assert_eq!(received, written);
    server.stop();
}

/// Regression: a send refused while the connection closes used to take its length off a queued
/// count the closing actor had just set to 0, which wrapped (a panic in debug builds, a count
/// near 2^64 in release). Senders hammer a peer that never reads while it is closed under them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sends_racing_a_close_never_wrap_the_queued_count() {
    // Each round's close waits out the 2 s flush bound (the peer never reads): a few rounds.
    for _ in 0..4 {
        let (server, mut events, addr) = server(false).await;
        // Never reads, so the queue fills and sends are refused.
        let _peer = TcpStream::connect(addr).expect("connect");
        let conn = connected(&mut events).await;
        let senders: Vec<_> = (0..2)
            .map(|_| {
                let conn = conn.clone();
                std::thread::spawn(move || {
                    let chunk = Bytes::from(vec![b'x'; 64 << 10]);
                    let mut max = 0;
                    for _ in 0..2000 {
                        let _ = conn.try_send(chunk.clone());
                        max = max.max(conn.queued_bytes());
                    }
                    max
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(5)).await;
        conn.close();
        for sender in senders {
            let max = sender
                .join()
                .expect("a sender panicked (the count wrapped)");
            assert!(max < 1 << 30, "queued count {max}: it wrapped");
        }
        let (reason, _) = closed(&mut events, 0).await;
        assert_eq!(reason, CloseReason::ClosedByUs);
        assert_eq!(
            conn.queued_bytes(),
            0,
            "nothing counts as queued once closed"
        );
        server.stop();
    }
}
