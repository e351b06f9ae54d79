//! Keyboard only, as a person who does not use a mouse: Tab walks the window's controls in
//! reading order, each one named, and the tutorial's flow (type the address, connect, type a
//! message, send) works without a click.

mod common;

use std::io::Read;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use common::*;
use egui::Key;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use tcptalk_gui::Lang;

/// The name of the control that has the keyboard focus, if any.
fn focused<S>(harness: &Harness<'_, S>) -> Option<String> {
    harness
        .query_by(|node| node.is_focused())
        .map(|node| node.accesskit_node().label().unwrap_or_default())
}

/// Presses Tab until the focus comes back to where it started (or 80 times): the names in
/// the order Tab visits them.
fn tab_order<S>(harness: &mut Harness<'_, S>) -> Vec<String> {
    let mut order: Vec<String> = Vec::new();
    for _ in 0..80 {
        harness.key_press(Key::Tab);
        harness.step();
        let name = focused(harness).unwrap_or_default();
        if order.first() == Some(&name) {
            break;
        }
        order.push(name);
    }
    order
}

/// Moves the focus with Tab (or Shift+Tab) until `name` has it; fails after 80 presses.
fn tab_to<S>(harness: &mut Harness<'_, S>, name: &str, backwards: bool) {
    for _ in 0..80 {
        if focused(harness).as_deref() == Some(name) {
            return;
        }
        if backwards {
            harness.key_press_modifiers(egui::Modifiers::SHIFT, Key::Tab);
        } else {
            harness.key_press(Key::Tab);
        }
        harness.step();
    }
    panic!(
        "Tab never reached {name:?}; the order is {:?}",
        tab_order(harness)
    );
}

/// Replaces the focused field's text by typing, as a person does (select all, type).
fn retype<S>(harness: &mut Harness<'_, S>, text: &str) {
    harness.key_press_modifiers(egui::Modifiers::COMMAND, Key::A);
    harness.step();
    harness.event(egui::Event::Text(text.to_string()));
    harness.step();
}

/// The Tab order of a window that has just opened, checked to be long and fully named.
fn named_tab_order<S>(harness: &mut Harness<'_, S>) -> Vec<String> {
    harness.run();
    let order = tab_order(harness);
    assert!(order.len() >= 20, "{order:?}");
    assert!(
        order.iter().all(|name| !name.is_empty()),
        "an unnamed control: {order:?}"
    );
    order
}

/// `earlier` comes before `later` in `order`.
fn assert_before(order: &[String], earlier: &str, later: &str) {
    let at = |name: &str| {
        order
            .iter()
            .position(|n| n == name)
            .unwrap_or_else(|| panic!("{name:?} is not in the Tab order {order:?}"))
    };
    assert!(
        at(earlier) < at(later),
        "{earlier:?} after {later:?} in {order:?}"
    );
}

#[test]
fn every_control_tab_reaches_in_the_client_window_is_named_in_reading_order() {
    let runtime = runtime();
    let mut harness = client_harness(&runtime, Lang::Zh);
    let order = named_tab_order(&mut harness);
    // Each field before the button right of it, as the rows are read (断开连接 is disabled,
    // so not in the order, until connected).
    assert_before(&order, "服务器IP：", "连接服务器");
    assert_before(&order, "连接服务器", "端口：");
    assert_before(&order, "端口：", "发送的信息");
    assert_before(&order, "清空", "发送的信息");
    assert_before(&order, "发送的信息", "文件：");
}

#[test]
fn every_control_tab_reaches_in_the_server_window_is_named_in_reading_order() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let order = named_tab_order(&mut harness);
    assert_before(&order, "端口：", "启动服务器");
    assert_before(&order, "端口：", "发送的信息");
    assert_before(&order, "发送的信息", "发送给：");
}

/// The tutorial's client flow by keyboard alone: the address, the port, 连接服务器 with
/// Enter, a message with Enter; the listener gets it.
#[test]
fn the_client_connects_and_sends_by_keyboard_alone() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let runtime = runtime();
    let mut harness = client_harness(&runtime, Lang::Zh);
    harness.run();
    tab_to(&mut harness, "服务器IP：", false);
    retype(&mut harness, "127.0.0.1");
    tab_to(&mut harness, "端口：", false);
    retype(&mut harness, &port.to_string());
    tab_to(&mut harness, "连接服务器", true);
    harness.key_press(Key::Enter);
    wait_for(&mut harness, "已连接", |h| {
        h.query_by_label("已连接").is_some()
    });
    let (mut peer, _) = listener.accept().expect("accept");
    tab_to(&mut harness, "发送的信息", false);
    harness.event(egui::Event::Text("键盘你好".into()));
    harness.step();
    harness.key_press(Key::Enter);
    settle(&mut harness);
    peer.set_read_timeout(Some(PATIENCE)).expect("timeout");
    let mut got = vec![0u8; "键盘你好".len()];
    peer.read_exact(&mut got).expect("the message");
    assert_eq!(String::from_utf8_lossy(&got), "键盘你好");
}

/// The server by keyboard alone: its port, 启动服务器 with Space, then a message to the
/// client that connected, sent with Enter.
#[test]
fn the_server_listens_and_sends_by_keyboard_alone() {
    let port = free_port();
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    harness.run();
    tab_to(&mut harness, "端口：", false);
    retype(&mut harness, &port.to_string());
    tab_to(&mut harness, "启动服务器", true);
    harness.key_press(Key::Space);
    wait_for(&mut harness, "listening", |h| is_disabled(h, "启动服务器"));
    let mut client = connect_std(port);
    let deadline = Instant::now() + PATIENCE;
    while harness.query_by_label_contains("127.0.0.1:").is_none() {
        assert!(Instant::now() < deadline, "the client never showed");
        harness.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    tab_to(&mut harness, "发送的信息", false);
    harness.event(egui::Event::Text("to you".into()));
    harness.step();
    harness.key_press(Key::Enter);
    settle(&mut harness);
    read_exactly(&mut client, b"to you");
}
