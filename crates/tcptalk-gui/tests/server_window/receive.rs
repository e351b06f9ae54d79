//! What clients send, in the history: senders, partial lines, literal text, GBK, the hex view.

use std::io::Write;
use std::time::Duration;

use egui_kittest::kittest::Queryable;
use tcptalk_gui::Lang;

use crate::common::*;
use crate::{connect_client, start_listening, wait_for_clients, wait_for_history};

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
