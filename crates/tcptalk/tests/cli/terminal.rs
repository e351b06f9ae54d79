//! Terminal safety: what a peer sends cannot drive the terminal, while a pipe gets it exact.

use std::io::Write;
use std::net::TcpListener;
use std::process::{Command, Stdio};

use crate::{BIN, require};

/// A server on a free port that sends `payload` to its first client and closes.
fn serve(payload: &[u8]) -> (u16, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let payload = payload.to_vec();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().expect("accept");
        s.write_all(&payload).expect("write");
    });
    (port, server)
}

/// Runs `tcptalk client --no-gui` with `extra` arguments on a pseudo-terminal (util-linux
/// `script`) against a server sending `payload`; returns what the terminal got.
fn on_a_terminal(payload: &[u8], extra: &str) -> Vec<u8> {
    let (port, server) = serve(payload);
    let out = Command::new("script")
        .args([
            "-qfec",
            &format!("{BIN} client --no-gui 127.0.0.1 --port {port} {extra}"),
            "/dev/null",
        ])
        .stdin(Stdio::null())
        .output()
        .expect("script");
    server.join().expect("server");
    out.stdout
}

#[test]
fn with_encoding_gbk_a_terminal_reads_gbk_text_while_a_pipe_gets_the_bytes() {
    require("script");
    // "中文 ok\n" in GBK, then a byte that is no GBK character.
    let gbk: &[u8] = b"\xd6\xd0\xce\xc4 ok\n\x81\n";
    let shown = on_a_terminal(gbk, "--encoding gbk");
    let shown = String::from_utf8_lossy(&shown);
    assert!(
        shown.contains("中文 ok"),
        "decoded for the terminal: {shown:?}"
    );
    assert!(
        shown.contains("\\x81"),
        "a bad byte is shown as an escape: {shown:?}"
    );
    let (port, server) = serve(gbk);
    let out = Command::new(BIN)
        .args([
            "client",
            "--no-gui",
            "127.0.0.1",
            "--encoding",
            "gbk",
            "--port",
        ])
        .arg(port.to_string())
        .stdin(Stdio::null())
        .output()
        .expect("run");
    server.join().expect("server");
    assert_eq!(out.stdout, gbk, "a pipe gets the exact bytes");
}

#[test]
fn a_terminal_sees_control_bytes_escaped_while_a_pipe_gets_them_exact() {
    require("script");
    let hostile: &[u8] = b"\x1b[2J\x1b]0;pwned\x07hi\r\n\xe4\xb8\xad\n";

    // util-linux `script` gives tcptalk a pseudo-terminal as stdin and stdout.
    let out = on_a_terminal(hostile, "");
    let shown = String::from_utf8_lossy(&out);
    assert!(
        shown.contains("\\x1B[2J\\x1B]0;pwned\\x07hi\\r"),
        "{shown:?}"
    );
    assert!(shown.contains('中'), "Chinese passes through: {shown:?}");
    assert!(
        !out.contains(&0x1b),
        "a raw ESC reached the terminal: {shown:?}"
    );

    // Through a pipe the same bytes arrive untouched.
    let (port, server) = serve(hostile);
    let out = Command::new(BIN)
        .args([
            "client",
            "--no-gui",
            "127.0.0.1",
            "--port",
            &port.to_string(),
        ])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    server.join().expect("server");
    assert_eq!(out.stdout, hostile);
}
