//! Starting and stopping the server: the real port, port 0, a port in use, bad and friendly
//! ports.

use std::net::TcpListener;
use std::time::Duration;

use egui_kittest::kittest::Queryable;
use tcptalk_gui::Lang;

use crate::common::*;
use crate::{connect_client, start_listening, wait_for_history};

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
