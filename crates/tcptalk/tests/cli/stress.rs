//! Load on the server: a client that never reads, and 10,000 clients at once.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Instant;

use tcptalk_testkit::Peer;

use crate::{WAIT, json, json_server, peak_rss, watch_peak_rss};

#[test]
fn a_client_that_never_reads_is_dropped_instead_of_stalling_the_others() {
    let (mut server, mut lines, port) = json_server(&[]);
    let lazy = TcpStream::connect(("127.0.0.1", port)).expect("lazy");
    let mut reader = TcpStream::connect(("127.0.0.1", port)).expect("reader");
    lines.expect("\"connected\"");
    lines.expect("\"connected\"");
    const TOTAL: usize = 64 << 20;
    let mut stdin = server.child.stdin.take().expect("stdin");
    let feeder = std::thread::spawn(move || {
        let block = vec![b'a'; 1 << 20];
        for _ in 0..TOTAL / block.len() {
            if stdin.write_all(&block).is_err() {
                break;
            }
        }
        stdin
    });
    reader.set_read_timeout(Some(WAIT)).expect("timeout");
    let mut got = 0;
    let mut buf = vec![0u8; 1 << 16];
    while got < TOTAL {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) => panic!("reader stalled after {got} bytes: {e}"),
        }
    }
    assert_eq!(got, TOTAL, "the reading client got everything");
    let warning = json(&lines.expect("has not read"));
    assert_eq!(warning["event"], "warning");
    lines.expect("closed_by_us");
    drop(feeder.join().expect("feeder"));
    drop(lazy);
}

/// 10,000 clients (python3 sockets in their own process) on the terminal server: all get in,
/// one line typed on stdin reaches every one, and each leaves with its exact byte counts.
#[test]
fn ten_thousand_clients_all_get_the_line_typed_on_stdin() {
    const CLIENTS: usize = 10_000;
    let message = "大家好 10k\n";
    let (mut server, mut lines, port) = json_server(&[]);
    let peak = watch_peak_rss(server.child.id());
    let mut crowd = Peer::python(
        "many_clients.py",
        &[&port.to_string(), &CLIENTS.to_string(), message],
    );
    let started = Instant::now();
    for _ in 0..CLIENTS {
        lines.expect("\"connected\"");
    }
    assert_eq!(crowd.line(), "connected");
    let connect_time = started.elapsed();
    let mut stdin = server.child.stdin.take().expect("stdin");
    let started = Instant::now();
    stdin.write_all(message.as_bytes()).expect("stdin");
    stdin.flush().expect("flush");
    crowd.say("read");
    assert_eq!(crowd.line(), format!("received {CLIENTS}"));
    let fanout = started.elapsed();
    crowd.say("close");
    for _ in 0..CLIENTS {
        let gone = json(&lines.expect("\"disconnected\""));
        assert_eq!(gone["sent"], message.len(), "{gone}");
        assert_eq!(gone["received"], 0, "{gone}");
    }
    assert_eq!(crowd.line(), "closed");
    let peak_now = peak_rss(server.child.id()).expect("server still running");
    drop(stdin);
    drop(server);
    let _ = peak.join();
    println!(
        "10,000 clients: connected in {:.2} s, line to all in {:.2} s (debug build), \
         server peak RSS {:.1} MB",
        connect_time.as_secs_f64(),
        fanout.as_secs_f64(),
        peak_now as f64 / 1e6
    );
    assert!(peak_now < 200_000_000, "server peak RSS {peak_now} bytes");
}
