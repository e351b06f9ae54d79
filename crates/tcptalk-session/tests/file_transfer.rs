//! A 1 GiB file sent through a session to a python3 peer (`tests/peers/sink.py`, hashlib):
//! equal SHA-256, progress on the way, memory bounded; and a transfer cancelled midway.

use std::io::Write;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tcptalk_core::history::HistoryLimits;
use tcptalk_net::ClientConfig;
use tcptalk_session::{FileError, Session, SessionConfig, SessionEvent, Target, View};
use tcptalk_testkit::Peer;

const GIB: u64 = 1 << 30;
const BLOCK: usize = 1 << 20;

/// Writes `size` bytes of varied content (each MiB differs) and returns their SHA-256.
fn write_file(path: &std::path::Path, size: u64) -> String {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    let mut hasher = Sha256::new();
    let mut block = vec![0u8; BLOCK];
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    for byte in &mut block {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        *byte = state as u8;
    }
    let mut written = 0u64;
    let mut index = 0u64;
    while written < size {
        block[..8].copy_from_slice(&index.to_le_bytes());
        let take = BLOCK.min((size - written) as usize);
        file.write_all(&block[..take]).expect("write");
        hasher.update(&block[..take]);
        written += take as u64;
        index += 1;
    }
    file.flush().expect("flush");
    format!("{:x}", hasher.finalize())
}

/// This process's resident memory, in bytes.
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("procfs");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .expect("VmRSS")
}

async fn connected(sink: &mut Peer) -> Session {
    let port: u16 = sink
        .line()
        .strip_prefix("port ")
        .and_then(|port| port.parse().ok())
        .expect("sink port");
    let config = SessionConfig::window(View::default(), HistoryLimits::default(), None);
    let mut session = Session::spawn(&tokio::runtime::Handle::current(), config);
    session.connect(
        ClientConfig::new("127.0.0.1", port),
        format!("127.0.0.1:{port}"),
    );
    loop {
        match session.recv().await.expect("session") {
            SessionEvent::Connected { .. } => return session,
            SessionEvent::ConnectFailed { error, .. } => panic!("{error}"),
            _ => {}
        }
    }
}

/// sink.py's `size` and `sha256` lines (the others are skipped).
fn sink_report(sink: &mut Peer) -> (u64, String) {
    let size = sink.line();
    let sha = sink.line();
    for _ in 0..3 {
        sink.line();
    }
    let size = size
        .strip_prefix("size ")
        .expect("size")
        .parse()
        .expect("n");
    (size, sha.strip_prefix("sha256 ").expect("sha").to_string())
}

#[test]
fn a_gib_file_arrives_with_equal_sha256_in_bounded_memory_and_a_cancel_stops_one() {
    let dir = std::env::temp_dir().join(format!("tcptalk-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("one-gib.bin");
    let started = Instant::now();
    let expected = write_file(&path, GIB);
    println!("wrote 1 GiB in {:.1} s", started.elapsed().as_secs_f64());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        // Whole.
        let mut sink = Peer::python("sink.py", &[]);
        let mut session = connected(&mut sink).await;
        let before = rss();
        let mut peak = before;
        let started = Instant::now();
        let job = session.send_file(Target::All, path.clone());
        let mut progress = Vec::new();
        let sent = loop {
            let event = tokio::time::timeout(Duration::from_secs(300), session.recv())
                .await
                .expect("in time")
                .expect("session");
            peak = peak.max(rss());
            match event {
                SessionEvent::FileProgress {
                    job: j,
                    sent,
                    total,
                } if j == job => {
                    assert_eq!(total, GIB);
                    progress.push(sent);
                }
                SessionEvent::FileSent {
                    job: j,
                    size,
                    sha256,
                    ..
                } if j == job => {
                    break (size, sha256);
                }
                SessionEvent::FileFailed { error, .. } => panic!("{error}"),
                _ => {}
            }
        };
        let elapsed = started.elapsed();
        assert_eq!(sent, (GIB, expected.clone()));
        assert!(progress.len() >= 2, "progress events: {progress:?}");
        assert!(progress.windows(2).all(|w| w[0] < w[1]), "{progress:?}");
        // One history entry names the file, its size and its SHA-256.
        let entries: Vec<String> = session
            .shared()
            .lock()
            .transcript()
            .iter()
            .map(|(entry, _)| entry.text.to_string())
            .filter(|text| text.contains("one-gib.bin"))
            .collect();
        assert_eq!(entries.len(), 1, "{entries:?}");
        assert!(entries[0].contains(&expected) && entries[0].contains("1073741824 bytes"));
        session.stop();
        let (size, sha) = sink_report(&mut sink);
        assert_eq!((size, sha.as_str()), (GIB, expected.as_str()));
        let grew = peak.saturating_sub(before);
        println!(
            "1 GiB sent in {:.1} s ({:.0} MiB/s), {} progress events, RSS grew {:.1} MiB at most",
            elapsed.as_secs_f64(),
            GIB as f64 / (1 << 20) as f64 / elapsed.as_secs_f64(),
            progress.len(),
            grew as f64 / (1 << 20) as f64
        );
        assert!(grew < 64 << 20, "RSS grew {grew} bytes");

        // Cancelled after the first progress event: the peer gets only part of it.
        let mut sink = Peer::python("sink.py", &[]);
        let mut session = connected(&mut sink).await;
        let job = session.send_file(Target::All, path.clone());
        let error = loop {
            match session.recv().await.expect("session") {
                SessionEvent::FileProgress { job: j, .. } if j == job => session.stop_job(job),
                SessionEvent::FileFailed { job: j, error, .. } if j == job => break error,
                SessionEvent::FileSent { .. } => panic!("not cancelled"),
                _ => {}
            }
        };
        let FileError::Cancelled { sent } = error else {
            panic!("{error}");
        };
        assert!(sent > 0 && sent < GIB, "{sent}");
        session.stop();
        let (size, _) = sink_report(&mut sink);
        // Closing right after the cancel drops what was still queued, so the peer may get less.
        assert!(
            size > 0 && size <= sent,
            "peer got {size}, we handed over {sent}"
        );
        println!("cancelled after {sent} bytes handed over; the peer got {size}");
    });
    std::fs::remove_dir_all(&dir).expect("cleaned up");
}
