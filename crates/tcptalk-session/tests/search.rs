//! Searching the history while it is filled by a real peer: every match found, in order, with
//! progress, filters by direction and peer, hex, and a new search replacing the old.

use std::io::Write;
use std::time::{Duration, Instant};

use tcptalk_core::log::Direction;
use tcptalk_session::{SearchQuery, Session, View};

mod common;

const LINES: u64 = 100_000;

#[test]
fn a_search_finds_every_match_in_order_in_the_background() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let mut session = common::window_session(View::default());
        let port = common::listening(&mut session).await;
        let mut client = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
        let mut text = String::new();
        for i in 0..LINES {
            let tag = if i % 1000 == 7 { "ALARM" } else { "ok" };
            text.push_str(&format!("line {i} {tag} 温度\n"));
        }
        client.write_all(text.as_bytes()).expect("write");
        let deadline = Instant::now() + Duration::from_secs(60);
        while session.shared().lock().transcript().total_rows() < LINES + 2 {
            assert!(Instant::now() < deadline, "lines in time");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }

        let started = Instant::now();
        session
            .search(SearchQuery {
                text: "alarm".into(),
                ..SearchQuery::default()
            })
            .expect("query");
        let state = loop {
            if let Some(state) = session.shared().lock().search().cloned()
                && state.finished
            {
                break state;
            }
            assert!(Instant::now() < deadline, "search in time");
            tokio::time::sleep(Duration::from_millis(5)).await;
        };
        println!(
            "{} matches in {} entries in {:.1} ms",
            state.matches.len(),
            state.done,
            started.elapsed().as_secs_f64() * 1e3
        );
        assert_eq!(state.matches.len() as u64, LINES / 1000);
        assert!(state.matches.windows(2).all(|w| w[0] < w[1]));
        {
            let shared = session.shared().lock();
            let transcript = shared.transcript();
            let row = transcript
                .row_of_entry(state.matches[0])
                .expect("in memory");
            let shown = transcript.row(row).expect("row");
            assert_eq!(shown.line, "line 7 ALARM 温度");
        }

        // Case matters when asked; a direction with no such entries finds nothing.
        session
            .search(SearchQuery {
                text: "alarm".into(),
                case_sensitive: true,
                ..SearchQuery::default()
            })
            .expect("query");
        let finished = |session: &Session| {
            session
                .shared()
                .lock()
                .search()
                .filter(|s| s.finished)
                .cloned()
        };
        let state = loop {
            if let Some(state) = finished(&session) {
                break state;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        };
        assert!(state.matches.is_empty());
        session
            .search(SearchQuery {
                text: "温度".into(),
                direction: Some(Direction::Sent),
                ..SearchQuery::default()
            })
            .expect("query");
        let state = loop {
            if let Some(state) = finished(&session) {
                break state;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        };
        assert!(state.matches.is_empty());
        // One peer's entries: the client's own label finds them, another finds none.
        let label = client.local_addr().expect("addr").to_string();
        for (peer, expected) in [(label, LINES / 1000), ("10.9.9.9:1".to_string(), 0)] {
            session
                .search(SearchQuery {
                    text: "ALARM".into(),
                    peer: Some(peer.clone()),
                    ..SearchQuery::default()
                })
                .expect("query");
            let state = loop {
                if let Some(state) = finished(&session) {
                    break state;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            };
            assert_eq!(state.matches.len() as u64, expected, "{peer}");
        }
        // Hex with a mistake is refused; an empty query clears the search.
        let bad = session.search(SearchQuery {
            text: "0G".into(),
            hex: true,
            ..SearchQuery::default()
        });
        assert!(bad.expect_err("bad hex").to_string().contains("character"));
        session.search(SearchQuery::default()).expect("clear");
        assert!(session.shared().lock().search().is_none());
    });
}
