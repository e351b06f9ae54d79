//! Terminal safety: what a peer sends cannot drive the terminal, while a pipe gets it exact.

use std::io::Write;
use std::net::TcpListener;
use std::process::{Command, Stdio};

use crate::{BIN, require};

#[test]
fn a_terminal_sees_control_bytes_escaped_while_a_pipe_gets_them_exact() {
    require("script");
    let hostile: &[u8] = b"\x1b[2J\x1b]0;pwned\x07hi\r\n\xe4\xb8\xad\n";
    let serve = |payload: &[u8]| {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let payload = payload.to_vec();
        let server = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().expect("accept");
            s.write_all(&payload).expect("write");
        });
        (port, server)
    };

    // util-linux `script` gives tcptalk a pseudo-terminal as stdin and stdout.
    let (port, server) = serve(hostile);
    let out = Command::new("script")
        .args([
            "-qfec",
            &format!("{BIN} client --no-gui 127.0.0.1 --port {port}"),
            "/dev/null",
        ])
        .stdin(Stdio::null())
        .output()
        .expect("script");
    server.join().expect("server");
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains("\\x1B[2J\\x1B]0;pwned\\x07hi\\r"),
        "{shown:?}"
    );
    assert!(shown.contains('中'), "Chinese passes through: {shown:?}");
    assert!(
        !out.stdout.contains(&0x1b),
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
