//! `--log`: every line in the log file, with its direction and its client.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::{WAIT, json_server, temp_dir};

#[test]
fn log_file_records_every_line_with_direction_and_client() {
    let dir = temp_dir("log");
    let log = dir.join("session.log");
    let log_arg = log.display().to_string();
    let (mut server, mut lines, port) = json_server(&["--once", "--log", &log_arg]);
    let mut client = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    lines.expect("\"connected\"");
    let mut stdin = server.child.stdin.take().expect("stdin");
    stdin.write_all("回复\n".as_bytes()).expect("stdin");
    stdin.flush().expect("flush");
    client.set_read_timeout(Some(WAIT)).expect("timeout");
    let mut reply = vec![0u8; "回复\n".len()];
    client.read_exact(&mut reply).expect("reply");
    // A line split across writes, then a tail with no newline, logged when the peer closes.
    client.write_all("第一".as_bytes()).expect("write");
    std::thread::sleep(Duration::from_millis(20));
    client
        .write_all("行\nno newline".as_bytes())
        .expect("write");
    drop(client);
    assert_eq!(server.wait(), 0);
    let text = std::fs::read_to_string(&log).expect("log");
    let entries: Vec<&str> = text.lines().collect();
    let find = |needle: &str| {
        entries
            .iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no {needle:?} in log:\n{text}"))
    };
    let listening = find("-- listening on 127.0.0.1:");
    let connected = find(" connected");
    // stdin goes to every client: the log says to how many.
    let sent = find("-> all(1) 回复");
    let first = find("<- 127.0.0.1:");
    assert!(entries[first].ends_with(" 第一行"), "{text}");
    let tail = find(" no newline");
    assert!(entries[tail].contains(" <- 127.0.0.1:"), "{text}");
    // The close names the exact bytes each way: "第一行\nno newline" in, "回复\n" out.
    let gone = find("disconnected (closed by peer, received 20 bytes, sent 7 bytes)");
    assert!(
        listening < connected && connected < sent && sent < first && first < tail && tail < gone
    );
    let _ = std::fs::remove_dir_all(&dir);
}
