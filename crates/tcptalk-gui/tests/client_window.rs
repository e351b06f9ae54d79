//! The client window (客户端), driven by its labels, against std listeners on 127.0.0.1.

mod common;

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use common::*;
use egui::Key;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use tcptalk_gui::{ClientWindow, Lang};

fn listener() -> (TcpListener, u16) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    (listener, port)
}

/// Accepts one connection within [`PATIENCE`], running frames meanwhile.
fn accept(harness: &mut Harness<'_, ClientWindow>, listener: &TcpListener) -> TcpStream {
    listener.set_nonblocking(true).expect("nonblocking");
    let deadline = Instant::now() + PATIENCE;
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false).expect("blocking");
                stream
                    .set_read_timeout(Some(Duration::from_millis(100)))
                    .expect("timeout");
                return stream;
            }
            Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {
                assert!(Instant::now() < deadline, "the window never connected");
                harness.step();
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(err) => panic!("accept failed: {err}"),
        }
    }
}

fn connect_to(harness: &mut Harness<'_, ClientWindow>, port: u16) {
    type_into(harness, "服务器IP：", "127.0.0.1");
    type_into(harness, "端口：", &port.to_string());
    click(harness, "连接服务器");
}

/// Connects to `listener` through the window's fields and returns the accepted stream once
/// the window says it is connected.
fn connect_and_accept(
    harness: &mut Harness<'_, ClientWindow>,
    listener: &TcpListener,
) -> TcpStream {
    let port = listener.local_addr().expect("address").port();
    connect_to(harness, port);
    let stream = accept(harness, listener);
    wait_connected(harness);
    stream
}

fn wait_connected(harness: &mut Harness<'_, ClientWindow>) {
    wait_for(harness, "the connection", |h| h.state().is_connected());
}

fn wait_for_history(harness: &mut Harness<'_, ClientWindow>, text: &str) {
    wait_for(harness, &format!("history line {text:?}"), |h| {
        h.state().history().contains(text)
    });
}

fn count(harness: &Harness<'_, ClientWindow>, line: &str) -> usize {
    harness
        .state()
        .history()
        .entries()
        .filter(|e| e.contains(line))
        .count()
}

#[test]
fn connect_and_disconnect_buttons_are_mutually_exclusive() {
    let runtime = runtime();
    let mut harness = client_harness(&runtime, Lang::Zh);
    let (listener, _) = listener();
    // Before: only 连接服务器.
    assert!(!is_disabled(&harness, "连接服务器"));
    assert!(is_disabled(&harness, "断开连接"));
    assert!(is_disabled(&harness, "发送信息"));
    harness.get_by_label("未连接");

    let mut server_side = connect_and_accept(&mut harness, &listener);
    // During: only 断开连接.
    assert!(is_disabled(&harness, "连接服务器"));
    assert!(!is_disabled(&harness, "断开连接"));
    assert!(!is_disabled(&harness, "发送信息"));
    harness.get_by_label("已连接");
    assert_eq!(count(&harness, "成功连接到服务器"), 1);

    click(&mut harness, "断开连接");
    // After: back to only 连接服务器, at once.
    assert!(!is_disabled(&harness, "连接服务器"));
    assert!(is_disabled(&harness, "断开连接"));
    harness.get_by_label("未连接");
    // The session reports the end once the connection has closed, with its counts.
    wait_for_history(&mut harness, "连接已断开");
    assert_eq!(count(&harness, "连接已断开"), 1);
    wait_for_eof(&mut server_side);
    run_for(&mut harness, Duration::from_millis(100));
    assert_eq!(count(&harness, "连接已断开"), 1, "the end is reported once");
}

#[test]
fn messages_go_both_ways() {
    let runtime = runtime();
    let mut harness = client_harness(&runtime, Lang::Zh);
    let (listener, _) = listener();
    let mut server_side = connect_and_accept(&mut harness, &listener);

    server_side
        .write_all("hello from server\n".as_bytes())
        .expect("write");
    wait_for_history(&mut harness, "服务器端发送消息为：hello from server");

    send_message(&mut harness, "你好，服务器！中文测试 ok");
    read_exactly(&mut server_side, "你好，服务器！中文测试 ok".as_bytes());
    assert_eq!(
        count(&harness, "客户端发送消息为：你好，服务器！中文测试 ok"),
        1
    );
    assert!(harness.get_by_label("发送的信息").is_focused());
}

#[test]
fn reconnect_after_disconnect() {
    let runtime = runtime();
    let mut harness = client_harness(&runtime, Lang::Zh);
    let (listener, _) = listener();
    let mut first = connect_and_accept(&mut harness, &listener);
    click(&mut harness, "断开连接");
    wait_for_eof(&mut first);

    // The tutorial crashes here: its socket was deleted by the disconnect.
    click(&mut harness, "连接服务器");
    let mut second = accept(&mut harness, &listener);
    wait_connected(&mut harness);
    assert_eq!(count(&harness, "成功连接到服务器"), 2);
    send_message(&mut harness, "again");
    read_exactly(&mut second, b"again");
}

#[test]
fn send_after_peer_left_does_not_crash() {
    let runtime = runtime();
    let mut harness = client_harness(&runtime, Lang::Zh);
    let (listener, _) = listener();
    let server_side = connect_and_accept(&mut harness, &listener);

    type_into(&mut harness, "发送的信息", "还在吗");
    drop(server_side);
    wait_for_history(&mut harness, "连接已断开");
    harness.get_by_label("未连接");
    assert!(is_disabled(&harness, "发送信息"));
    assert!(!is_disabled(&harness, "连接服务器"));

    // Clicking the disabled button does nothing; Enter explains; the message is kept.
    click(&mut harness, "发送信息");
    harness.get_by_label("发送的信息").focus();
    harness.run();
    harness.key_press(Key::Enter);
    harness.run();
    assert!(
        harness
            .state()
            .history()
            .contains("未连接到服务器，消息没有发送")
    );
    assert_eq!(
        harness.get_by_label("发送的信息").value().as_deref(),
        Some("还在吗")
    );
    assert!(
        !harness
            .state()
            .history()
            .contains("客户端发送消息为：还在吗")
    );
}

#[test]
fn refused_connection_is_explained() {
    let runtime = runtime();
    let mut harness = client_harness(&runtime, Lang::Zh);
    connect_to(&mut harness, free_port());
    wait_for_history(&mut harness, "拒绝连接");
    assert!(!is_disabled(&harness, "连接服务器"));
    assert!(is_disabled(&harness, "断开连接"));
    harness.get_by_label("未连接");
}

#[test]
fn bad_ports_and_addresses_are_explained_without_connecting() {
    let runtime = runtime();
    let mut harness = client_harness(&runtime, Lang::Zh);
    let cases = [
        ("127.0.0.1", "abc", "不是端口号"),
        ("127.0.0.1", "70000", "太大"),
        ("127.0.0.1", "", "没有填写端口"),
        ("127.0.0.1", "0", "端口 0"),
        ("127.0.0.1", "-1", "不是端口号"),
        ("127.0.0.1", "65536", "太大"),
        ("127.0.0.1", "99999999999", "太大"),
        ("999.1.1.1", "8899", "不是有效的 IPv4 地址"),
        ("host name", "8899", "不是有效的主机名"),
        ("", "8899", "没有填写服务器地址"),
    ];
    for (host, port, expected) in cases {
        type_into(&mut harness, "服务器IP：", host);
        type_into(&mut harness, "端口：", port);
        click(&mut harness, "连接服务器");
        run_for(&mut harness, Duration::from_millis(30));
        assert!(
            harness.state().history().contains(expected),
            "{host:?}:{port:?} should be explained with {expected:?}"
        );
        assert!(!harness.state().is_connecting() && !harness.state().is_connected());
        assert!(!is_disabled(&harness, "连接服务器"));
    }
}

/// A port whose listener never accepts and whose queue is full, so a new connect hangs (the
/// system drops its SYNs) instead of being refused or accepted.
fn hanging_port() -> (TcpListener, Vec<TcpStream>, u16) {
    let (listener, port) = listener();
    let addr = listener.local_addr().expect("address");
    let mut queued = Vec::new();
    for _ in 0..2000 {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(100)) {
            Ok(stream) => queued.push(stream),
            Err(_) => return (listener, queued, port),
        }
    }
    panic!("the listen queue never filled up");
}

#[test]
fn connecting_shows_progress_and_can_be_cancelled() {
    let runtime = runtime();
    let mut harness = client_harness(&runtime, Lang::Zh);
    let (_listener, _queued, port) = hanging_port();
    connect_to(&mut harness, port);
    wait_for(&mut harness, "connecting", |h| h.state().is_connecting());
    // In the history and next to the spinner in the status bar.
    assert_eq!(harness.get_all_by_label_contains("正在连接").count(), 2);
    assert!(is_disabled(&harness, "连接服务器"));
    assert!(!is_disabled(&harness, "断开连接"));
    harness.get_by_label("未连接");

    click(&mut harness, "断开连接");
    assert!(!harness.state().is_connecting() && !harness.state().is_connected());
    assert!(!is_disabled(&harness, "连接服务器"));
    assert!(is_disabled(&harness, "断开连接"));
    // The session notes the cancel on its own thread.
    wait_for(&mut harness, "the cancel noted", |h| {
        h.state().history().contains("已取消连接")
    });
    run_for(&mut harness, Duration::from_millis(100));
    assert!(!harness.state().history().contains("连接服务器失败"));
}

#[test]
fn partial_line_from_server_shows_after_a_pause() {
    let runtime = runtime();
    let mut harness = client_harness(&runtime, Lang::Zh);
    let (listener, _) = listener();
    let mut server_side = connect_and_accept(&mut harness, &listener);
    // A character split across two writes, and no line end at all.
    let bytes = "请输入密码：".as_bytes();
    server_side.write_all(&bytes[..5]).expect("write");
    server_side.flush().expect("flush");
    std::thread::sleep(Duration::from_millis(20));
    server_side.write_all(&bytes[5..]).expect("write");
    wait_for_history(&mut harness, "服务器端发送消息为：请输入密码：");
    assert_eq!(count(&harness, "服务器端发送消息为：请输入密码："), 1);
}

#[test]
fn english_client_window_uses_english_words() {
    let runtime = runtime();
    let mut harness = client_harness(&runtime, Lang::En);
    let (listener, port) = listener();
    assert!(is_disabled(&harness, "Disconnect"));
    type_into(&mut harness, "Server IP:", "127.0.0.1");
    type_into(&mut harness, "Port:", &port.to_string());
    click(&mut harness, "Connect");
    let mut server_side = accept(&mut harness, &listener);
    wait_connected(&mut harness);
    harness.get_by_label("Connected");
    assert_eq!(count(&harness, "Connected to server"), 1);
    server_side.write_all(b"welcome\n").expect("write");
    wait_for_history(&mut harness, "Server says: welcome");
    type_into(&mut harness, "Message to send", "thanks");
    click(&mut harness, "Send");
    read_exactly(&mut server_side, b"thanks");
    assert_eq!(count(&harness, "Client says: thanks"), 1);
    drop(server_side);
    wait_for_history(&mut harness, "Connection closed");
    harness.get_by_label("Not connected");
}

#[test]
fn remembered_settings_fill_the_fields() {
    let runtime = runtime();
    let settings = tcptalk_gui::Settings {
        client_host: "192.0.2.7".into(),
        client_port: "9001".into(),
        client_encoding: "GBK".into(),
        ..Default::default()
    };
    let window = ClientWindow::from_settings(runtime.handle().clone(), Lang::Zh, &settings);
    let mut harness = Harness::builder()
        .with_size([600.0, 500.0])
        .with_context_setup(tcptalk_gui::install_fonts)
        .build_ui_state(|ui, w: &mut ClientWindow| w.show(ui), window);
    harness.run();
    assert_eq!(
        harness.get_by_label("服务器IP：").value().as_deref(),
        Some("192.0.2.7")
    );
    assert_eq!(
        harness.get_by_label("端口：").value().as_deref(),
        Some("9001")
    );
    let mut saved = tcptalk_gui::Settings::default();
    type_into(&mut harness, "端口：", "9002");
    harness.state().save(&mut saved);
    assert_eq!(saved.client_host, "192.0.2.7");
    assert_eq!(saved.client_port, "9002");
    assert_eq!(saved.client_encoding, "GBK/GB18030");
}

/// 十六进制发送: the typed hex goes out as exactly those bytes (NUL, CR, LF, 0xFF included);
/// hex with a mistake sends nothing, says where the mistake is and keeps the text for fixing.
#[test]
fn hex_send_sends_exact_bytes_and_refuses_bad_hex() {
    let runtime = runtime();
    let mut harness = client_harness(&runtime, Lang::Zh);
    let (listener, _) = listener();
    let mut server_side = connect_and_accept(&mut harness, &listener);

    click(&mut harness, "十六进制发送");
    assert!(harness.state().pane().hex_send());
    type_into(&mut harness, "发送的信息", "48 65 6c 6C 6F 00 0D 0A FF");
    harness.key_press(Key::Enter);
    settle(&mut harness);
    read_exactly(&mut server_side, b"Hello\0\r\n\xFF");
    assert_eq!(
        count(
            &harness,
            "客户端发送消息为：[HEX] 48 65 6C 6C 6F 00 0D 0A FF"
        ),
        1
    );
    assert_eq!(harness.state().pane().message(), "");

    let mistakes = [
        ("48 6", "第 4 个字符开始的一组有 1 个十六进制数字"),
        ("0x41,0xZZ", "第 8 个字符“Z”不是十六进制数字"),
        ("41 0x", "第 4 个字符处的“0x”后面没有十六进制数字"),
        ("你好", "第 1 个字符“你”不是十六进制数字"),
    ];
    for (typed, says) in mistakes {
        send_message(&mut harness, typed);
        let notice = notice_of(harness.state().pane());
        assert!(
            notice.starts_with("十六进制有误，没有发送：") && notice.contains(says),
            "{typed:?}: {notice}"
        );
        assert_eq!(harness.state().pane().message(), typed, "kept for fixing");
        assert!(harness.state().history().contains(&notice));
        assert_nothing_arrives(&mut server_side);
    }

    // C source and a Chinese IME's full-width comma are hex too; success clears the notice.
    send_message(&mut harness, "0x31，0x32, 0X33");
    read_exactly(&mut server_side, b"123");
    assert_eq!(harness.state().pane().notice(), None);
    // Only separators: there is nothing to send, and nothing is said.
    send_message(&mut harness, " , ");
    assert_nothing_arrives(&mut server_side);
    assert_eq!(harness.state().pane().notice(), None);

    // Unticked, the same characters are text again.
    click(&mut harness, "十六进制发送");
    send_message(&mut harness, "41");
    read_exactly(&mut server_side, b"41");
    assert_eq!(count(&harness, "客户端发送消息为：41"), 1);
}

/// Starts `abusive_server.py` and connects the window to it; returns the server and its port.
fn connect_to_abusive_server(harness: &mut Harness<'_, ClientWindow>) -> (Peer, u16) {
    let mut server = Peer::python("abusive_server.py", &[]);
    let port: u16 = server
        .line()
        .strip_prefix("port ")
        .and_then(|port| port.parse().ok())
        .expect("port");
    connect_to(harness, port);
    wait_connected(harness);
    assert_eq!(server.line(), "accepted");
    (server, port)
}

/// A hostile server (python3): terminal escapes, markup, NUL, invalid UTF-8 and GBK, then a
/// 100 MB line with no end. Everything is shown literally and safely, nothing is lost (the
/// byte counts match), and the window keeps drawing frames and works afterwards.
#[test]
fn a_hostile_server_cannot_take_over_the_window() {
    let runtime = runtime();
    let mut harness = client_harness(&runtime, Lang::Zh);
    harness.state_mut().pane_mut().set_history_limit(256 << 10);
    let (mut server, port) = connect_to_abusive_server(&mut harness);
    let mut total = 0;
    let mut send = |server: &mut Peer, what: &str| {
        server.say(what);
        let sent: u64 = server
            .line()
            .strip_prefix("sent ")
            .and_then(|n| n.parse().ok())
            .expect("sent");
        total += sent;
    };

    send(&mut server, "escapes");
    wait_for_history(&mut harness, "csi");
    let shown = "服务器端发送消息为：\\x1B[2J\\x1B]52;c;aGk=\\x07<script>alert(1)</script>&amp;\\0nul\\u{9B}csi";
    assert_eq!(count(&harness, shown), 1, "literal, with visible escapes");

    send(&mut server, "invalid");
    wait_for_history(&mut harness, "cut");
    assert_eq!(
        count(&harness, "服务器端发送消息为：\\xFF\\xFE ok \\xE4\\xB8 cut"),
        1
    );

    click(&mut harness, "编码：");
    click(&mut harness, "GBK");
    send(&mut server, "gbk");
    wait_for_history(&mut harness, "bad");
    assert_eq!(count(&harness, "服务器端发送消息为：中文GBK\\x81 bad"), 1);

    // 100 MB without a line end: the window takes it while drawing frames (the server
    // cannot finish sending unless the window reads).
    server.say("bigline");
    server.say("close");
    let totals_prefix = "本次连接共收到 ";
    let mut slowest = Duration::ZERO;
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut said = Vec::new();
    while !harness.state().history().contains(totals_prefix) {
        assert!(Instant::now() < deadline, "no {totals_prefix:?}");
        let started = Instant::now();
        harness.step();
        slowest = slowest.max(started.elapsed());
        said.extend(server.try_line());
        std::thread::sleep(Duration::from_millis(2));
    }
    while said.len() < 2 {
        said.push(server.line());
    }
    assert_eq!(said, ["sent 100000000", "closed"]);
    total += 100_000_000;
    let totals = format!("本次连接共收到 {total} 字节，发送 0 字节");
    assert!(harness.state().history().contains(&totals), "{totals}");
    println!("100 MB line: slowest frame {slowest:?} (debug build)");
    assert!(slowest < Duration::from_millis(1000), "{slowest:?}");
    // The line came in pieces of bounded length, every byte of it in the history.
    let path = std::env::temp_dir().join(format!("tcptalk-hostile-{}.log", std::process::id()));
    harness.state().history().save_all(&path).expect("save");
    let text = std::fs::read_to_string(&path).expect("read");
    let _ = std::fs::remove_file(&path);
    let marker = format!(" <- 127.0.0.1:{port} ");
    let pieces: Vec<&str> = text
        .lines()
        .filter_map(|line| line.split_once(&marker).map(|(_, text)| text))
        .filter(|text| {
            !["csi", "cut", "bad"]
                .iter()
                .any(|known| text.contains(known))
        })
        .collect();
    assert!(pieces.iter().all(|piece| piece.len() <= 16 * 1024));
    assert_eq!(
        pieces.iter().map(|piece| piece.len()).sum::<usize>(),
        100_000_000
    );
    // Still a working window: connect again (once a frame has seen the close).
    settle(&mut harness);
    assert!(!is_disabled(&harness, "连接服务器"));
}

/// The server resets the connection (RST): the window says so, with the bytes it got, and
/// connects again at once.
#[test]
fn a_server_reset_is_reported_and_the_window_connects_again() {
    let runtime = runtime();
    let mut harness = client_harness(&runtime, Lang::Zh);
    let (mut server, _) = connect_to_abusive_server(&mut harness);
    server.say("hello");
    assert_eq!(server.line(), "sent 19");
    wait_for_history(&mut harness, "服务器端发送消息为：hello before reset");
    server.say("reset");
    assert_eq!(server.line(), "reset");
    wait_for_history(&mut harness, "本次连接共收到 19 字节，发送 0 字节");
    assert_eq!(count(&harness, "连接已断开"), 1);
    assert_eq!(count(&harness, "（原因：连接被对方重置）"), 1);
    harness.get_by_label("未连接");
    assert!(!is_disabled(&harness, "连接服务器"));

    let (listener, _) = listener();
    let mut again = connect_and_accept(&mut harness, &listener);
    send_message(&mut harness, "又连上了");
    read_exactly(&mut again, "又连上了".as_bytes());
}

/// What a person may well type and means well: spaces around the port, full-width digits,
/// `::1`, `[::1]`, `localhost`. Each connects; an unresolvable name says so.
#[test]
fn friendly_inputs_connect_and_an_unknown_name_is_explained() {
    let runtime = runtime();
    let mut harness = client_harness(&runtime, Lang::Zh);
    let v4 = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let v6 = TcpListener::bind("[::1]:0").expect("bind ::1");
    let v4_port = v4.local_addr().expect("address").port();
    let v6_port = v6.local_addr().expect("address").port();
    let cases = [
        ("127.0.0.1", format!(" {v4_port} "), &v4),
        (" 127.0.0.1 ", full_width(&v4_port.to_string()), &v4),
        ("::1", v6_port.to_string(), &v6),
        ("[::1]", v6_port.to_string(), &v6),
    ];
    for (host, port, listener) in cases {
        type_into(&mut harness, "服务器IP：", host);
        type_into(&mut harness, "端口：", &port);
        click(&mut harness, "连接服务器");
        let _peer = accept(&mut harness, listener);
        wait_connected(&mut harness);
        assert_eq!(harness.state().pane().notice(), None, "{host:?}:{port:?}");
        click(&mut harness, "断开连接");
    }
    // localhost may mean 127.0.0.1 or ::1: listen on the same port on both where possible.
    let (listener, port) = listener();
    type_into(&mut harness, "服务器IP：", "localhost");
    type_into(&mut harness, "端口：", &port.to_string());
    let also_v6 = TcpListener::bind(("::1", port)).ok();
    click(&mut harness, "连接服务器");
    wait_for(&mut harness, "localhost to connect", |h| {
        h.state().is_connected() || !h.state().is_connecting()
    });
    assert!(
        harness.state().is_connected(),
        "{:?}",
        harness.state().pane().notice()
    );
    drop((listener, also_v6));
    click(&mut harness, "断开连接");

    type_into(&mut harness, "服务器IP：", "no-such-host.invalid");
    type_into(&mut harness, "端口：", "8899");
    click(&mut harness, "连接服务器");
    wait_for(&mut harness, "the lookup to fail", |h| {
        !h.state().is_connecting()
    });
    let notice = notice_of(harness.state().pane());
    assert!(notice.contains("no-such-host.invalid"), "{notice}");
    assert!(!harness.state().is_connected());
    assert!(!is_disabled(&harness, "连接服务器"));
}
