//! A server at its open file limit (issue 14): it says how many clients it has room for,
//! turns the ones past that away with a closed connection and a warning that says why, keeps
//! serving every client it has, and takes new ones again once some leave.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::{BIN, Lines, Proc, json, say};

/// The hard and soft limit the server runs under: small, so the test fills it quickly.
const LIMIT: u64 = 48;
/// More clients than the limit leaves room for.
const TRIES: usize = 60;

/// What a client got: the broadcast line, or the end of the connection.
#[derive(Debug, PartialEq)]
enum Heard {
    Line(String),
    Closed,
}

fn hear(stream: &mut TcpStream) -> Heard {
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let mut got = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        match stream.read(&mut byte) {
            Ok(0) => return Heard::Closed,
            Ok(_) if byte[0] == b'\n' => return Heard::Line(String::from_utf8_lossy(&got).into()),
            Ok(_) => got.push(byte[0]),
            // A client turned away may see a reset rather than a FIN.
            Err(err) if err.kind() == std::io::ErrorKind::ConnectionReset => return Heard::Closed,
            Err(err) => panic!("a client heard nothing in 20 s: {err}"),
        }
    }
}

#[test]
fn a_server_at_its_fd_limit_turns_clients_away_and_keeps_serving() {
    let mut cmd = Command::new("bash");
    cmd.args([
        "-c",
        &format!("ulimit -n {LIMIT} && exec \"$0\" \"$@\""),
        BIN,
    ])
    .args([
        "server",
        "--no-gui",
        "--json",
        "--bind",
        "127.0.0.1",
        "--port",
        "0",
    ])
    .stdin(Stdio::piped())
    .stdout(Stdio::null())
    .stderr(Stdio::piped());
    let mut server = Proc::spawn(&mut cmd);
    let mut lines = Lines::new(server.child.stderr.take().expect("stderr"));
    let port = json(&lines.expect("\"listening\""))["port"]
        .as_u64()
        .expect("port") as u16;
    let capacity = json(&lines.expect("\"capacity\""));
    assert_eq!(capacity["fd_limit"], LIMIT, "{capacity}");
    let room = capacity["clients"].as_u64().expect("clients");
    assert!((20..LIMIT).contains(&room), "{capacity}");

    let mut clients: Vec<TcpStream> = (0..TRIES)
        .map(|_| TcpStream::connect(("127.0.0.1", port)).expect("connect"))
        .collect();
    let warning = json(&lines.expect("out of file descriptors"));
    let message = warning["message"].as_str().expect("message");
    assert!(
        message.contains(&format!("the open file limit is {LIMIT}")),
        "{warning}"
    );
    assert!(message.contains("still served"), "{warning}");
    let accepted = lines
        .seen
        .iter()
        .filter(|l| l.contains("\"connected\""))
        .count();
    assert!(
        accepted as u64 >= room.saturating_sub(2),
        "{accepted} of room {room}"
    );
    assert!(accepted < TRIES);

    // Everyone the server took hears the broadcast; everyone else was told by a close.
    say(&mut server, "to every client\n");
    let heard: Vec<Heard> = clients.iter_mut().map(hear).collect();
    let served = heard
        .iter()
        .filter(|h| **h == Heard::Line("to every client".into()))
        .count();
    let closed = heard.iter().filter(|h| **h == Heard::Closed).count();
    assert_eq!(served, accepted, "{heard:?}");
    assert_eq!(served + closed, TRIES, "{heard:?}");

    // Five leave; three newcomers are taken and served.
    let mut kept: Vec<TcpStream> = clients
        .into_iter()
        .zip(&heard)
        .filter(|(_, h)| matches!(h, Heard::Line(_)))
        .map(|(stream, _)| stream)
        .collect();
    kept.truncate(accepted - 5);
    for _ in 0..5 {
        lines.expect("\"disconnected\"");
    }
    let mut newcomers: Vec<TcpStream> = (0..3)
        .map(|_| TcpStream::connect(("127.0.0.1", port)).expect("connect again"))
        .collect();
    for _ in 0..3 {
        lines.expect("\"connected\"");
    }
    say(&mut server, "and again\n");
    for stream in newcomers.iter_mut().chain(kept.iter_mut()) {
        assert_eq!(hear(stream), Heard::Line("and again".into()));
    }
    for stream in &mut newcomers {
        stream.write_all(b"bye\n").expect("a newcomer writes");
    }
}
