//! The server window (服务器), driven by its labels like a person would, against real clients
//! on the loopback interface.

mod common;

use std::io::Write;
use std::net::TcpListener;
use std::time::Duration;

use common::*;
use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use tcptalk_gui::{Lang, ServerWindow};

/// Types a free port and clicks 启动服务器; returns the port once the history says it listens.
fn start_listening(harness: &mut Harness<'_, ServerWindow>) -> u16 {
    let port = free_port();
    type_into(harness, "端口：", &port.to_string());
    click(harness, "启动服务器");
    wait_for(harness, "the server to listen", |h| {
        h.state().local_addr().is_some()
    });
    port
}

fn wait_for_history(harness: &mut Harness<'_, ServerWindow>, text: &str) {
    wait_for(harness, &format!("history line {text:?}"), |h| {
        h.state().history().contains(text)
    });
}

/// Connects a std client and waits until the window lists `count` clients.
fn connect_client(
    harness: &mut Harness<'_, ServerWindow>,
    port: u16,
    count: usize,
) -> std::net::TcpStream {
    let client = connect_std(port);
    wait_for_clients(harness, count);
    client
}

fn wait_for_clients(harness: &mut Harness<'_, ServerWindow>, count: usize) {
    wait_for(harness, &format!("{count} clients"), |h| {
        h.state().client_count() == count
    });
}

#[test]
fn listening_shows_the_real_port_and_disables_start() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    assert!(!is_disabled(&harness, "启动服务器"));
    assert!(is_disabled(&harness, "停止服务器"));
    harness.get_by_label("未连接");

    let port = start_listening(&mut harness);
    assert_eq!(harness.state().local_addr().map(|a| a.port()), Some(port));
    wait_for_history(&mut harness, &format!("正在监听端口 {port}"));
    assert!(is_disabled(&harness, "启动服务器"));
    assert!(!is_disabled(&harness, "停止服务器"));
    // The history is real text on screen, not only in the model.
    harness.get_by_label_contains("正在监听端口");
}

#[test]
fn port_zero_listens_on_a_port_chosen_by_the_system() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    type_into(&mut harness, "端口：", "0");
    click(&mut harness, "启动服务器");
    wait_for(&mut harness, "listening", |h| {
        h.state().local_addr().is_some()
    });
    let port = harness.state().local_addr().map(|a| a.port()).unwrap_or(0);
    assert_ne!(port, 0);
    assert!(
        harness
            .state()
            .history()
            .contains(&format!("正在监听端口 {port}"))
    );
}

#[test]
fn client_messages_appear_in_history_with_their_sender() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let port = start_listening(&mut harness);
    let mut client = connect_std(port);
    let me = client.local_addr().expect("address").to_string();
    wait_for_clients(&mut harness, 1);
    harness.get_by_label("已连接");

    client
        .write_all("你好，服务器\n".as_bytes())
        .expect("write");
    wait_for_history(
        &mut harness,
        &format!("[{me}] 客户端发送消息为：你好，服务器"),
    );

    // One message split across two writes, in the middle of a character.
    let split = "分两次发送的消息\n".as_bytes();
    client.write_all(&split[..4]).expect("write");
    client.flush().expect("flush");
    run_for(&mut harness, Duration::from_millis(30));
    client.write_all(&split[4..]).expect("write");
    wait_for_history(&mut harness, "客户端发送消息为：分两次发送的消息");
    harness.get_by_label_contains("分两次发送的消息");
}

#[test]
fn text_without_line_end_shows_after_a_pause_once() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let port = start_listening(&mut harness);
    let mut client = connect_client(&mut harness, port, 1);

    client.write_all("login: ".as_bytes()).expect("write");
    wait_for_history(&mut harness, "客户端发送消息为：login: ");
    client.write_all("root\n".as_bytes()).expect("write");
    wait_for_history(&mut harness, "客户端发送消息为：root");
    run_for(&mut harness, Duration::from_millis(250));
    let history = harness.state().history();
    let prompts = history.entries().filter(|e| e.contains("login:")).count();
    assert_eq!(prompts, 1, "the partial line must appear exactly once");
    assert!(
        !history.contains("login: root"),
        "no text may be shown twice"
    );
}

#[test]
fn partial_line_is_shown_when_the_client_leaves() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let port = start_listening(&mut harness);
    let mut client = connect_client(&mut harness, port, 1);
    client.write_all("再见".as_bytes()).expect("write");
    drop(client);
    wait_for_history(&mut harness, "客户端发送消息为：再见");
    wait_for_history(&mut harness, "客户端已断开");
    harness.get_by_label("未连接");
}

#[test]
fn peer_text_is_shown_literally_and_nothing_after_nul_is_lost() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let port = start_listening(&mut harness);
    let mut client = connect_client(&mut harness, port, 1);
    client
        .write_all(b"<h1>big</h1> \x1b[31mred\x00after nul\n")
        .expect("write");
    wait_for_history(&mut harness, "after nul");
    let history = harness.state().history();
    assert!(history.contains("<h1>big</h1>"));
    assert!(history.contains("\\0after nul"));
    assert!(!history.contains('\u{1b}'.to_string().as_str()));
}

#[test]
fn send_reaches_the_client_and_the_history() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let port = start_listening(&mut harness);
    let mut client = connect_std(port);
    let me = client.local_addr().expect("address").to_string();
    wait_for_clients(&mut harness, 1);

    send_message(&mut harness, "收到，客户端。第二条消息");
    read_exactly(&mut client, "收到，客户端。第二条消息".as_bytes());
    wait_for_history(
        &mut harness,
        &format!("[{me}] 服务器端发送消息为：收到，客户端。第二条消息"),
    );
    // The input is emptied and keeps the focus for the next message.
    let input = harness.get_by_label("发送的信息");
    assert_eq!(input.value().as_deref(), Some(""));
    assert!(input.is_focused());
}

#[test]
fn enter_sends_and_shift_enter_starts_a_new_line() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let port = start_listening(&mut harness);
    let mut client = connect_client(&mut harness, port, 1);

    type_into(&mut harness, "发送的信息", "line1 多行");
    harness.key_press_modifiers(Modifiers::SHIFT, Key::Enter);
    harness.run();
    harness.get_by_label("发送的信息").type_text("line2 第二行");
    harness.run();
    harness.key_press(Key::Enter);
    harness.run();
    read_exactly(&mut client, "line1 多行\nline2 第二行".as_bytes());
    let history = harness.state().history();
    let sent: Vec<String> = history
        .entries()
        .filter(|e| e.contains("服务器端发送消息为"))
        .collect();
    assert_eq!(sent.len(), 1, "a multi-line message is one entry: {sent:?}");
    assert!(sent[0].ends_with("服务器端发送消息为：line1 多行\nline2 第二行"));
    assert!(harness.get_by_label("发送的信息").is_focused());
}

#[test]
fn empty_message_sends_nothing() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let port = start_listening(&mut harness);
    let mut client = connect_client(&mut harness, port, 1);
    let before = harness.state().history().len();
    click(&mut harness, "发送信息");
    assert_nothing_arrives(&mut client);
    assert_eq!(harness.state().history().len(), before);
}

#[test]
fn send_with_no_client_is_explained() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    start_listening(&mut harness);
    assert!(is_disabled(&harness, "发送信息"));
    type_into(&mut harness, "发送的信息", "有人吗");
    harness.key_press(Key::Enter);
    harness.run();
    assert!(
        harness
            .state()
            .history()
            .contains("没有已连接的客户端，消息没有发送")
    );
    // The message is kept for when someone connects.
    assert_eq!(
        harness.get_by_label("发送的信息").value().as_deref(),
        Some("有人吗")
    );
}

#[test]
fn send_to_one_client_or_to_all() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let port = start_listening(&mut harness);
    let mut first = connect_client(&mut harness, port, 1);
    let mut second = connect_client(&mut harness, port, 2);
    let mut third = connect_client(&mut harness, port, 3);
    let second_name = second.local_addr().expect("address").to_string();

    // To the second client only.
    click(&mut harness, "发送给：");
    click(&mut harness, &second_name);
    send_message(&mut harness, "只给你");
    read_exactly(&mut second, "只给你".as_bytes());
    assert_nothing_arrives(&mut first);
    assert_nothing_arrives(&mut third);
    assert!(
        harness
            .state()
            .history()
            .contains(&format!("[{second_name}] 服务器端发送消息为：只给你"))
    );

    // Back to everyone.
    click(&mut harness, "发送给：");
    click(&mut harness, "全部客户端");
    send_message(&mut harness, "大家好");
    for client in [&mut first, &mut second, &mut third] {
        read_exactly(client, "大家好".as_bytes());
    }
    assert!(
        harness
            .state()
            .history()
            .contains("[全部 3 个客户端] 服务器端发送消息为：大家好")
    );
}

#[test]
fn a_chosen_client_can_be_disconnected() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let port = start_listening(&mut harness);
    let mut first = connect_client(&mut harness, port, 1);
    let mut second = connect_client(&mut harness, port, 2);
    let first_name = first.local_addr().expect("address").to_string();

    click(&mut harness, "发送给：");
    click(&mut harness, &first_name);
    click(&mut harness, "断开此客户端");
    wait_for_eof(&mut first);
    wait_for_clients(&mut harness, 1);
    wait_for_history(&mut harness, &format!("客户端已断开：{first_name}"));
    // The other client is still there and the status still shows a connection.
    harness.get_by_label("已连接");
    assert_nothing_arrives(&mut second);
}

#[test]
fn listen_on_a_port_in_use_explains_and_keeps_the_button() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let taken = TcpListener::bind("0.0.0.0:0").expect("bind");
    let port = taken.local_addr().expect("address").port();
    type_into(&mut harness, "端口：", &port.to_string());
    click(&mut harness, "启动服务器");
    wait_for(&mut harness, "the failure", |h| {
        h.state().history().contains("已被占用")
    });
    assert!(!is_disabled(&harness, "启动服务器"));
    assert!(harness.state().local_addr().is_none());

    // Once the port is free, the same button works.
    drop(taken);
    click(&mut harness, "启动服务器");
    wait_for(&mut harness, "listening", |h| {
        h.state().local_addr().is_some()
    });
}

#[test]
fn invalid_ports_are_explained_and_nothing_starts() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    for (input, expected) in [
        ("abc", "不是端口号"),
        ("70000", "太大"),
        ("", "没有填写端口"),
        ("-1", "不是端口号"),
        ("65536", "太大"),
        ("99999999999", "太大"),
    ] {
        type_into(&mut harness, "端口：", input);
        click(&mut harness, "启动服务器");
        run_for(&mut harness, Duration::from_millis(50));
        assert!(
            harness.state().history().contains(expected),
            "port {input:?} should be explained with {expected:?}"
        );
        assert!(harness.state().local_addr().is_none());
        assert!(!is_disabled(&harness, "启动服务器"));
    }
}

#[test]
fn stop_server_frees_the_port_for_a_new_start() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let port = start_listening(&mut harness);
    let mut client = connect_client(&mut harness, port, 1);

    click(&mut harness, "停止服务器");
    wait_for_history(&mut harness, "服务器已停止");
    wait_for_eof(&mut client);
    assert_eq!(harness.state().client_count(), 0);
    assert!(!is_disabled(&harness, "启动服务器"));
    harness.get_by_label("未连接");

    click(&mut harness, "启动服务器");
    wait_for(&mut harness, "listening again", |h| {
        h.state().local_addr().is_some()
    });
    assert_eq!(harness.state().local_addr().map(|a| a.port()), Some(port));
}

#[test]
fn gbk_encoding_decodes_received_bytes_and_encodes_sent_text() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let port = start_listening(&mut harness);
    click(&mut harness, "编码：");
    click(&mut harness, "GBK");
    let mut client = connect_client(&mut harness, port, 1);
    // 你好 in GBK.
    client
        .write_all(&[0xC4, 0xE3, 0xBA, 0xC3, b'\n'])
        .expect("write");
    wait_for_history(&mut harness, "客户端发送消息为：你好");
    send_message(&mut harness, "中文");
    read_exactly(&mut client, &[0xD6, 0xD0, 0xCE, 0xC4]);
}

#[test]
fn english_server_window_uses_english_words() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::En);
    harness.get_by_label("Not connected");
    let port = free_port();
    type_into(&mut harness, "Port:", &port.to_string());
    click(&mut harness, "Start server");
    wait_for(&mut harness, "listening", |h| {
        h.state().local_addr().is_some()
    });
    assert!(
        harness
            .state()
            .history()
            .contains(&format!("listening on port {port}"))
    );
    let mut client = connect_std(port);
    let me = client.local_addr().expect("address").to_string();
    wait_for_clients(&mut harness, 1);
    harness.get_by_label("Connected");
    client.write_all(b"hi\n").expect("write");
    wait_for(&mut harness, "the message", |h| {
        h.state()
            .history()
            .contains(&format!("[{me}] Client says: hi"))
    });
    type_into(&mut harness, "Message to send", "hello from server");
    click(&mut harness, "Send");
    read_exactly(&mut client, b"hello from server");
    assert!(
        harness
            .state()
            .history()
            .contains("Server says: hello from server")
    );
}

#[test]
fn language_can_be_switched_in_the_window() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    click(&mut harness, "语言：");
    click(&mut harness, "English");
    harness.run();
    harness.get_by_label("Start server");
    assert_eq!(harness.state().lang(), Lang::En);
}

#[test]
fn client_list_shows_byte_counts_and_picks_the_target() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let port = start_listening(&mut harness);
    let mut first = connect_client(&mut harness, port, 1);
    let mut second = connect_client(&mut harness, port, 2);
    let first_name = first.local_addr().expect("address").to_string();
    first.write_all(b"12345\n").expect("write");
    wait_for_history(&mut harness, "客户端发送消息为：12345");

    click(&mut harness, "已连接的客户端（2）");
    harness.get_by_label("收到（字节）");
    assert!(
        harness.query_by_label("6").is_some(),
        "6 bytes came from the first client"
    );
    click(&mut harness, &first_name);
    harness.key_press(Key::Escape);
    settle(&mut harness);

    send_message(&mut harness, "picked");
    read_exactly(&mut first, b"picked");
    assert_nothing_arrives(&mut second);
}

#[test]
fn log_file_gets_every_history_entry() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let path = std::env::temp_dir().join(format!("tcptalk-gui-log-{}.txt", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let log = tcptalk_gui::SharedLog::open(&path).expect("open the log");
    harness.state_mut().set_log(Some(log));
    let port = start_listening(&mut harness);
    let mut client = connect_client(&mut harness, port, 1);
    let me = client.local_addr().expect("address").to_string();
    client
        .write_all("日志里的消息\n".as_bytes())
        .expect("write");
    wait_for_history(&mut harness, "客户端发送消息为：日志里的消息");
    send_message(&mut harness, "第一行\n第二行");
    read_exactly(&mut client, "第一行\n第二行".as_bytes());

    let text = std::fs::read_to_string(&path).expect("read the log");
    let _ = std::fs::remove_file(&path);
    assert_eq!(
        text.lines().count(),
        harness.state().history().len(),
        "{text}"
    );
    assert!(text.contains(&format!("正在监听端口 {port}")), "{text}");
    // The log names the peer and the direction; the window's words are not repeated in it.
    assert!(text.contains(&format!(" <- {me} 日志里的消息\n")), "{text}");
    assert!(
        text.contains(&format!(" -> {me} 第一行\\n第二行\n")),
        "{text}"
    );
}

/// The slowest frame run until `until` holds (at most 30 s), while the engine keeps
/// delivering events.
fn slowest_frame(
    harness: &mut Harness<'_, ServerWindow>,
    until: impl Fn(&ServerWindow) -> bool,
) -> Duration {
    slowest_frame_within(harness, Duration::from_secs(30), until)
}

fn slowest_frame_within(
    harness: &mut Harness<'_, ServerWindow>,
    limit: Duration,
    until: impl Fn(&ServerWindow) -> bool,
) -> Duration {
    let deadline = std::time::Instant::now() + limit;
    let mut slowest = Duration::ZERO;
    while !until(harness.state()) {
        assert!(std::time::Instant::now() < deadline, "timed out");
        let started = std::time::Instant::now();
        harness.step();
        slowest = slowest.max(started.elapsed());
        std::thread::sleep(Duration::from_millis(2));
    }
    slowest
}

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
    let history = harness.state().history();
    let evicted = history.evicted();
    assert!(
        history.len() < 5_000 && evicted.rows > 990_000,
        "most lines left memory: {} in memory, {evicted:?}",
        history.len()
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
    click(&mut harness, "保存历史");
    let total = harness.state().history().total_rows() - 1; // not counting the note about saving
    wait_for_history(
        &mut harness,
        &format!("已保存全部 {total} 行历史到 {}", path.display()),
    );
    let saved = std::fs::read_to_string(&path).expect("read the saved history");
    assert_eq!(saved.lines().count() as u64, total);
    assert!(saved.contains("正在监听端口"), "notices are saved too");
    harness.state_mut().set_log(None);
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

/// 十六进制发送 from the server: every client gets exactly the bytes; a mistake reaches no one.
#[test]
fn hex_send_reaches_every_client_exactly_or_no_one() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let port = start_listening(&mut harness);
    let mut first = connect_client(&mut harness, port, 1);
    let mut second = connect_client(&mut harness, port, 2);

    click(&mut harness, "十六进制发送");
    send_message(&mut harness, "DE AD BE EF 00 0A");
    for client in [&mut first, &mut second] {
        read_exactly(client, b"\xDE\xAD\xBE\xEF\x00\n");
    }
    assert!(
        harness
            .state()
            .history()
            .contains("[全部 2 个客户端] 服务器端发送消息为：[HEX] DE AD BE EF 00 0A")
    );

    send_message(&mut harness, "DE AD G1");
    let notice = notice_of(harness.state().pane());
    assert!(
        notice.contains("第 7 个字符“G”不是十六进制数字"),
        "{notice}"
    );
    assert_eq!(harness.state().pane().message(), "DE AD G1");
    for client in [&mut first, &mut second] {
        assert_nothing_arrives(client);
    }
}

/// The tutorial's server keeps only its newest socket, so a second client silently replaces the
/// first. Here both stay: each is heard under its own address, both get 发送信息, and the
/// first leaving does not disturb the second.
#[test]
fn a_second_client_while_the_first_is_connected_keeps_both() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let port = start_listening(&mut harness);
    let mut first = connect_client(&mut harness, port, 1);
    let mut second = connect_client(&mut harness, port, 2);
    let first_name = first.local_addr().expect("address").to_string();
    let second_name = second.local_addr().expect("address").to_string();

    first.write_all("我是第一个\n".as_bytes()).expect("write");
    second.write_all("我是第二个\n".as_bytes()).expect("write");
    wait_for_history(
        &mut harness,
        &format!("[{first_name}] 客户端发送消息为：我是第一个"),
    );
    wait_for_history(
        &mut harness,
        &format!("[{second_name}] 客户端发送消息为：我是第二个"),
    );

    send_message(&mut harness, "两位好");
    read_exactly(&mut first, "两位好".as_bytes());
    read_exactly(&mut second, "两位好".as_bytes());

    drop(first);
    wait_for_history(&mut harness, &format!("客户端已断开：{first_name}"));
    assert_eq!(harness.state().client_count(), 1);
    harness.get_by_label("已连接");
    send_message(&mut harness, "还在");
    read_exactly(&mut second, "还在".as_bytes());
    assert_eq!(harness.state().pane().notice(), None);
}

/// Clients that reset or are killed with SIGKILL: each end is reported with its reason and
/// byte counts, and the server goes on serving new clients.
#[test]
fn client_faults_are_reported_and_the_server_keeps_serving() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let port = start_listening(&mut harness);

    let mut resetting = connect_std(port);
    let name = resetting.local_addr().expect("address").to_string();
    wait_for_clients(&mut harness, 1);
    resetting.write_all(b"a\n").expect("write");
    wait_for_history(&mut harness, &format!("[{name}] 客户端发送消息为：a"));
    let socket = socket2::Socket::from(resetting);
    socket
        .set_linger(Some(Duration::ZERO))
        .expect("linger 0: close sends RST");
    drop(socket);
    wait_for_history(
        &mut harness,
        &format!("客户端已断开：{name}（连接被对方重置；收到 2 字节，发送 0 字节）"),
    );

    let script = format!(
        "import socket,sys,time\n\
         s=socket.create_connection(('127.0.0.1',{port}))\n\
         print(s.getsockname()[1],flush=True)\n\
         s.sendall(b'alive\\n')\n\
         time.sleep(60)\n"
    );
    let mut killed = Peer::python_code(&script);
    let name = format!("127.0.0.1:{}", killed.line());
    wait_for_history(&mut harness, &format!("[{name}] 客户端发送消息为：alive"));
    killed.kill();
    wait_for_history(&mut harness, &format!("客户端已断开：{name}"));
    let left = harness
        .state()
        .history()
        .entries()
        .find(|e| e.starts_with(&format!("客户端已断开：{name}")))
        .expect("the end of the killed client");
    assert!(left.ends_with("；收到 6 字节，发送 0 字节）"), "{left}");

    let mut next = connect_client(&mut harness, port, 1);
    send_message(&mut harness, "still here");
    read_exactly(&mut next, b"still here");
}

/// A window that draws no frames (busy, minimised, a slow machine) never lets a flood pile up in
/// memory: the engine and the line task stop taking bytes after a few MiB and TCP holds the peer
/// back. Once frames run again every byte arrives.
#[test]
fn a_window_that_draws_no_frames_holds_back_the_peer_not_memory() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    harness.state_mut().pane_mut().set_history_limit(1 << 20);
    let port = start_listening(&mut harness);
    let client = connect_std(port);
    let me = client.local_addr().expect("address").to_string();
    wait_for_clients(&mut harness, 1);
    let writer = std::thread::spawn(move || {
        let mut client = client;
        client
            .set_write_timeout(Some(Duration::from_millis(500)))
            .expect("timeout");
        let line = [b"x".repeat(63), b"\n".to_vec()].concat();
        let block = line.repeat(4096);
        let mut written = 0usize;
        // Bounded: 512 MiB at most; the window must push back long before.
        while written < 512 << 20 {
            match client.write(&block) {
                Ok(n) => written += n,
                Err(_) => break,
            }
        }
        // Finish the line a partial write may have cut, so every line is whole.
        let rest = (64 - written % 64) % 64;
        client.set_write_timeout(None).expect("blocking");
        (client, written, rest)
    });
    // No frames while the client writes.
    let (mut client, written, rest) = writer.join().expect("writer");
    println!(
        "taken in while no frame ran: {:.1} MiB",
        written as f64 / f64::from(1 << 20)
    );
    assert!(
        written < 64 << 20,
        "{written} bytes went in while the window drew nothing"
    );
    // Frames again: the rest of the last line, then the client leaves; every byte is counted.
    let finisher = std::thread::spawn(move || {
        client
            .write_all(&vec![b'x'; rest.saturating_sub(1)])
            .expect("write");
        if rest > 0 {
            client.write_all(b"\n").expect("write");
        }
    });
    let total = written + rest;
    let slowest = slowest_frame_within(&mut harness, Duration::from_secs(120), |w| {
        w.history().entries().any(|e| e.starts_with("客户端已断开"))
            || w.history().total_rows() as usize >= total / 64
    });
    finisher.join().expect("finisher");
    wait_for_history(&mut harness, &format!("客户端已断开：{me}"));
    let left = format!("收到 {total} 字节，发送 0 字节");
    assert!(harness.state().history().contains(&left), "{left}");
    assert!(slowest < Duration::from_millis(1000), "{slowest:?}");
}

/// 十六进制显示: each read shows as its exact bytes in hex; text waiting for its line end is
/// shown as text first; unticked, bytes are text again.
#[test]
fn hex_view_shows_every_byte_of_each_read() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let port = start_listening(&mut harness);
    let mut client = connect_std(port);
    let me = client.local_addr().expect("address").to_string();
    wait_for_clients(&mut harness, 1);

    client.write_all(b"waiting for its end").expect("write");
    // Let the window see it before the switch, as a partial line not yet shown.
    run_for(&mut harness, Duration::from_millis(30));
    click(&mut harness, "十六进制显示");
    assert!(harness.state().pane().hex_view());
    wait_for_history(
        &mut harness,
        &format!("[{me}] 客户端发送消息为：waiting for its end"),
    );

    client.write_all(b"Hi\x00\xFF\r\n\x1b").expect("write");
    wait_for_history(
        &mut harness,
        &format!("[{me}] 客户端发送消息为：[HEX] 48 69 00 FF 0D 0A 1B"),
    );

    click(&mut harness, "十六进制显示");
    client.write_all("文本\n".as_bytes()).expect("write");
    wait_for_history(&mut harness, &format!("[{me}] 客户端发送消息为：文本"));
}

/// Spaces around the port and an IME's full-width digits are the port a person meant.
#[test]
fn spaced_and_full_width_ports_listen() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let port = free_port();
    for typed in [format!(" {port} "), full_width(&port.to_string())] {
        type_into(&mut harness, "端口：", &typed);
        click(&mut harness, "启动服务器");
        wait_for(&mut harness, "the server to listen", |h| {
            h.state().local_addr().is_some()
        });
        assert_eq!(
            harness.state().local_addr().map(|a| a.port()),
            Some(port),
            "{typed:?}"
        );
        click(&mut harness, "停止服务器");
        wait_for_history(&mut harness, "服务器已停止");
    }
}
