//! The client's TCP options: reconnect (tries again with a growing wait, connects when the
//! server comes, starts again at 1 s when it is lost), keepalive as the kernel shows it
//! (`ss -o`), and the local address a connection comes from.

use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant};

use tcptalk_testkit::{Peer, free_port};

use super::tls_peers::Output;
use super::{BIN, Lines, Proc, json, spawn_piped};

fn client(args: &[&str]) -> (Proc, Lines, Output) {
    spawn_piped(
        Command::new(BIN)
            .args(["client", "--no-gui", "--json"])
            .args(args),
    )
}

#[test]
fn reconnect_waits_longer_each_time_then_connects_and_starts_again_when_lost() {
    let port = free_port();
    let started = Instant::now();
    let (mut proc, mut lines, mut output) =
        client(&["--reconnect", "127.0.0.1", "--port", &port.to_string()]);
    let first = json(&lines.expect("\"reconnecting\""));
    assert_eq!(first["after_ms"], 1000);
    let second = json(&lines.expect("\"reconnecting\""));
    assert_eq!(second["after_ms"], 2000);
    // The server comes up during the second wait: python, which says hello, keeps the
    // connection for 5.5 s (a steady one), then resets it (a crashed device; a FIN would leave
    // the piped client sending), then waits for the next try.
    let mut server = Peer::python_code_with_args(RESETTING_SERVER, &[&port.to_string()]);
    lines.expect("\"connected\"");
    assert!(started.elapsed() >= Duration::from_secs(3), "1 s, then 2 s");
    output.expect("hello again\n");
    lines.expect("\"disconnected\"");
    // Said after the end it follows.
    let after_loss = json(&lines.expect("\"reconnecting\""));
    assert_eq!(
        after_loss["after_ms"], 1000,
        "a steady connection lost: from 1 s again"
    );
    assert_eq!(server.line(), "accepted again");
    lines.expect("\"connected\"");
    assert!(
        proc.child.try_wait().expect("try_wait").is_none(),
        "still running"
    );
}

const RESETTING_SERVER: &str = r#"
import socket, struct, sys, time
listener = socket.create_server(("127.0.0.1", int(sys.argv[1])))
conn, _ = listener.accept()
conn.sendall(b"hello again\n")
time.sleep(5.5)
conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
conn.close()
again, _ = listener.accept()
print("accepted again", flush=True)
again.recv(100)
"#;

#[test]
fn keepalive_is_on_by_default_with_its_timing_and_off_when_asked() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port().to_string();
    for (extra, expect_keepalive) in [(None, true), (Some("off"), false)] {
        let mut args = vec!["127.0.0.1", "--port", &port];
        if let Some(value) = extra {
            args.extend(["--keepalive", value]);
        }
        let (_proc, mut lines, _) = client(&args);
        let (_server, _) = listener.accept().expect("accept");
        let local = json(&lines.expect("\"local\""));
        let local_port = local["addr"]
            .as_str()
            .and_then(|a| a.rsplit_once(':'))
            .map(|(_, p)| p.to_string())
            .expect("local port");
        let ss = Command::new("ss")
            .args([
                "-tnoH",
                "state",
                "established",
                "sport",
                "=",
                &format!(":{local_port}"),
            ])
            .output()
            .expect("ss (iproute2)");
        let shown = String::from_utf8_lossy(&ss.stdout).to_string();
        assert!(!shown.trim().is_empty(), "ss shows the connection");
        assert_eq!(
            shown.contains("keepalive"),
            expect_keepalive,
            "--keepalive {extra:?}: {shown}"
        );
        if expect_keepalive {
            // The first probe 60 s after the last traffic: the timer counts down from there.
            assert!(shown.contains("timer:(keepalive,"), "{shown}");
            assert_eq!(local["keepalive"]["idle_s"], 60, "{local}");
            assert_eq!(local["keepalive"]["interval_s"], 10, "{local}");
        } else {
            assert!(local["keepalive"].is_null(), "{local}");
        }
    }
}

#[test]
fn the_local_address_is_where_the_connection_comes_from() {
    // Any 127.x.y.z is this machine: the server sees 127.0.0.2.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port().to_string();
    let (_proc, mut lines, _) = client(&["--local", "127.0.0.2", "127.0.0.1", "--port", &port]);
    let (_server, from) = listener.accept().expect("accept");
    assert_eq!(from.ip().to_string(), "127.0.0.2");
    let local = json(&lines.expect("\"local\""));
    assert!(
        local["addr"]
            .as_str()
            .is_some_and(|a| a.starts_with("127.0.0.2:"))
    );
}
