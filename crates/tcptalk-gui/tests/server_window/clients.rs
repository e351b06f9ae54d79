//! Several clients: disconnecting one, the client list, a second client, clients that fail.

use std::io::Write;
use std::time::Duration;

use egui::Key;
use egui_kittest::kittest::Queryable;
use tcptalk_gui::Lang;

use crate::common::*;
use crate::{connect_client, start_listening, wait_for_clients, wait_for_history};

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
