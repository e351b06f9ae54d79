//! Bytes with no line end (a `login: ` prompt, a chat message typed into another tool, a
//! device's reply) reach stdout as soon as they arrive, as with ncat and socat: scripts wait
//! for prompts.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::{BIN, Proc, WAIT, json_server};

/// How soon the prompt must show: what a person or an `expect` script notices as "at once".
const AT_ONCE: Duration = Duration::from_millis(200);

/// Reads `stdout` on a thread and hands over each read as it comes.
fn reads(mut stdout: impl Read + Send + 'static) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    rx
}

/// Waits until `expected` has arrived on `rx`; returns how long it took from `since`.
fn arrival(rx: &mpsc::Receiver<Vec<u8>>, expected: &[u8], since: Instant) -> Duration {
    let mut got = Vec::new();
    while got.len() < expected.len() {
        let left = (since + WAIT).saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(bytes) => got.extend_from_slice(&bytes),
            Err(_) => panic!("stdout had only {:?}", String::from_utf8_lossy(&got)),
        }
    }
    assert_eq!(got, expected);
    since.elapsed()
}

#[test]
fn a_servers_prompt_reaches_the_terminal_clients_stdout_at_once() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port().to_string();
    let mut cmd = Command::new(BIN);
    cmd.args(["client", "--no-gui", "127.0.0.1", "--port", &port])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut client = Proc::spawn(&mut cmd);
    let stdout = reads(client.child.stdout.take().expect("stdout"));
    let (mut server, _) = listener.accept().expect("accept");
    server.write_all(b"login: ").expect("write");
    let took = arrival(&stdout, b"login: ", Instant::now());
    println!("prompt on the client's stdout after {took:?}");
    assert!(took < AT_ONCE, "login: took {took:?}");
    // The server waits for an answer with the connection open; the answer goes through.
    let mut stdin = client.child.stdin.take().expect("stdin");
    stdin.write_all(b"root\n").expect("answer");
    let mut answer = [0u8; 5];
    server.set_read_timeout(Some(WAIT)).expect("read timeout");
    server.read_exact(&mut answer).expect("read the answer");
    assert_eq!(&answer, b"root\n");
}

#[test]
fn a_clients_text_without_a_newline_reaches_the_terminal_servers_stdout_at_once() {
    let (mut server, _lines, port) = json_server(&[]);
    let stdout = reads(server.child.stdout.take().expect("stdout"));
    let mut client = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    for text in ["你好，在吗", "? "] {
        client.write_all(text.as_bytes()).expect("write");
        let took = arrival(&stdout, text.as_bytes(), Instant::now());
        println!("{text:?} on the server's stdout after {took:?}");
        assert!(took < AT_ONCE, "{text:?} took {took:?}");
    }
}
