//! Load: 10,000 clients, a flood of lines, a million lines through memory, spool and log.

use std::io::Write;
use std::time::Duration;

use egui::Key;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use tcptalk_gui::{Lang, ServerWindow};

use crate::common::*;
use crate::{
    connect_client, slowest_frame, slowest_frame_within, start_listening, wait_for_clients,
    wait_for_history,
};

/// 10,000 clients at once (issue 4): they all get in, the window keeps drawing frames while
/// they arrive, the client list opens at once, one message reaches every one of them, and all
/// of them leaving is handled. The clients are python3 sockets in their own process, so the
/// two ends do not share one process's descriptor limit.
#[test]
fn ten_thousand_clients_keep_the_window_responsive() {
    const CLIENTS: usize = 10_000;
    let limit = rlimit::increase_nofile_limit(u64::MAX).expect("raise the descriptor limit");
    assert!(
        limit >= CLIENTS as u64 + 200,
        "this test needs {} open files, the system allows {limit}",
        CLIENTS + 200
    );
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let port = start_listening(&mut harness);
    let message = "大家好 10k\n";
    let mut crowd = Peer::python(
        "many_clients.py",
        &[&port.to_string(), &CLIENTS.to_string(), message],
    );

    let slowest = slowest_frame(&mut harness, |w| w.client_count() == CLIENTS);
    assert_eq!(crowd.line(), "connected");
    println!("10,000 clients joined; slowest frame meanwhile {slowest:?} (debug build)");
    assert!(
        slowest < Duration::from_millis(1000),
        "a frame took {slowest:?}"
    );
    let header = "已连接的客户端（10000）";
    click(&mut harness, header);
    let started = std::time::Instant::now();
    harness.step();
    let open_frame = started.elapsed();
    println!("a frame with the list of 10,000 open: {open_frame:?}");
    assert!(open_frame < Duration::from_millis(500), "{open_frame:?}");
    // The list shows the first rows with their figures, not 10,000 widgets.
    assert!(harness.query_all_by_label("0").count() < 200);
    harness.key_press(Key::Escape);
    settle(&mut harness);

    harness.state_mut().pane_mut().set_message(message);
    click(&mut harness, "发送信息");
    assert_eq!(harness.state().pane().notice(), None);
    crowd.say("read");
    let received = run_until_line(&mut harness, &mut crowd);
    assert_eq!(received, format!("received {CLIENTS}"));
    assert!(
        harness
            .state()
            .history()
            .contains("[全部 10000 个客户端] 服务器端发送消息为：大家好 10k")
    );

    crowd.say("close");
    let slowest = slowest_frame(&mut harness, |w| w.client_count() == 0);
    assert_eq!(run_until_line(&mut harness, &mut crowd), "closed");
    assert!(
        slowest < Duration::from_millis(1000),
        "a frame took {slowest:?}"
    );
    let left = harness
        .state()
        .history()
        .entries()
        .filter(|e| e.starts_with("客户端已断开：") && e.contains("收到 0 字节，发送 14 字节"))
        .count();
    assert_eq!(left, CLIENTS, "each client left with its exact byte counts");
    harness.get_by_label("未连接");
}

/// Steps the window until the peer prints its next line.
fn run_until_line(harness: &mut Harness<'_, ServerWindow>, peer: &mut Peer) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(line) = peer.try_line() {
            return line;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the peer said nothing"
        );
        harness.step();
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_flood_of_lines_is_shown_whole_without_long_frames() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let port = start_listening(&mut harness);
    let mut client = connect_client(&mut harness, port, 1);
    let lines = 20_000;
    let writer = std::thread::spawn(move || {
        let mut data = Vec::new();
        for i in 0..lines {
            data.extend_from_slice(
                format!("flood line {i:06} 洪水测试 abcdefghijklmnopqrstuvwxyz\n").as_bytes(),
            );
        }
        client.write_all(&data).expect("write the flood");
        client
    });
    let slowest = slowest_frame(&mut harness, |w| w.history().contains("flood line 019999"));
    let _client = writer.join().expect("writer thread");
    assert!(
        slowest < Duration::from_millis(1000),
        "a frame took {slowest:?}"
    );
    let received = harness
        .state()
        .history()
        .entries()
        .filter(|e| e.contains("客户端发送消息为：flood line"))
        .count();
    assert_eq!(received, lines);
}

/// Issue 4's proof: after a 1,000,000-line flood through a real socket, every line is in the
/// history (memory + spool, written out by 保存历史) and in the log, in order, and the bytes
/// the peer sent == the bytes the window counted == the bytes in those lines.
#[test]
fn a_million_line_flood_is_all_in_the_history_and_the_log_in_order() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    // About 1,500 lines fit in memory; the rest of the flood goes to the spool.
    harness.state_mut().pane_mut().set_history_limit(128 << 10);
    let dir = std::env::temp_dir().join(format!("tcptalk-gui-million-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let log_path = dir.join("session.log");
    let log = tcptalk_gui::SharedLog::open(&log_path).expect("open the log");
    harness.state_mut().set_log(Some(log));
    let port = start_listening(&mut harness);
    let mut client = connect_std(port);
    let me = client.local_addr().expect("address").to_string();
    wait_for_clients(&mut harness, 1);
    let before = harness.state().history().total_rows();
    const LINES: usize = 1_000_000;
    let line = |i: usize| format!("flood line {i:07} 洪水测试 abcdefghijklmnopqrstuvwxyz");
    let writer = std::thread::spawn(move || {
        let mut data = Vec::new();
        for i in 0..LINES {
            data.extend_from_slice(line(i).as_bytes());
            data.push(b'\n');
        }
        client.write_all(&data).expect("write the flood");
        data.len()
    });
    let started = std::time::Instant::now();
    let slowest = slowest_frame_within(&mut harness, Duration::from_secs(300), |w| {
        w.history().total_rows() >= before + LINES as u64
    });
    let bytes_sent = writer.join().expect("writer thread");
    println!(
        "1,000,000 lines into the window: {:.1} s, slowest frame {slowest:?} (debug build)",
        started.elapsed().as_secs_f64()
    );
    assert!(
        slowest < Duration::from_millis(1000),
        "a frame took {slowest:?}"
    );
    // A frame may still move rows out of memory at its start: let it happen before counting.
    harness.run_ok();
    let (in_memory, evicted) = {
        let history = harness.state().history();
        (history.len(), history.evicted())
    };
    assert!(
        in_memory < 5_000 && evicted.rows > 990_000,
        "most lines left memory: {in_memory} in memory, {evicted:?}"
    );
    assert_eq!(evicted.lost_rows, 0);
    // The window says how much is no longer in memory.
    harness.get_by_label_contains(&format!("有 {} 行", evicted.rows));
    harness.get_by_label_contains("已不在内存中");

    // The client leaves: the window counted exactly the bytes it sent.
    wait_until_gone(&mut harness, &me);
    let left = format!("客户端已断开：{me}（对方关闭了连接；收到 {bytes_sent} 字节，发送 0 字节）");
    assert!(harness.state().history().contains(&left), "{left}");

    let path = dir.join("saved.log");
    type_into(&mut harness, "保存到：", &path.display().to_string());
    let total = harness.state().history().total_rows();
    click(&mut harness, "保存历史");
    wait_for_history(
        &mut harness,
        &format!("已保存全部 {total} 行历史到 {}", path.display()),
    );
    let saved = std::fs::read_to_string(&path).expect("read the saved history");
    assert_eq!(saved.lines().count() as u64, total);
    // Notices are saved too, in the log's one wording.
    assert!(saved.contains(" -- listening on "), "notices are saved too");
    // The session flushes the log whenever it has nothing waiting, as it has now.
    harness.state_mut().set_log(None);
    run_for(&mut harness, Duration::from_millis(200));
    let logged = std::fs::read_to_string(&log_path).expect("read the log");
    let _ = std::fs::remove_dir_all(&dir);
    let marker = format!(" <- {me} ");
    for (what, text) in [("saved history", &saved), ("log", &logged)] {
        let mut count = 0;
        let mut bytes = 0;
        for (i, text) in text
            .lines()
            .filter_map(|l| l.split_once(&marker).map(|(_, text)| text))
            .enumerate()
        {
            assert_eq!(text, line(i), "line {i} of the {what}, in order");
            count += 1;
            bytes += text.len() + 1;
        }
        assert_eq!(count, LINES, "every line is in the {what}");
        assert_eq!(bytes, bytes_sent, "every byte is in the {what}");
    }
}

/// Waits until the window has seen the client named `me` leave.
fn wait_until_gone(harness: &mut Harness<'_, ServerWindow>, me: &str) {
    wait_for_history(harness, &format!("客户端已断开：{me}"));
}
