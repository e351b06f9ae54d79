//! `--pcap FILE`: what the terminal saw, read back by tshark (Wireshark's command line, a
//! Debian package no one here wrote): every byte, each way, in order, with real times.

use std::io::Write;
use std::process::{Command, Stdio};

use tcptalk_testkit::Peer;

use super::{BIN, Lines, Proc, json, require, temp_dir};

/// Sends 300 KB in pieces of varying size with short pauses, then Chinese and an invalid
/// byte, reads what the server sent, and closes.
const CLIENT: &str = r#"
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
sent = 0
size = 1
while sent < 300000:
    piece = bytes((sent + i) % 251 for i in range(size))
    s.sendall(piece)
    sent += size
    size = size * 7 % 60000 + 1
    time.sleep(0.002)
s.sendall("中文".encode() + b"\xff\n")
got = b""
s.settimeout(5)
while not got.endswith(b"bye\n"):
    more = s.recv(65536)
    if not more:
        break
    got += more
print("got", len(got), flush=True)
s.close()
"#;

fn expected_client_bytes() -> Vec<u8> {
    let mut out = Vec::new();
    let (mut sent, mut size) = (0usize, 1usize);
    while sent < 300_000 {
        out.extend((0..size).map(|i| ((sent + i) % 251) as u8));
        sent += size;
        size = size * 7 % 60_000 + 1;
    }
    out.extend_from_slice("中文".as_bytes());
    out.extend_from_slice(b"\xff\n");
    out
}

#[test]
fn tshark_reads_every_byte_of_the_capture_in_order() {
    require("tshark");
    let dir = temp_dir("pcap");
    let pcap = dir.join("session.pcap");
    let mut server = Proc::spawn(
        Command::new(BIN)
            .args([
                "server",
                "--no-gui",
                "--json",
                "--once",
                "--bind",
                "127.0.0.1",
            ])
            .args(["--port", "0", "--pcap"])
            .arg(&pcap)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped()),
    );
    let mut lines = Lines::new(server.child.stderr.take().expect("stderr"));
    let port = json(&lines.expect("\"listening\""))["port"]
        .as_u64()
        .expect("port");
    let mut client = Peer::python_code_with_args(CLIENT, &[&port.to_string()]);
    lines.expect("\"connected\"");
    let reply: Vec<u8> = (0..20_000u32)
        .flat_map(|i| i.to_le_bytes())
        .chain(*b"bye\n")
        .collect();
    let mut stdin = server.child.stdin.take().expect("stdin");
    stdin.write_all(&reply).expect("stdin");
    drop(stdin);
    assert_eq!(client.line(), format!("got {}", reply.len()));
    assert_eq!(server.wait(), 0);

    let output = Command::new("tshark")
        .arg("-r")
        .arg(&pcap)
        .args([
            "-T",
            "fields",
            "-e",
            "frame.time_epoch",
            "-e",
            "tcp.srcport",
        ])
        .args(["-e", "tcp.seq", "-e", "tcp.payload"])
        .stderr(Stdio::null())
        .output()
        .expect("tshark");
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).expect("utf-8");
    let (mut inbound, mut outbound) = (Vec::new(), Vec::new());
    let mut last_time = 0.0f64;
    let mut packets = 0;
    for line in text.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        let [time, sport, seq, payload] = fields[..] else {
            panic!("unexpected tshark line {line:?}");
        };
        let time: f64 = time.parse().expect("time");
        assert!(time >= last_time, "times in order");
        last_time = time;
        let bytes = decode_hex(&payload.replace(':', ""));
        let stream = if sport == port.to_string() {
            &mut outbound
        } else {
            &mut inbound
        };
        assert_eq!(
            seq.parse::<usize>().expect("seq"),
            stream.len() + 1,
            "no gap"
        );
        stream.extend_from_slice(&bytes);
        packets += 1;
    }
    assert_eq!(
        inbound,
        expected_client_bytes(),
        "every byte the client sent"
    );
    assert_eq!(outbound, reply, "every byte the server sent");
    println!(
        "tshark read {packets} packets: {} bytes in, {} bytes out, in order",
        inbound.len(),
        outbound.len()
    );
    std::fs::remove_dir_all(&dir).expect("cleaned up");
}

fn decode_hex(text: &str) -> Vec<u8> {
    (0..text.len() / 2)
        .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).expect("hex"))
        .collect()
}
