//! The terminal's zero-copy paths (issue 14) and their fallback, each checked end to end by
//! sha256 and by both ends' byte counts: a file on the client's stdin goes by sendfile, a pipe
//! by splice, and the server splices what it receives into its stdout (a pipe or a file);
//! `--no-zero-copy`, `--log` and a terminal-free copy take the plain path with the same bytes.

use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::process::{ChildStdout, Command, Stdio};

use sha2::{Digest, Sha256};

use crate::{BIN, Lines, Proc, hex, json, sha256_file, temp_dir};

/// `tcptalk server --no-gui --json --once` with `extra`, its stdout to `stdout`; returns it,
/// its stderr lines, its port and which way it said received bytes go.
fn bulk_server(extra: &[&str], stdout: Stdio) -> (Proc, Lines, String, serde_json::Value) {
    let mut cmd = Command::new(BIN);
    cmd.args(["server", "--no-gui", "--json", "--once"])
        .args(["--bind", "127.0.0.1", "--port", "0"])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::piped());
    let mut server = Proc::spawn(&mut cmd);
    let mut lines = Lines::new(server.child.stderr.take().expect("stderr"));
    let port = json(&lines.expect("\"listening\""))["port"]
        .as_u64()
        .expect("port")
        .to_string();
    let path = json(&lines.expect("\"path\""));
    (server, lines, port, path)
}

/// `tcptalk client --no-gui --json` to `port` with `stdin`; returns it and its stderr lines.
fn bulk_client(port: &str, extra: &[&str], stdin: Stdio) -> (Proc, Lines) {
    let mut client = Proc::spawn(
        Command::new(BIN)
            .args(["client", "--no-gui", "--json", "127.0.0.1", "--port", port])
            .args(extra)
            .stdin(stdin)
            .stdout(Stdio::null())
            .stderr(Stdio::piped()),
    );
    let lines = Lines::new(client.child.stderr.take().expect("stderr"));
    (client, lines)
}

/// Hashes what comes out of a child's stdout, on a thread; returns (bytes, sha256).
fn hash_stdout(stdout: ChildStdout) -> std::thread::JoinHandle<(u64, String)> {
    std::thread::spawn(move || {
        let mut hasher = Sha256::new();
        let copied = std::io::copy(&mut BufReader::with_capacity(1 << 20, stdout), &mut hasher)
            .expect("read the server's stdout");
        (copied, hex(&hasher.finalize()))
    })
}

/// A file of `size` bytes, text and binary mixed, that differs all through.
fn data_file(path: &Path, size: usize) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    let mut x: u64 = 0x51_7CC1_B727_220A;
    let mut written = 0;
    while written < size {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let bytes = x.to_le_bytes();
        let take = bytes.len().min(size - written);
        file.write_all(&bytes[..take]).expect("write");
        written += take;
    }
    file.flush().expect("flush");
}

fn assert_path(event: &serde_json::Value, direction: &str, path: &str) {
    assert_eq!(event["event"], "path", "{event}");
    assert_eq!(event["direction"], direction, "{event}");
    assert_eq!(event["path"], path, "{event}");
}

/// Both ends' final counts are the size.
fn assert_counted(server: &mut Lines, client: &mut Lines, size: u64) {
    let server_end = json(&server.expect("\"disconnected\""));
    assert_eq!(server_end["received"], size, "{server_end}");
    let client_end = json(&client.expect("\"disconnected\""));
    assert_eq!(client_end["sent"], size, "{client_end}");
}

/// One file from the client's stdin to the server's stdout (a pipe), `extra` on both ends;
/// checks the ways both report and the bytes.
fn file_through(size: usize, extra: &[&str], send_way: &str, receive_way: &str) {
    let dir = temp_dir("zero-copy");
    let input = dir.join("in.bin");
    data_file(&input, size);
    let (mut server, mut server_lines, port, receive) = bulk_server(extra, Stdio::piped());
    assert_path(&receive, "from the client to stdout", receive_way);
    let hashed = hash_stdout(server.child.stdout.take().expect("stdout"));
    let stdin = std::fs::File::open(&input).expect("in");
    let (mut client, mut client_lines) = bulk_client(&port, extra, stdin.into());
    let send = json(&client_lines.expect("stdin to the server"));
    assert_path(&send, "stdin to the server", send_way);
    let (copied, received) = hashed.join().expect("hash");
    assert_eq!(copied, size as u64);
    assert_eq!(
        received,
        sha256_file(&input),
        "sha256 of what was sent and received"
    );
    assert_counted(&mut server_lines, &mut client_lines, size as u64);
    assert_eq!(server.wait(), 0);
    assert_eq!(client.wait(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_file_goes_by_sendfile_and_arrives_by_splice() {
    file_through(40 * 1024 * 1024 + 7, &[], "sendfile", "splice");
}

#[test]
fn no_zero_copy_moves_the_same_bytes_the_plain_way() {
    file_through(8 * 1024 * 1024 + 3, &["--no-zero-copy"], "copy", "copy");
}

/// `--log` needs every byte, so both ends copy, and still every byte arrives.
#[test]
fn a_log_takes_the_plain_path_with_the_same_bytes() {
    let dir = temp_dir("zero-copy-log");
    let input = dir.join("in.bin");
    data_file(&input, 2 * 1024 * 1024);
    let log = dir.join("server.log");
    let log_arg = log.to_str().expect("a UTF-8 temp path");
    let (mut server, mut server_lines, port, receive) =
        bulk_server(&["--log", log_arg], Stdio::piped());
    assert_path(&receive, "from the client to stdout", "copy");
    assert!(
        receive["why"].as_str().expect("why").contains("--log"),
        "{receive}"
    );
    let hashed = hash_stdout(server.child.stdout.take().expect("stdout"));
    let stdin = std::fs::File::open(&input).expect("in");
    let (mut client, mut client_lines) = bulk_client(&port, &[], stdin.into());
    assert_path(
        &json(&client_lines.expect("stdin to the server")),
        "stdin to the server",
        "sendfile",
    );
    let (copied, received) = hashed.join().expect("hash");
    assert_eq!(copied, 2 * 1024 * 1024);
    assert_eq!(received, sha256_file(&input));
    assert_counted(&mut server_lines, &mut client_lines, 2 * 1024 * 1024);
    assert_eq!(server.wait(), 0);
    assert_eq!(client.wait(), 0);
    assert!(std::fs::metadata(&log).expect("log").len() > 0);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A pipe on the client's stdin goes by splice, also when its writer stops early (here after
/// an odd number of bytes, mid-page): what was written arrives, then the end.
#[test]
fn a_pipe_goes_by_splice_and_its_early_end_is_the_end() {
    let (mut server, mut server_lines, port, receive) = bulk_server(&[], Stdio::piped());
    assert_path(&receive, "from the client to stdout", "splice");
    let hashed = hash_stdout(server.child.stdout.take().expect("stdout"));
    let (mut client, mut client_lines) = bulk_client(&port, &[], Stdio::piped());
    let mut stdin = client.child.stdin.take().expect("stdin");
    assert_path(
        &json(&client_lines.expect("stdin to the server")),
        "stdin to the server",
        "splice",
    );
    const SIZE: usize = 5 * 1024 * 1024 + 4093;
    let mut sent = Sha256::new();
    let mut x: u32 = 7;
    let block: Vec<u8> = (0..SIZE)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (x >> 16) as u8
        })
        .collect();
    sent.update(&block);
    stdin.write_all(&block).expect("feed the client");
    drop(stdin);
    let (copied, received) = hashed.join().expect("hash");
    assert_eq!(copied, SIZE as u64);
    assert_eq!(received, hex(&sent.finalize()));
    assert_counted(&mut server_lines, &mut client_lines, SIZE as u64);
    assert_eq!(server.wait(), 0);
    assert_eq!(client.wait(), 0);
}

/// The reader of the server's stdout goes away after 1 MiB (`| head -c 1M`): the server keeps
/// receiving and counting, as the plain path does, and ends normally.
#[test]
fn a_reader_that_leaves_early_does_not_stop_the_transfer() {
    const SIZE: u64 = 16 * 1024 * 1024;
    let dir = temp_dir("zero-copy-early");
    let input = dir.join("in.bin");
    data_file(&input, SIZE as usize);
    let (mut server, mut server_lines, port, receive) = bulk_server(&[], Stdio::piped());
    assert_path(&receive, "from the client to stdout", "splice");
    let mut stdout = server.child.stdout.take().expect("stdout");
    let mut first = vec![0u8; 1 << 20];
    let stdin = std::fs::File::open(&input).expect("in");
    let (mut client, mut client_lines) = bulk_client(&port, &[], stdin.into());
    stdout.read_exact(&mut first).expect("the first MiB");
    drop(stdout);
    let mut start = vec![0u8; 1 << 20];
    let mut file = std::fs::File::open(&input).expect("in");
    file.read_exact(&mut start).expect("read");
    assert!(first == start, "the first MiB is the file's");
    assert_counted(&mut server_lines, &mut client_lines, SIZE);
    assert_eq!(server.wait(), 0);
    assert_eq!(client.wait(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The server splices into a regular file on its stdout, and the file is the input.
#[test]
fn the_server_splices_into_a_file_on_its_stdout() {
    const SIZE: usize = 24 * 1024 * 1024 + 1;
    let dir = temp_dir("zero-copy-file");
    let input = dir.join("in.bin");
    let output = dir.join("out.bin");
    data_file(&input, SIZE);
    let out = std::fs::File::create(&output).expect("out");
    let (mut server, mut server_lines, port, receive) = bulk_server(&[], out.into());
    assert_path(&receive, "from the client to stdout", "splice");
    let stdin = std::fs::File::open(&input).expect("in");
    let (mut client, mut client_lines) = bulk_client(&port, &[], stdin.into());
    assert_counted(&mut server_lines, &mut client_lines, SIZE as u64);
    assert_eq!(server.wait(), 0);
    assert_eq!(client.wait(), 0);
    assert_eq!(sha256_file(&input), sha256_file(&output));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A sparse file past 4 GiB (more than one sendfile call can move, and more than a 32-bit
/// count holds), with marks at the start, across the 4 GiB line and at the end: it arrives
/// whole through sendfile and splice, counted to the byte.
#[test]
fn a_sparse_file_past_four_gibibytes_arrives_whole() {
    const SIZE: u64 = (4 << 30) + (3 << 20) + 11;
    let dir = temp_dir("zero-copy-sparse");
    let input = dir.join("sparse.bin");
    {
        let mut file = std::fs::File::create(&input).expect("create");
        file.set_len(SIZE).expect("sparse length");
        for (at, mark) in [
            (0, &b"start of a sparse file"[..]),
            ((2 << 30) - 5, b"near 2 GiB"),
            ((4 << 30) - 7, b"across 4 GiB"),
            (SIZE - 8, b"the end!"),
        ] {
            file.seek(SeekFrom::Start(at)).expect("seek");
            file.write_all(mark).expect("mark");
        }
    }
    let (mut server, mut server_lines, port, receive) = bulk_server(&[], Stdio::piped());
    assert_path(&receive, "from the client to stdout", "splice");
    let hashed = hash_stdout(server.child.stdout.take().expect("stdout"));
    let stdin = std::fs::File::open(&input).expect("in");
    let (mut client, mut client_lines) = bulk_client(&port, &[], stdin.into());
    assert_path(
        &json(&client_lines.expect("stdin to the server")),
        "stdin to the server",
        "sendfile",
    );
    let want = sha256_file(&input);
    let (copied, received) = hashed.join().expect("hash");
    assert_eq!(copied, SIZE);
    assert_eq!(received, want);
    assert_counted(&mut server_lines, &mut client_lines, SIZE);
    assert_eq!(server.wait(), 0);
    assert_eq!(client.wait(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}
