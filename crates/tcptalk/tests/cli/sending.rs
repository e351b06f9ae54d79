//! `--send`, `--send-hex`, `--eol`, `--checksum`, `--every`, `--count`, and progress of a file
//! on stdin, against python3's socket module (`tests/peers/sink.py`).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use tcptalk_testkit::Peer;

use super::{BIN, Proc, json_server, require, temp_dir};

/// sink.py's report, by key.
fn sink_report(sink: &mut Peer) -> std::collections::HashMap<String, String> {
    (0..5)
        .map(|_| {
            let line = sink.line();
            let (key, value) = line.split_once(' ').unwrap_or((line.as_str(), ""));
            (key.to_string(), value.to_string())
        })
        .collect()
}

fn start_sink() -> (Peer, String) {
    let mut sink = Peer::python("sink.py", &[]);
    let port = sink.line().strip_prefix("port ").expect("port").to_string();
    (sink, port)
}

#[test]
fn send_hex_with_the_modbus_crc_arrives_byte_exact() {
    let (mut sink, port) = start_sink();
    let mut client = Proc::spawn(
        Command::new(BIN)
            .args(["client", "--no-gui", "127.0.0.1", "--port", &port])
            .args([
                "--send-hex",
                "01 03 00 0A 00 02",
                "--checksum",
                "crc16-modbus",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    let report = sink_report(&mut sink);
    assert_eq!(report["head"], "0103000a0002e409");
    assert_eq!(client.wait(), 0);

    // Text with escapes, a CRC-32 and a line end: the checksum before the line end.
    let (mut sink, port) = start_sink();
    let mut client = Proc::spawn(
        Command::new(BIN)
            .args(["client", "--no-gui", "127.0.0.1", "--port", &port])
            .args(["--send", r"\x31\x323456789", "--checksum", "crc32"])
            .args(["--eol", "crlf"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    let report = sink_report(&mut sink);
    assert_eq!(report["head"], "313233343536373839cbf439260d0a");
    assert_eq!(client.wait(), 0);
}

#[test]
fn every_and_count_send_n_times_then_the_client_closes_with_stdin_still_open() {
    let (mut sink, port) = start_sink();
    let mut client = Proc::spawn(
        Command::new(BIN)
            .args(["client", "--no-gui", "127.0.0.1", "--port", &port])
            .args([
                "--send", "tick", "--eol", "lf", "--every", "20", "--count", "50",
            ])
            // A pipe we never close: the count ends the client, not stdin.
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped()),
    );
    let report = sink_report(&mut sink);
    assert_eq!(
        (report["size"].as_str(), report["lines"].as_str()),
        ("250", "50")
    );
    let times: Vec<u64> = report["times"]
        .split(',')
        .map(|t| t.parse().expect("µs"))
        .collect();
    let span = times[49];
    println!(
        "terminal, 50 × 20 ms: first to last {:.1} ms (ideal 980.0), drift {:+.1} ms",
        span as f64 / 1e3,
        (span as f64 - 980_000.0) / 1e3
    );
    assert!(span.abs_diff(980_000) < 150_000, "{span} µs");
    assert_eq!(client.wait(), 0);
    let mut stderr = String::new();
    client
        .child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read");
    assert!(
        stderr.contains("sent the message 50 times (done)"),
        "{stderr}"
    );
}

#[test]
fn the_server_sends_its_message_to_each_client_as_it_connects() {
    let (_server, _lines, port) = json_server(&["--send", r"hello\r\n"]);
    for _ in 0..2 {
        let mut client = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        client
            .set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .expect("timeout");
        let mut got = [0u8; 7];
        client.read_exact(&mut got).expect("greeting");
        assert_eq!(&got, b"hello\r\n");
    }
}

#[test]
fn bad_sending_flags_exit_2_saying_what_is_wrong() {
    let cases: [(&[&str], &str); 8] = [
        (&["--send", "x", "--checksum", "md5"], "crc16-modbus"),
        (&["--send", "x", "--every", "0"], "milliseconds"),
        (&["--send", "x", "--every", "10", "--count", "0"], "count"),
        (&["--send", "x", "--every", "10", "--count", "-1"], "count"),
        (&["--send-hex", "01 0G"], "character 5"),
        (&["--send", "x", "--eol", "lfcr"], "none, lf, cr, crlf"),
        (&["--eol", "lf"], "--send"),
        (&["--send", r"a\q"], "character 2"),
    ];
    for (flags, says) in cases {
        let output = Command::new(BIN)
            .args(["client", "--no-gui", "127.0.0.1", "--port", "9"])
            .args(flags)
            .stdin(Stdio::null())
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{flags:?}: {stderr}");
        assert!(stderr.contains(says), "{flags:?}: {stderr}");
    }
}

#[test]
fn a_file_on_stdin_shows_its_progress_when_stderr_is_a_terminal() {
    require("script");
    let dir = temp_dir("stdin-progress");
    let file = dir.join("data.bin");
    let mut out = std::fs::File::create(&file).expect("create");
    for i in 0..64u32 {
        out.write_all(&[i as u8; 1 << 16]).expect("write");
    }
    drop(out);
    let (mut sink, port) = start_sink();
    // script(1) gives the command a terminal for stderr; stdin is the file.
    let command = format!(
        "{BIN} client --no-gui 127.0.0.1 --port {port} < {} > /dev/null",
        file.display()
    );
    let output = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .expect("script");
    let report = sink_report(&mut sink);
    assert_eq!(report["size"], (64u64 << 16).to_string());
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(
        shown.contains("tcptalk: stdin:") && shown.contains("4.2 MB of 4.2 MB (100%)"),
        "{shown}"
    );
    std::fs::remove_dir_all(&dir).expect("cleaned up");
}
