//! 发送信息: to the client, with Enter, empty, with no one there, to one client or all, in hex.

use egui::{Key, Modifiers};
use egui_kittest::kittest::Queryable;
use tcptalk_gui::Lang;

use crate::common::*;
use crate::{connect_client, start_listening, wait_for_clients, wait_for_history};

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
