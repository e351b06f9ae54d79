//! UDP against python's socket module: datagram boundaries both ways (the empty datagram and
//! the largest one too), sources as clients that are forgotten when idle, "port unreachable",
//! broadcast on loopback, a port in use, and multicast between two network namespaces.

use std::process::{Command, Stdio};
use std::time::Duration;

use tcptalk_testkit::Peer;

use super::tls_peers::Output;
use super::{BIN, Lines, Proc, json, say, spawn_piped, temp_dir};

fn free_udp_port() -> u16 {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    socket.local_addr().expect("addr").port()
}

fn tcptalk(args: &[&str]) -> (Proc, Lines, Output) {
    spawn_piped(Command::new(BIN).args(args))
}

/// Two python sockets send to the server; each prints what it receives, one line per datagram.
const TWO_SOURCES: &str = r#"
import socket, sys
port = int(sys.argv[1])
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
a.sendto(b"hello\n", ("127.0.0.1", port))
a.sendto(b"", ("127.0.0.1", port))
a.sendto(b"x" * 65507, ("127.0.0.1", port))
b.sendto(b"from b", ("127.0.0.1", port))
print("sent", flush=True)
for s in (a, b):
    s.settimeout(20)
    print("got", repr(s.recv(70000)), flush=True)
"#;

#[test]
fn a_udp_server_keeps_datagrams_whole_and_forgets_quiet_sources() {
    let dir = temp_dir("udp-server");
    let log = dir.join("server.log");
    let port = free_udp_port().to_string();
    let (mut server, mut lines, mut output) = tcptalk(
        &[
            "server",
            "--no-gui",
            "--json",
            "--udp",
            "--bind",
            "127.0.0.1",
            "--port",
            &port,
            "--idle",
            "1",
            "--log",
        ]
        .iter()
        .copied()
        .chain([log.to_str().expect("path")])
        .collect::<Vec<_>>(),
    );
    let listening = json(&lines.expect("\"listening\""));
    assert_eq!(listening["transport"], "udp");
    let mut python = Peer::python_code_with_args(TWO_SOURCES, &[&port]);
    assert_eq!(python.line(), "sent");
    let a = json(&lines.expect("\"connected\""));
    let b = json(&lines.expect("\"connected\""));
    assert_ne!(a["addr"], b["addr"]);
    output.expect("from b");
    assert_eq!(
        output.seen.len(),
        6 + 65507 + 6,
        "every byte, nothing added"
    );

    // stdin goes to every source seen, one line per datagram.
    say(&mut server, "to all\n");
    assert_eq!(python.line(), "got b'to all\\n'");
    assert_eq!(python.line(), "got b'to all\\n'");

    // Quiet for the idle time: forgotten, with that reason.
    for _ in 0..2 {
        let gone = json(&lines.expect("\"disconnected\""));
        assert_eq!(gone["reason"], "idle", "{gone}");
    }
    drop(server);
    let log = std::fs::read_to_string(&log).expect("log");
    // The text after "<- 127.0.0.1:PORT ".
    let texts: Vec<&str> = log
        .lines()
        .filter_map(|l| l.split_once(" <- "))
        .map(|(_, rest)| rest.split_once(' ').map_or("", |(_, text)| text))
        .collect();
    let (xs, others): (Vec<&str>, Vec<&str>) = texts
        .iter()
        .partition(|t| !t.is_empty() && t.bytes().all(|b| b == b'x'));
    assert_eq!(
        others,
        ["hello", "", "from b"],
        "one entry per datagram: {texts:?}"
    );
    // The largest datagram, in the log's 16,384-character pieces.
    assert_eq!(xs.iter().map(|t| t.len()).sum::<usize>(), 65507);
}

/// A UDP server that prints each datagram it gets and answers "ack N".
const ACK_SERVER: &str = r#"
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
s.settimeout(20)
n = 0
while True:
    data, source = s.recvfrom(70000)
    n += 1
    print(repr(data), flush=True)
    s.sendto(b"ack %d\n" % n, source)
"#;

#[test]
fn a_udp_client_sends_each_line_of_stdin_as_one_datagram() {
    let mut python = Peer::python_code(ACK_SERVER);
    let port = python.line();
    let (mut client, mut lines, mut output) = tcptalk(&[
        "client",
        "--no-gui",
        "--json",
        "--udp",
        "127.0.0.1",
        "--port",
        port.trim(),
    ]);
    lines.expect("\"connected\"");
    say(&mut client, "one\ntwo\n\nthr");
    say(&mut client, "ee");
    drop(client.child.stdin.take());
    assert_eq!(python.line(), "b'one\\n'");
    assert_eq!(python.line(), "b'two\\n'");
    assert_eq!(python.line(), "b'\\n'");
    assert_eq!(python.line(), "b'three'");
    output.expect("ack 4\n");
    // Done sending and the server is quiet: the client ends by itself.
    assert_eq!(client.wait(), 0);
    let gone = json(&lines.expect("\"disconnected\""));
    assert_eq!(gone["sent"], 4 + 4 + 1 + 5);
}

#[test]
fn port_unreachable_is_a_warning_and_the_client_goes_on() {
    let port = free_udp_port().to_string();
    let (mut client, mut lines, _output) = tcptalk(&[
        "client",
        "--no-gui",
        "--json",
        "--udp",
        "127.0.0.1",
        "--port",
        &port,
    ]);
    lines.expect("\"connected\"");
    say(&mut client, "anyone?\n");
    let warning = json(&lines.expect("\"warning\""));
    assert!(
        warning["message"]
            .as_str()
            .is_some_and(|m| m.contains("port unreachable")),
        "{warning}"
    );
    // Still there: a server may start on that port now and get the next datagram.
    let late = std::net::UdpSocket::bind(format!("127.0.0.1:{port}")).expect("bind late");
    late.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    say(&mut client, "now?\n");
    let mut buf = [0u8; 100];
    let (n, _) = late.recv_from(&mut buf).expect("the next datagram arrives");
    assert_eq!(&buf[..n], b"now?\n");
}

#[test]
fn a_udp_port_in_use_and_a_group_that_is_not_multicast_are_clear_messages() {
    let taken = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port().to_string();
    let out = Command::new(BIN)
        .args([
            "server",
            "--no-gui",
            "--udp",
            "--bind",
            "127.0.0.1",
            "--port",
            &port,
        ])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("already in use"), "{stderr}");

    let out = Command::new(BIN)
        .args([
            "server",
            "--no-gui",
            "--udp",
            "--multicast",
            "10.1.2.3",
            "--port",
            "0",
        ])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("10.1.2.3 is not a multicast address"),
        "{stderr}"
    );
    assert!(!stderr.contains("listening"), "{stderr}");
}

const BROADCAST_LISTENER: &str = r#"
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 0))
print(s.getsockname()[1], flush=True)
s.settimeout(20)
print(repr(s.recvfrom(1000)[0]), flush=True)
"#;

#[test]
fn broadcast_on_loopback_needs_the_flag_and_then_works_both_ways() {
    let mut python = Peer::python_code(BROADCAST_LISTENER);
    let port = python.line();
    let port = port.trim();
    // Without --broadcast: refused with what to do about it.
    let out = Command::new(BIN)
        .args([
            "client",
            "--no-gui",
            "--udp",
            "127.255.255.255",
            "--port",
            port,
        ])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("needs broadcast to be allowed"), "{stderr}");

    let (mut client, mut lines, _out) = tcptalk(&[
        "client",
        "--no-gui",
        "--json",
        "--udp",
        "--broadcast",
        "127.255.255.255",
        "--port",
        port,
    ]);
    lines.expect("\"connected\"");
    say(&mut client, "hello everyone\n");
    assert_eq!(python.line(), "b'hello everyone\\n'");

    // A server on every address hears a broadcast sent by python.
    let port = free_udp_port().to_string();
    let (_server, mut lines, mut output) = tcptalk(&[
        "server", "--no-gui", "--json", "--udp", "--bind", "0.0.0.0", "--port", &port,
    ]);
    lines.expect("\"listening\"");
    let _sender = Peer::python_code_with_args(
        "import socket, sys\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\ns.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)\ns.sendto(b'broadcast from python\\n', ('127.255.255.255', int(sys.argv[1])))\n",
        &[&port],
    );
    output.expect("broadcast from python\n");
}
