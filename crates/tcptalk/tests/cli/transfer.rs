//! Bulk: 100 MiB and 1 GiB through a client and server pair, every byte in order (sha256).

use std::io::{BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::{BIN, Lines, Proc, hex, json, once_server, sha256_file, temp_dir, watch_peak_rss};

/// Fills `block` (a multiple of 8 bytes long) with deterministic, incompressible-looking bytes,
/// binary and all (xorshift64), going on from `state`.
fn fill_pseudo_random(state: &mut u64, block: &mut [u8]) {
    for b in block.chunks_mut(8) {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        b.copy_from_slice(&state.to_le_bytes());
    }
}

#[test]
fn a_hundred_megabytes_through_the_cli_pair_arrive_intact() {
    const SIZE: usize = 100 * 1024 * 1024;
    let dir = temp_dir("bulk");
    let input = dir.join("in.bin");
    let output = dir.join("out.bin");
    {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&input).expect("create"));
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut block = vec![0u8; 1 << 20];
        for _ in 0..SIZE / block.len() {
            fill_pseudo_random(&mut x, &mut block);
            file.write_all(&block).expect("write");
        }
    }
    let (mut server, _lines, port) =
        once_server(std::fs::File::create(&output).expect("out").into());
    let started = Instant::now();
    let mut client = Proc::spawn(
        Command::new(BIN)
            .args(["client", "--no-gui", "127.0.0.1", "--port", &port])
            .stdin(std::fs::File::open(&input).expect("in"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit()),
    );
    assert_eq!(server.wait(), 0);
    let elapsed = started.elapsed();
    assert_eq!(client.wait(), 0);
    assert_eq!(std::fs::metadata(&output).expect("out").len(), SIZE as u64);
    assert_eq!(sha256_file(&input), sha256_file(&output));
    println!(
        "100 MiB through the CLI pair: {:.2} s, {:.0} MB/s",
        elapsed.as_secs_f64(),
        SIZE as f64 / 1e6 / elapsed.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// One GiB from a client's stdin to a server's stdout (issue 5, load): every byte arrives, in
/// order (sha256), both ends count exactly that many, and the server's memory stays small
/// whatever the size.
#[test]
fn a_gibibyte_flood_arrives_whole_and_counted_in_bounded_memory() {
    use sha2::{Digest, Sha256};
    const SIZE: u64 = 1 << 30;
    let (mut server, mut server_lines, port) = once_server(Stdio::piped());
    let peak = watch_peak_rss(server.child.id());
    let stdout = server.child.stdout.take().expect("stdout");
    let sink = std::thread::spawn(move || {
        let mut hasher = Sha256::new();
        let copied = std::io::copy(&mut BufReader::with_capacity(1 << 20, stdout), &mut hasher)
            .expect("read the server's stdout");
        (copied, hex(&hasher.finalize()))
    });

    let started = Instant::now();
    let mut client = Proc::spawn(
        Command::new(BIN)
            .args(["client", "--no-gui", "--json", "127.0.0.1", "--port", &port])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped()),
    );
    let mut client_lines = Lines::new(client.child.stderr.take().expect("stderr"));
    let mut stdin = client.child.stdin.take().expect("stdin");
    let source = std::thread::spawn(move || {
        let mut hasher = Sha256::new();
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut block = vec![0u8; 1 << 20];
        for _ in 0..SIZE / block.len() as u64 {
            fill_pseudo_random(&mut x, &mut block);
            hasher.update(&block);
            stdin.write_all(&block).expect("feed the client");
        }
        hex(&hasher.finalize())
    });
    let sent_hash = source.join().expect("source");
    let (copied, received_hash) = sink.join().expect("sink");
    let elapsed = started.elapsed();
    assert_eq!(copied, SIZE, "bytes out of the server's stdout");
    assert_eq!(
        received_hash, sent_hash,
        "sha256 of what was sent and received"
    );
    let server_end = json(&server_lines.expect("\"disconnected\""));
    assert_eq!(server_end["received"], SIZE, "{server_end}");
    let client_end = json(&client_lines.expect("\"disconnected\""));
    assert_eq!(client_end["sent"], SIZE, "{client_end}");
    assert_eq!(server.wait(), 0);
    assert_eq!(client.wait(), 0);
    let peak = peak.join().expect("rss watcher");
    println!(
        "1 GiB through the CLI pair: {:.2} s, {:.0} MB/s, server peak RSS {:.1} MB",
        elapsed.as_secs_f64(),
        SIZE as f64 / 1e6 / elapsed.as_secs_f64(),
        peak as f64 / 1e6
    );
    assert!(peak < 64 << 20, "server peak RSS {peak} bytes");
}
