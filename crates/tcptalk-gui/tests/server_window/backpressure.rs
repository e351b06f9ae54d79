//! Back-pressure both ways: a client that does not read, a window that draws no frames.

use std::io::Write;
use std::time::{Duration, Instant};

use egui::Key;
use egui_kittest::kittest::Queryable;
use tcptalk_gui::Lang;

use crate::common::*;
use crate::{connect_client, start_listening, wait_for_clients};

#[test]
fn a_client_that_does_not_read_blocks_sending_and_the_window_says_so() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let port = start_listening(&mut harness);
    // Connected, and never reading until the end of the test.
    let mut client = connect_client(&mut harness, port, 1);
    // 64 KiB in lines of 64 bytes, so the input box lays out short lines.
    let message: String = (0..1024).map(|i| format!("{i:063}\n")).collect();
    let mut sent = 0usize;
    let mut refused = false;
    for _ in 0..2000 {
        harness.state_mut().pane_mut().set_message(&message);
        click(&mut harness, "发送信息");
        if harness.state().pane().message().is_empty() {
            sent += 1;
        } else {
            refused = true;
            break;
        }
    }
    assert!(refused, "the queue never filled after {sent} messages");
    let notice = notice_of(harness.state().pane());
    assert!(notice.contains("没有在读取数据"), "{notice}");
    assert!(notice.contains("这条消息没有发送"), "{notice}");
    // In red in the status bar and in the history.
    assert_eq!(
        harness
            .query_all_by_label_contains("没有在读取数据")
            .count(),
        2
    );
    assert!(harness.state().history().contains(&notice));
    let queued: u64 = notice
        .split("已有 ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("the notice says how many bytes are queued");
    assert!(queued >= 1 << 20, "{queued} bytes queued");

    // The window stays responsive, and the client list shows what waits for the client.
    let started = std::time::Instant::now();
    harness.step();
    assert!(started.elapsed() < Duration::from_secs(2));
    click(&mut harness, "已连接的客户端（1）");
    harness.get_by_label("待发送（字节）");
    assert!(
        harness.query_by_label(&queued.to_string()).is_some(),
        "{queued} queued bytes in the client list"
    );
    harness.key_press(Key::Escape);
    settle(&mut harness);

    // Nothing was sent in part: once the client reads, it gets exactly the accepted messages.
    let expected = sent * message.len();
    let mut got = 0usize;
    let mut buf = vec![0u8; 1 << 16];
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while got < expected {
        assert!(
            std::time::Instant::now() < deadline,
            "got {got} of {expected} bytes"
        );
        harness.step();
        match std::io::Read::read(&mut client, &mut buf) {
            Ok(0) => panic!("closed after {got} bytes"),
            Ok(n) => got += n,
            Err(err)
                if matches!(
                    err.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(err) => panic!("read failed: {err}"),
        }
    }
    assert_eq!(got, expected);
    assert_nothing_arrives(&mut client);
    // And now the same message goes through.
    harness.state_mut().pane_mut().set_message("after");
    click(&mut harness, "发送信息");
    read_exactly(&mut client, b"after");
}

/// A window that draws no frames (busy, minimised, covered, a slow renderer) still takes a
/// flood in: its session puts every line into the bounded history off the UI thread, so the peer
/// is never held up by the window's drawing and memory stays at the history's limit. The first
/// frame afterwards shows it all.
#[test]
fn a_window_that_draws_no_frames_still_takes_a_flood_in_bounded_memory() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let limit = 1 << 20;
    harness.state_mut().pane_mut().set_history_limit(limit);
    let port = start_listening(&mut harness);
    let mut client = connect_std(port);
    let me = client.local_addr().expect("address").to_string();
    wait_for_clients(&mut harness, 1);
    let before = harness.state().history().total_rows();
    const LINES: usize = 1 << 20;
    let line = [b"x".repeat(63), b"\n".to_vec()].concat();
    let block = line.repeat(4096);
    // No frames while the client writes 64 MiB, and none until every line is in.
    let started = Instant::now();
    for _ in 0..LINES / 4096 {
        client
            .write_all(&block)
            .expect("the window's session keeps reading");
    }
    drop(client);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let history = harness.state().history();
        if history.total_rows() > before + LINES as u64 {
            assert!(
                history.memory_bytes() <= limit + (256 << 10),
                "memory stays at the limit: {} bytes",
                history.memory_bytes()
            );
            break;
        }
        drop(history);
        assert!(Instant::now() < deadline, "the flood never arrived");
        std::thread::sleep(Duration::from_millis(20));
    }
    println!(
        "64 MiB taken in with no frame drawn: {:.2} s (debug build)",
        started.elapsed().as_secs_f64()
    );
    let left = format!(
        "客户端已断开：{me}（对方关闭了连接；收到 {} 字节，发送 0 字节）",
        LINES * 64
    );
    assert!(harness.state().history().contains(&left), "{left}");
    // The first frame shows where the history stands.
    harness.step();
    harness.get_by_label_contains("已不在内存中");
}
