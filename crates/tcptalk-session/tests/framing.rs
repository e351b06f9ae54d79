//! Framing views on a real socket, fed by python3's socket module with real pauses: an idle
//! gap cuts where the peer paused and stamps each frame at its first byte; timestamps are
//! present and in order; a change of framing is said in the history.

use std::time::{Duration, SystemTime};

use tcptalk_core::Framing;

use tcptalk_core::log::Direction;

use tcptalk_session::{Session, View};
use tcptalk_testkit::Peer;

mod common;

const PATIENCE: Duration = Duration::from_secs(20);

/// Connects to PORT, then for each "HEX MS" argument waits MS and sends the bytes.
const PACED: &str = r#"
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
print("connected", flush=True)
for step in sys.argv[2:]:
    data, ms = step.split(":")
    time.sleep(int(ms) / 1000)
    s.sendall(bytes.fromhex(data))
sys.stdin.readline()
"#;

async fn listening(view: View) -> (Session, u16) {
    let mut session = common::window_session(view);
    let port = common::listening(&mut session).await;
    (session, port)
}

/// Received entries (text, time) once there are `count` of them.
async fn received(session: &Session, count: usize) -> Vec<(String, SystemTime)> {
    let wait = async {
        loop {
            let got: Vec<(String, SystemTime)> = {
                let shared = session.shared().lock();
                shared
                    .transcript()
                    .iter()
                    .filter(|(entry, _)| entry.direction == Direction::Received)
                    .map(|(entry, _)| (entry.text.to_string(), entry.at))
                    .collect()
            };
            if got.len() >= count {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(PATIENCE, wait)
        .await
        .expect("entries in time")
}

#[test]
fn an_idle_gap_view_cuts_where_the_peer_paused_and_stamps_the_first_byte() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let view = View {
            framing: Framing::IdleGap(Duration::from_millis(50)),
            ..View::hex(Default::default())
        };
        let (session, port) = listening(view).await;
        let mut peer = Peer::python_code_with_args(
            PACED,
            &[&port.to_string(), "4142:0", "4344:10", "4546:200"],
        );
        assert_eq!(peer.line(), "connected");
        let got = received(&session, 2).await;
        assert_eq!(got[0].0, "[HEX] 41 42 43 44");
        assert_eq!(got[1].0, "[HEX] 45 46");
        // ABCD is stamped at its first byte, 210 ms before EF's, not when the gap closed it.
        let apart = got[1].1.duration_since(got[0].1).expect("in order");
        println!("ABCD then EF, stamped {} ms apart", apart.as_millis());
        assert!(
            apart >= Duration::from_millis(180) && apart < Duration::from_millis(400),
            "{apart:?}"
        );
        peer.say("done");
    });
}

#[test]
fn timestamps_are_present_and_in_order_and_a_new_framing_is_said() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let (session, port) = listening(View::default()).await;
        let steps: Vec<String> = (0..40)
            .map(|i| format!("{}:{}", hex(format!("line {i}\n").as_bytes()), i % 3))
            .collect();
        let mut args = vec![port.to_string()];
        args.extend(steps);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let started = SystemTime::now();
        let mut peer = Peer::python_code_with_args(PACED, &args);
        assert_eq!(peer.line(), "connected");
        let got = received(&session, 40).await;
        assert!(got.windows(2).all(|w| w[0].1 <= w[1].1), "in order");
        assert!(got[0].1 >= started && got[39].1 <= SystemTime::now());
        assert_eq!(got[39].0, "line 39");

        let delimited = View {
            framing: Framing::Delimiter(vec![b';']),
            ..View::default()
        };
        session.set_view(delimited);
        let wait = async {
            loop {
                let said = session
                    .shared()
                    .lock()
                    .transcript()
                    .iter()
                    .any(|(entry, _)| entry.text.contains("cut into frames by: delim:3B"));
                if said {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        tokio::time::timeout(PATIENCE, wait).await.expect("said");
        peer.say("done");
    });
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn counters_add_up_closed_and_open_connections_and_start_again_at_a_reset() {
    use std::io::{Read, Write};
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let (session, port) = listening(View::default()).await;
        let mut first = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
        first.write_all(b"one\ntwo\n").expect("write");
        received(&session, 2).await;
        drop(first);
        let mut second = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
        second.write_all(b"three\n").expect("write");
        received(&session, 3).await;
        let report = session
            .send(
                tcptalk_session::Target::All,
                &tcptalk_session::Message::text("ok"),
            )
            .expect("composes");
        assert_eq!(report.sent, 1);
        let mut got = [0u8; 2];
        second.read_exact(&mut got).expect("read");
        // The engine counts a write once the system call returns, which may be just after the
        // peer has read it.
        let counted = async {
            while session.shared().lock().totals().sent_bytes < 2 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        };
        tokio::time::timeout(PATIENCE, counted)
            .await
            .expect("counted");
        let totals = session.shared().lock().totals();
        assert_eq!((totals.received_bytes, totals.received_messages), (14, 3));
        assert_eq!((totals.sent_bytes, totals.sent_messages), (2, 1));
        session.reset_counters();
        second.write_all(b"four\n").expect("write");
        received(&session, 4).await;
        let totals = session.shared().lock().totals();
        assert_eq!((totals.received_bytes, totals.received_messages), (5, 1));
        assert_eq!((totals.sent_bytes, totals.sent_messages), (0, 0));
        let peer = session.shared().lock().peers().ids()[0];
        let status = session.shared().lock().peers().status(peer).expect("peer");
        assert!(status.last_activity >= status.since);
    });
}

#[test]
fn a_partial_delimited_frame_waits_without_waking_anyone_and_a_reply_follows_its_question() {
    use std::io::Write;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let view = View {
            framing: Framing::Delimiter(vec![0x03]),
            ..View::default()
        };
        let (session, port) = listening(view).await;
        let wakes = Arc::new(AtomicUsize::new(0));
        let counted = wakes.clone();
        session.set_waker(move || {
            counted.fetch_add(1, Ordering::Relaxed);
        });
        let book = tcptalk_session::RuleBook::parse(
            "[[rule]]\nmatch = \"exact\"\npattern = \"\\u0002PING\\u0003\"\nreply = \"PONG\"\n",
            std::path::Path::new("rules.toml"),
        )
        .expect("rules");
        session.set_rules(Some(std::sync::Arc::new(book)));
        let mut client = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
        client.write_all(b"\x02PING\x03\x02half").expect("write");
        received(&session, 1).await;
        // Answered, and shown after what it answers.
        let wait = async {
            loop {
                let order: Vec<(Direction, String)> = session
                    .shared()
                    .lock()
                    .transcript()
                    .iter()
                    .filter(|(entry, _)| entry.direction != Direction::Info)
                    .map(|(entry, _)| (entry.direction, entry.text.to_string()))
                    .collect();
                if order.len() >= 2 {
                    return order;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        let order = tokio::time::timeout(PATIENCE, wait)
            .await
            .expect("answered");
        assert_eq!(order[0].0, Direction::Received);
        assert_eq!(order[1], (Direction::Sent, "PONG".to_string()));
        // The partial frame `\x02half` waits for its delimiter: no timer wakes the front end.
        // A window would draw a frame after each wake, and may be woken again after it.
        let before = wakes.load(Ordering::Relaxed);
        for _ in 0..30 {
            session.begin_frame();
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let woken = wakes.load(Ordering::Relaxed) - before;
        assert!(woken <= 1, "woken {woken} times while nothing happened");
    });
}
