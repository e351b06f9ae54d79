//! Descriptor leaks over many connections. Alone in its own test binary, so no other test's
//! sockets move the count in `/proc/self/fd`.

use std::time::Duration;

use tcptalk_net::EventReceiver as Receiver;
use tcptalk_net::{ClientConfig, CloseReason, Event, event_channel, spawn_client};

mod common;
use common::{connected, next, server};

async fn closed(events: &mut Receiver) -> CloseReason {
    loop {
        match next(events).await {
            Event::Closed { reason, .. } => return reason,
            Event::Received { .. } | Event::Sent { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_connect_close_cycles_leak_no_descriptors() {
    let (server, mut server_events, addr) = server(false).await;
    let baseline = open_fds();
    let runtime = tokio::runtime::Handle::current();
    for cycle in 0..2000 {
        let (tx, mut rx) = event_channel(16);
        let client = spawn_client(&runtime, ClientConfig::new("127.0.0.1", addr.port()), tx);
        assert!(matches!(next(&mut rx).await, Event::Connecting { .. }));
        let conn = connected(&mut rx).await;
        let accepted = connected(&mut server_events).await;
        // Alternate who closes.
        if cycle % 2 == 0 {
            client.cancel();
        } else {
            accepted.close();
        }
        let _ = closed(&mut rx).await;
        let _ = closed(&mut server_events).await;
        drop(conn);
    }
    // Tasks release their sockets right after the last event; give them a moment (bounded:
    // 10 s, for a loaded CI machine where a task may run late).
    let mut now = open_fds();
    for _ in 0..500 {
        if now <= baseline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        now = open_fds();
    }
    assert!(
        now <= baseline,
        "descriptors: {baseline} before, {now} after 2000 cycles"
    );
    server.stop();
}
