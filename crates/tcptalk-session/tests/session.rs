//! Sessions on real loopback sockets, driven as a front end drives them: commands in, events
//! and the shared history out.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::time::Duration;

use tcptalk_core::history::HistoryLimits;
use tcptalk_core::log::Direction;
use tcptalk_net::{ClientConfig, CloseReason};
use tcptalk_session::{
    Message, Notice, Session, SessionConfig, SessionEvent, SharedLog, Target, View,
};

mod common;

use common::{listening, runtime, wait_for};

const PATIENCE: Duration = Duration::from_secs(10);

fn temp_path(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tcptalk-session-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

/// Waits until the history holds `rows` entries.
async fn history_rows(session: &Session, rows: u64) {
    let wait = async {
        while session.shared().lock().transcript().total_rows() < rows {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(PATIENCE, wait)
        .await
        .expect("rows in time");
}

fn texts(session: &Session) -> Vec<(Direction, String, String)> {
    let shared = session.shared().lock();
    shared
        .transcript()
        .iter()
        .map(|(entry, _)| {
            (
                entry.direction,
                entry.peer_label.to_string(),
                entry.text.to_string(),
            )
        })
        .collect()
}

#[test]
fn an_ipv4_client_of_the_dual_stack_listener_is_logged_as_plain_ipv4_in_lines() {
    let rt = runtime();
    rt.block_on(async {
        let log_path = temp_path("server.log");
        let _ = std::fs::remove_file(&log_path);
        let log = SharedLog::open(&log_path).expect("log");
        let config = SessionConfig::window(View::default(), HistoryLimits::default(), Some(log));
        let mut session = Session::spawn(&tokio::runtime::Handle::current(), config);
        let port = listening(&mut session).await;
        let mut client = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).expect("connect");
        let addr = client.local_addr().expect("addr").to_string();
        let peer = wait_for(&mut session, |event| match event {
            SessionEvent::Connected { peer, label, .. } => Some((peer, label)),
            _ => None,
        })
        .await;
        assert_eq!(peer.1, addr, "plain IPv4, not ::ffff:");
        client
            .write_all("hello\r\n你好\tok\n\x1b[2Jx\nlogin: ".as_bytes())
            .expect("write");
        // The partial line shows once the peer has been quiet.
        history_rows(&session, 6).await;
        let got = texts(&session);
        let received: Vec<&str> = got
            .iter()
            .filter(|(d, _, _)| *d == Direction::Received)
            .map(|(_, _, t)| t.as_str())
            .collect();
        assert_eq!(received, ["hello", "你好\tok", "\\x1B[2Jx", "login: "]);
        assert!(
            got.iter()
                .all(|(d, label, _)| *d == Direction::Info || *label == addr)
        );

        let report = session
            .send(Target::All, &Message::text("收到"))
            .expect("composes");
        assert_eq!((report.sent, report.failed.len()), (1, 0));
        let mut buf = [0u8; 16];
        let n = client.read(&mut buf).expect("read");
        assert_eq!(&buf[..n], "收到".as_bytes());
        drop(client);
        let (reason, counts) = wait_for(&mut session, |event| match event {
            SessionEvent::Disconnected { reason, counts, .. } => Some((reason, counts)),
            _ => None,
        })
        .await;
        assert_eq!(reason, CloseReason::ClosedByPeer);
        assert_eq!((counts.sent, counts.received), (6, 30));
        session.stop();
        wait_for(&mut session, |e| {
            matches!(e, SessionEvent::Stopped).then_some(())
        })
        .await;
        // The log is flushed once the session has nothing waiting.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let log = std::fs::read_to_string(&log_path).expect("read log");
        // Each line is `date time zone marker peer text`; the time is left out.
        let tail: Vec<&str> = log
            .lines()
            .filter_map(|l| l.splitn(4, ' ').nth(3))
            .collect();
        let expected = [
            format!("-- listening on [::]:{port}"),
            format!("-- {addr} connected"),
            format!("<- {addr} hello"),
            format!("<- {addr} 你好\tok"),
            format!("<- {addr} \\x1B[2Jx"),
            format!("<- {addr} login: "),
            format!("-> {addr} 收到"),
            format!("-- {addr} disconnected (closed by peer, received 30 bytes, sent 6 bytes)"),
            "-- server stopped".to_string(),
        ];
        assert_eq!(tail, expected);
    });
}

#[test]
fn a_partial_line_is_forwarded_at_once() {
    let rt = runtime();
    rt.block_on(async {
        let config = SessionConfig::terminal(View::default(), None);
        let mut session = Session::spawn(&tokio::runtime::Handle::current(), config);
        let port = listening(&mut session).await;
        let mut client = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).expect("connect");
        client.write_all(b"login: ").expect("write");
        let started = std::time::Instant::now();
        let data = wait_for(&mut session, |event| match event {
            SessionEvent::Received { data, .. } => Some(data),
            _ => None,
        })
        .await;
        assert_eq!(&data[..], b"login: ");
        assert!(started.elapsed() < Duration::from_millis(200));
    });
}

#[test]
fn a_message_to_everyone_is_one_entry_naming_how_many() {
    let rt = runtime();
    rt.block_on(async {
        let config = SessionConfig::window(View::default(), HistoryLimits::default(), None);
        let mut session = Session::spawn(&tokio::runtime::Handle::current(), config);
        let port = listening(&mut session).await;
        let mut clients: Vec<TcpStream> = (0..3)
            .map(|_| TcpStream::connect((Ipv4Addr::LOCALHOST, port)).expect("connect"))
            .collect();
        for _ in 0..3 {
            wait_for(&mut session, |e| {
                matches!(e, SessionEvent::Connected { .. }).then_some(())
            })
            .await;
        }
        let report = session
            .send(Target::All, &Message::hex("48 69"))
            .expect("composes");
        assert_eq!(report.sent, 3);
        for client in &mut clients {
            let mut buf = [0u8; 2];
            client.read_exact(&mut buf).expect("read");
            assert_eq!(&buf, b"Hi");
        }
        history_rows(&session, 5).await;
        let shared = session.shared().lock();
        let transcript = shared.transcript();
        let last = transcript.row(transcript.row_count() - 1).expect("row");
        assert_eq!(last.line, "[HEX] 48 69");
        assert_eq!(last.recipients, Some(3));
        assert_eq!(last.entry.peer_label, "all(3)");
    });
}

#[test]
fn a_client_session_can_cancel_and_connect_again_at_once() {
    let rt = runtime();
    rt.block_on(async {
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let config = SessionConfig::window(View::default(), HistoryLimits::default(), None);
        let mut session = Session::spawn(&tokio::runtime::Handle::current(), config);
        let label = format!("127.0.0.1:{port}");
        session.connect(ClientConfig::new("127.0.0.1", port), label.clone());
        wait_for(&mut session, |e| {
            matches!(e, SessionEvent::Connected { .. }).then_some(())
        })
        .await;
        let (mut first, _) = listener.accept().expect("accept");
        first.write_all(b"one\n").expect("write");
        history_rows(&session, 3).await;
        session.stop();
        session.connect(ClientConfig::new("127.0.0.1", port), label.clone());
        wait_for(&mut session, |e| {
            matches!(e, SessionEvent::Connected { .. }).then_some(())
        })
        .await;
        let (mut second, _) = listener.accept().expect("accept");
        second.write_all(b"two\n").expect("write");
        let wait = async {
            loop {
                let got = texts(&session);
                let received: Vec<String> = got
                    .iter()
                    .filter(|(d, _, _)| *d == Direction::Received)
                    .map(|(_, _, t)| t.clone())
                    .collect();
                let closed = got
                    .iter()
                    .any(|(_, _, t)| t.starts_with("disconnected (closed by us"));
                if received == ["one", "two"] && closed {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        tokio::time::timeout(PATIENCE, wait)
            .await
            .expect("both lines and the first close");
        let shared = session.shared().lock();
        let notice = (0..shared.transcript().len())
            .filter_map(|i| shared.transcript().notice(i))
            .find(|n| matches!(n, Notice::Disconnected { .. }));
        assert!(notice.is_some(), "the close is a notice a window can word");
    });
}

#[test]
fn saving_runs_in_the_background_and_writes_every_line() {
    let rt = runtime();
    rt.block_on(async {
        let limits = HistoryLimits {
            max_bytes: 64 << 10,
        };
        let config = SessionConfig::window(View::default(), limits, None);
        let mut session = Session::spawn(&tokio::runtime::Handle::current(), config);
        let port = listening(&mut session).await;
        let mut client = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).expect("connect");
        let mut flood = String::new();
        for i in 0..20_000 {
            flood.push_str(&format!("line {i:06}\n"));
        }
        client.write_all(flood.as_bytes()).expect("write");
        history_rows(&session, 20_002).await;
        assert!(
            session.shared().lock().transcript().evicted().rows > 0,
            "spooled"
        );
        let path = temp_path("saved.log");
        session.save_history(path.clone());
        let lines = wait_for(&mut session, |event| match event {
            SessionEvent::Saved { lines, .. } => Some(lines),
            SessionEvent::SaveFailed { error, .. } => panic!("save failed: {error}"),
            _ => None,
        })
        .await;
        assert!(lines >= 20_002);
        let saved = std::fs::read_to_string(&path).expect("read saved");
        let received: Vec<&str> = saved
            .lines()
            .filter_map(|l| l.split_once(" <- ").map(|x| x.1))
            .map(|l| l.split_once(' ').map_or(l, |x| x.1))
            .collect();
        assert_eq!(received.len(), 20_000);
        for (i, line) in received.iter().enumerate() {
            assert_eq!(*line, format!("line {i:06}"));
        }
    });
}

#[test]
fn an_attempt_cancelled_before_it_connects_is_reported_at_once_and_never_as_connected() {
    let rt = runtime();
    rt.block_on(async {
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let config = SessionConfig::terminal(View::default(), None);
        let mut session = Session::spawn(&tokio::runtime::Handle::current(), config);
        let first = session.connect(ClientConfig::new("127.0.0.1", port), "first".into());
        session.stop();
        let second = session.connect(ClientConfig::new("127.0.0.1", port), "second".into());
        assert_ne!(first, second);
        // What a front end sees: the first attempt's cancel, then the second's connection;
        // never the first as connected (even if its handshake won the race).
        let mut seen = Vec::new();
        while !seen
            .iter()
            .any(|e: &String| e.starts_with("connected second"))
        {
            let event = tokio::time::timeout(PATIENCE, session.recv())
                .await
                .expect("event in time")
                .expect("session alive");
            match event {
                SessionEvent::ConnectFailed { attempt, error } => {
                    assert_eq!(attempt, first);
                    assert!(matches!(error, tcptalk_net::NetError::Cancelled { .. }));
                    seen.push("cancelled first".into());
                }
                SessionEvent::Connected {
                    attempt: Some(attempt),
                    label,
                    ..
                } => {
                    assert_eq!(attempt, second, "only the second connects");
                    seen.push(format!("connected {label}"));
                }
                _ => {}
            }
        }
        assert_eq!(seen, ["cancelled first", "connected second"]);
    });
}
