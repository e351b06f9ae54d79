//! 传输方式 in the server window: UDP chosen with its selector keeps datagrams apart in the
//! history, answers every source, and sends an empty message as an empty datagram.

use std::net::UdpSocket;
use std::time::Duration;

use tcptalk_gui::Lang;

use crate::common::*;
use crate::{wait_for_clients, wait_for_history};

#[test]
fn a_udp_server_keeps_datagrams_apart_and_answers_every_source() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    click(&mut harness, "传输方式");
    click(&mut harness, "UDP");
    // A free UDP port: the window binds it.
    let port = UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .expect("free port")
        .port();
    type_into(&mut harness, "端口：", &port.to_string());
    click(&mut harness, "启动服务器");
    wait_for(&mut harness, "the server to bind", |h| {
        h.state().local_addr().is_some()
    });
    wait_for_history(&mut harness, "（UDP）");

    let a = UdpSocket::bind("127.0.0.1:0").expect("bind a");
    let b = UdpSocket::bind("127.0.0.1:0").expect("bind b");
    for socket in [&a, &b] {
        socket
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
    }
    a.send_to(b"first datagram", ("127.0.0.1", port))
        .expect("send");
    a.send_to(b"second datagram", ("127.0.0.1", port))
        .expect("send");
    b.send_to(b"from b", ("127.0.0.1", port)).expect("send");
    wait_for_clients(&mut harness, 2);
    wait_for_history(&mut harness, "from b");
    let history = harness.state().history();
    assert!(history.contains("first datagram") && history.contains("second datagram"));
    assert!(
        !history.contains("first datagramsecond"),
        "two datagrams make two entries, never one"
    );
    drop(history);

    send_message(&mut harness, "to everyone");
    let mut buf = [0u8; 100];
    for socket in [&a, &b] {
        let n = socket.recv(&mut buf).expect("the answer");
        assert_eq!(&buf[..n], b"to everyone");
    }
    // An empty message is an empty datagram on UDP.
    send_message(&mut harness, "");
    for socket in [&a, &b] {
        let n = socket.recv(&mut buf).expect("the empty datagram");
        assert_eq!(n, 0);
    }
}
