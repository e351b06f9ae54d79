//! The sending tools on real loopback sockets, checked by a peer no one here wrote (python3's
//! socket and hashlib, `tests/peers/sink.py`): checksums byte for byte, a periodic send's
//! timing, a file's SHA-256, a pause for a peer that does not read.

use std::io::Read;
use std::net::{Ipv4Addr, TcpStream};
use std::time::Duration;

use tcptalk_net::ClientConfig;
use tcptalk_session::{
    Checksum, FileError, LineEnd, Message, PeriodicEnd, Schedule, Session, SessionEvent, Target,
    View,
};
use tcptalk_testkit::Peer;

mod common;

use common::{listening, runtime, wait_for};

fn window_session() -> Session {
    common::window_session(View::default())
}

const PATIENCE: Duration = Duration::from_secs(60);

/// What sink.py reported once the connection closed.
#[derive(Debug, Default)]
struct Sunk {
    size: u64,
    sha256: String,
    head: String,
    lines: usize,
    /// Arrival of each LF, in µs after the first.
    times: Vec<u64>,
}

/// A sink.py server and a client session connected to it.
async fn connected_to_sink(args: &[&str]) -> (Session, Peer) {
    let mut sink = Peer::python("sink.py", args);
    let port: u16 = sink
        .line()
        .strip_prefix("port ")
        .and_then(|port| port.parse().ok())
        .expect("sink port");
    let mut session = window_session();
    let config = ClientConfig::new("127.0.0.1", port);
    session.connect(config, format!("127.0.0.1:{port}"));
    wait_for(&mut session, |event| match event {
        SessionEvent::Connected { .. } => Some(()),
        SessionEvent::ConnectFailed { error, .. } => panic!("connect: {error}"),
        _ => None,
    })
    .await;
    (session, sink)
}

/// Closes the connection and reads sink.py's report.
async fn close_and_report(session: &mut Session, sink: &mut Peer) -> Sunk {
    // A close drops what is still queued: wait until it has left.
    let drained = async {
        loop {
            let queued: u64 = {
                let shared = session.shared().lock();
                let peers = shared.peers();
                peers
                    .ids()
                    .into_iter()
                    .filter_map(|id| peers.status(id))
                    .map(|s| s.queued)
                    .sum()
            };
            if queued == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(PATIENCE, drained)
        .await
        .expect("sent in time");
    session.stop();
    wait_for(session, |event| match event {
        SessionEvent::Disconnected { .. } => Some(()),
        _ => None,
    })
    .await;
    let mut sunk = Sunk::default();
    for _ in 0..5 {
        let line = sink.line();
        let (key, value) = line.split_once(' ').unwrap_or((line.as_str(), ""));
        match key {
            "size" => sunk.size = value.parse().expect("size"),
            "sha256" => sunk.sha256 = value.to_string(),
            "head" => sunk.head = value.to_string(),
            "lines" => sunk.lines = value.parse().expect("lines"),
            "times" => {
                sunk.times = value
                    .split(',')
                    .filter(|t| !t.is_empty())
                    .map(|t| t.parse().expect("time"))
                    .collect();
            }
            other => panic!("sink said {other}"),
        }
    }
    sunk
}

#[test]
fn checksums_arrive_byte_exact_at_a_python_peer() {
    runtime().block_on(async {
        let (mut session, mut sink) = connected_to_sink(&[]).await;
        let modbus = Message::hex("01 03 00 0A 00 02").with_checksum(Checksum::Crc16Modbus);
        let report = session.send(Target::All, &modbus).expect("composes");
        assert_eq!(report.sent, 1);
        // The catalogue's check values: each algorithm over "123456789", as published.
        let checks: [(Checksum, &str); 6] = [
            (Checksum::Sum8, "dd"),
            (Checksum::Xor8, "31"),
            (Checksum::Crc8, "f4"),
            (Checksum::Crc16Modbus, "374b"),
            (Checksum::Crc16Ccitt, "29b1"),
            (Checksum::Crc32, "cbf43926"),
        ];
        let mut expected = String::from("0103000a0002e409");
        for (checksum, check) in checks {
            let message = Message::text("123456789").with_checksum(checksum);
            session.send(Target::All, &message).expect("composes");
            expected.push_str(&hex(b"123456789"));
            expected.push_str(check);
        }
        // The checksum comes before the line end.
        let framed = Message::text("AT")
            .with_checksum(Checksum::Xor8)
            .with_line_end(LineEnd::CrLf);
        session.send(Target::All, &framed).expect("composes");
        expected.push_str("4154150d0a");
        let shown: Vec<String> = {
            let shared = session.shared().lock();
            shared
                .transcript()
                .iter()
                .map(|(entry, _)| entry.text.to_string())
                .collect()
        };
        assert!(
            shown.contains(&"[HEX] 01 03 00 0A 00 02 [E4 09]".to_string()),
            "{shown:?}"
        );
        assert!(shown.contains(&"123456789 [CB F4 39 26]".to_string()));
        assert!(shown.contains(&"AT [15] \\r\\n".to_string()));
        let sunk = close_and_report(&mut session, &mut sink).await;
        let total = 8 + 6 * 9 + (1 + 1 + 1 + 2 + 2 + 4) + 5;
        assert_eq!(sunk.size, total);
        assert_eq!(sunk.head, &expected[..128]);
        println!(
            "python peer got {} bytes, first 64: {}",
            sunk.size, sunk.head
        );
    });
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn fifty_messages_every_20_ms_arrive_whole_and_keep_to_the_clock() {
    runtime().block_on(async {
        let (mut session, mut sink) = connected_to_sink(&[]).await;
        let schedule = Schedule {
            every: Duration::from_millis(20),
            count: Some(50),
        };
        let message = Message::text("tick").with_line_end(LineEnd::Lf);
        let job = session
            .start_periodic(Target::All, &message, schedule)
            .expect("composes");
        let (sent, end) = wait_for(&mut session, |event| match event {
            SessionEvent::PeriodicEnded { job: ended, sent, end } if ended == job => {
                Some((sent, end))
            }
            _ => None,
        })
        .await;
        assert_eq!((sent, end), (50, PeriodicEnd::Done));
        assert!(session.shared().lock().job(job).is_none(), "status gone");
        let sunk = close_and_report(&mut session, &mut sink).await;
        assert_eq!((sunk.size, sunk.lines), (250, 50));
        let span = *sunk.times.last().expect("times");
        let mut intervals: Vec<u64> = sunk.times.windows(2).map(|w| w[1] - w[0]).collect();
        intervals.sort_unstable();
        let drift = span as i64 - 49 * 20_000;
        println!(
            "50 × 20 ms: first to last {:.1} ms (ideal 980.0), drift {:+.1} ms; interval p50 {:.1} ms, p99 {:.1} ms, min {:.1}, max {:.1}",
            span as f64 / 1e3,
            drift as f64 / 1e3,
            intervals[intervals.len() / 2] as f64 / 1e3,
            intervals[intervals.len() * 99 / 100] as f64 / 1e3,
            intervals[0] as f64 / 1e3,
            intervals[intervals.len() - 1] as f64 / 1e3,
        );
        // Deadlines on a fixed grid: however late single sends are, the last is not late by
        // the sum of them (sleep-after-send would be ≥ 50 × the cost of a send late).
        assert!(drift.abs() < 150_000, "drift {drift} µs");
    });
}

#[test]
fn a_timer_waits_for_a_peer_that_does_not_read_then_goes_on() {
    runtime().block_on(async {
        let mut session = window_session();
        let port = listening(&mut session).await;
        let mut client = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).expect("connect");
        let peer = wait_for(&mut session, |event| match event {
            SessionEvent::Connected { peer, .. } => Some(peer),
            _ => None,
        })
        .await;
        let big = Message::text("x".repeat(64 * 1024));
        let schedule = Schedule {
            every: Duration::from_millis(1),
            count: None,
        };
        let job = session
            .start_periodic(Target::One(peer), &big, schedule)
            .expect("composes");
        wait_for(&mut session, |event| match event {
            SessionEvent::PeriodicPaused { job: paused, .. } if paused == job => Some(()),
            _ => None,
        })
        .await;
        // Paused, nothing piles up: what waits is bounded by the engine's queue.
        let queued = session
            .shared()
            .lock()
            .peers()
            .status(peer)
            .map(|p| p.queued);
        tokio::time::sleep(Duration::from_millis(300)).await;
        let later = session
            .shared()
            .lock()
            .peers()
            .status(peer)
            .map(|p| p.queued);
        let limit = (tcptalk_net::WRITE_QUEUE_LIMIT + 64 * 65 * 1024) as u64;
        assert!(
            later.is_some_and(|q| q <= limit),
            "{queued:?} then {later:?}"
        );
        // The client reads again: the timer goes on.
        let reader = std::thread::spawn(move || {
            let mut buf = vec![0u8; 1 << 20];
            let mut total = 0u64;
            while let Ok(n) = client.read(&mut buf) {
                if n == 0 {
                    break;
                }
                total += n as u64;
            }
            total
        });
        wait_for(&mut session, |event| match event {
            SessionEvent::PeriodicResumed { job: resumed } if resumed == job => Some(()),
            _ => None,
        })
        .await;
        session.stop_job(job);
        let (sent, end) = wait_for(&mut session, |event| match event {
            SessionEvent::PeriodicEnded { sent, end, .. } => Some((sent, end)),
            _ => None,
        })
        .await;
        assert_eq!(end, PeriodicEnd::Stopped);
        session.stop();
        let total = reader.join().expect("reader");
        assert_eq!(total % (64 * 1024), 0, "whole messages only");
        assert!(total / (64 * 1024) <= sent, "{total} bytes, {sent} sends");
        println!("paused with {queued:?} bytes queued; {sent} sends, {total} bytes read");
    });
}

#[test]
fn a_timer_for_one_client_ends_when_it_leaves_and_bad_input_starts_nothing() {
    runtime().block_on(async {
        let mut session = window_session();
        let port = listening(&mut session).await;
        let bad = session.start_periodic(
            Target::All,
            &Message::hex("01 0"),
            Schedule {
                every: Duration::from_millis(5),
                count: None,
            },
        );
        assert!(
            bad.expect_err("refused")
                .to_string()
                .contains("character 4")
        );
        let client = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).expect("connect");
        let peer = wait_for(&mut session, |event| match event {
            SessionEvent::Connected { peer, .. } => Some(peer),
            _ => None,
        })
        .await;
        let schedule = Schedule {
            every: Duration::from_millis(5),
            count: None,
        };
        session
            .start_periodic(Target::One(peer), &Message::text("hi"), schedule)
            .expect("composes");
        tokio::time::sleep(Duration::from_millis(50)).await;
        drop(client);
        let end = wait_for(&mut session, |event| match event {
            SessionEvent::PeriodicEnded { end, .. } => Some(end),
            _ => None,
        })
        .await;
        assert_eq!(end, PeriodicEnd::NoPeer);
        // A file that is missing, a folder, and a file with nobody to send to.
        let missing = session.send_file(Target::All, "/nonexistent/file.bin".into());
        let error = wait_for(&mut session, |event| match event {
            SessionEvent::FileFailed { job, error, .. } if job == missing => Some(error),
            _ => None,
        })
        .await;
        assert!(matches!(error, FileError::Open { .. }), "{error}");
        assert!(
            error.to_string().contains("/nonexistent/file.bin"),
            "{error}"
        );
        let folder = session.send_file(Target::All, std::env::temp_dir());
        let error = wait_for(&mut session, |event| match event {
            SessionEvent::FileFailed { job, error, .. } if job == folder => Some(error),
            _ => None,
        })
        .await;
        assert!(matches!(error, FileError::Folder { .. }), "{error}");
    });
}
