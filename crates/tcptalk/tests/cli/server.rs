//! The terminal server with plain clients (python3, std sockets, our own client): exact bytes
//! out, events as JSON, stdin to every client, a port in use, IPv6, Ctrl-C.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};

use crate::{BIN, Lines, Proc, WAIT, hex, json, json_server, read_all};

#[test]
fn server_once_writes_exact_bytes_and_reports_events_as_json() {
    let (mut proc, mut lines, port) = json_server(&["--once"]);
    let stdout = proc.child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || read_all(stdout));
    let payload = "你好，服务器！\u{0}\u{1b}[31m binary \u{ff}"
        .as_bytes()
        .to_vec();
    let script = format!(
        "import socket,sys\ns=socket.create_connection(('127.0.0.1',{port}))\n\
         s.sendall(bytes.fromhex('{}'))\ns.close()\n",
        hex(&payload)
    );
    let status = Command::new("python3")
        .args(["-c", &script])
        .status()
        .expect("python3");
    assert!(status.success());
    let connected = json(&lines.expect("\"connected\""));
    assert!(connected["peer"].is_u64());
    assert!(
        connected["addr"]
            .as_str()
            .expect("addr")
            .starts_with("127.0.0.1:")
    );
    let gone = json(&lines.expect("\"disconnected\""));
    assert_eq!(gone["reason"], "closed_by_peer");
    assert_eq!(gone["peer"], connected["peer"]);
    assert_eq!(proc.wait(), 0, "--once exits 0");
    // A pipe gets the exact bytes, escape sequences and all.
    assert_eq!(reader.join().expect("reader"), payload);
}

#[test]
fn server_sends_stdin_to_every_client() {
    let (mut proc, mut lines, port) = json_server(&[]);
    let mut clients: Vec<TcpStream> = (0..3)
        .map(|_| TcpStream::connect(("127.0.0.1", port)).expect("connect"))
        .collect();
    for _ in 0..3 {
        lines.expect("\"connected\"");
    }
    let mut stdin = proc.child.stdin.take().expect("stdin");
    stdin.write_all("大家好\n".as_bytes()).expect("stdin");
    drop(stdin); // EOF: each client gets a FIN after the bytes
    for client in &mut clients {
        client.set_read_timeout(Some(WAIT)).expect("timeout");
        assert_eq!(read_all(&mut *client), "大家好\n".as_bytes());
    }
}

#[test]
fn port_in_use_is_an_error_naming_the_port() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port().to_string();
    let out = Command::new(BIN)
        .args([
            "server",
            "--no-gui",
            "--json",
            "--bind",
            "127.0.0.1",
            "--port",
            &port,
        ])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let error = json(
        stderr
            .lines()
            .find(|l| l.contains("\"error\""))
            .expect("error line"),
    );
    let message = error["message"].as_str().expect("message");
    assert!(
        message.contains(&port) && message.contains("in use"),
        "{message}"
    );
}

#[test]
fn ipv6_loopback_server_and_client() {
    let mut cmd = Command::new(BIN);
    cmd.args([
        "server", "--no-gui", "--json", "--once", "--bind", "::1", "--port", "0",
    ])
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut server = Proc::spawn(&mut cmd);
    let mut lines = Lines::new(server.child.stderr.take().expect("stderr"));
    let listening = json(&lines.expect("\"listening\""));
    assert!(
        listening["addr"]
            .as_str()
            .expect("addr")
            .starts_with("[::1]")
    );
    let port = listening["port"].as_u64().expect("port").to_string();
    let stdout = server.child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || read_all(stdout));
    let mut client = Proc::spawn(
        Command::new(BIN)
            .args(["client", "--no-gui", "[::1]", "--port", &port])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    let mut stdin = client.child.stdin.take().expect("stdin");
    stdin.write_all(b"over v6").expect("write");
    drop(stdin);
    assert_eq!(server.wait(), 0);
    assert_eq!(client.wait(), 0);
    assert_eq!(reader.join().expect("reader"), b"over v6");
}

#[test]
fn ctrl_c_ends_the_server_cleanly_and_clients_see_eof() {
    let (mut server, mut lines, port) = json_server(&[]);
    let mut client = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    lines.expect("\"connected\"");
    let pid = server.child.id().to_string();
    let status = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill");
    assert!(status.success());
    assert_eq!(server.wait(), 0);
    client.set_read_timeout(Some(WAIT)).expect("timeout");
    assert_eq!(read_all(&mut client), b"");
    let rest = lines.rest();
    assert!(rest.iter().any(|l| l.contains("closed_by_us")), "{rest:?}");
}
