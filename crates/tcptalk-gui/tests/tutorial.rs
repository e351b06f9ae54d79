//! The tutorial's own test (§7): start the server, connect the client, talk both ways, here
//! with both windows in one process on one engine runtime.

mod common;

use common::*;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use tcptalk_gui::{ClientWindow, Lang, ServerWindow, install_bundled_font, install_fonts};

/// Runs frames of both windows until `done` holds, for at most [`PATIENCE`].
fn wait_both(
    server: &mut Harness<'_, ServerWindow>,
    client: &mut Harness<'_, ClientWindow>,
    what: &str,
    done: impl Fn(&ServerWindow, &ClientWindow) -> bool,
) {
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        server.step();
        client.step();
        if done(server.state(), client.state()) {
            server.step();
            client.step();
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

#[test]
fn server_and_client_windows_talk_both_ways() {
    let runtime = runtime();
    let mut server = server_harness(&runtime, Lang::Zh);
    let mut client = client_harness(&runtime, Lang::Zh);

    type_into(&mut server, "端口：", "0");
    click(&mut server, "启动服务器");
    wait_for(&mut server, "listening", |h| {
        h.state().local_addr().is_some()
    });
    let port = server.state().local_addr().map_or(0, |a| a.port());

    type_into(&mut client, "端口：", &port.to_string());
    click(&mut client, "连接服务器");
    wait_both(&mut server, &mut client, "the connection", |s, c| {
        s.client_count() == 1 && c.is_connected()
    });
    server.get_by_label("已连接");
    client.get_by_label("已连接");

    send_message(&mut server, "hello from server");
    wait_both(&mut server, &mut client, "the server's message", |_, c| {
        c.history()
            .contains("服务器端发送消息为：hello from server")
    });

    send_message(&mut client, "你好，服务器！中文测试 ok");
    wait_both(&mut server, &mut client, "the client's message", |s, _| {
        s.history()
            .contains("客户端发送消息为：你好，服务器！中文测试 ok")
    });
    assert!(
        client
            .state()
            .history()
            .contains("客户端发送消息为：你好，服务器！中文测试 ok")
    );

    // The client leaves: both sides say so, and the server's icon turns back to the cross.
    click(&mut client, "断开连接");
    wait_both(
        &mut server,
        &mut client,
        "both windows to see the client leave",
        // Each window's session records the end on its own thread.
        |s, c| s.client_count() == 0 && c.history().contains("连接已断开"),
    );
    server.get_by_label("未连接");
    client.get_by_label("未连接");
    assert!(client.state().history().contains("连接已断开"));
    assert!(server.state().history().contains("客户端已断开"));
}

/// Every Chinese text the windows show renders with the bundled subset alone (a machine with
/// no CJK font): the harness panics on any character without a glyph.
#[test]
fn chinese_windows_render_with_only_the_bundled_font() {
    let runtime = runtime();
    let server_window = ServerWindow::new(runtime.handle().clone(), Lang::Zh);
    let mut server = Harness::builder()
        .with_size([600.0, 500.0])
        .with_max_steps(64)
        .with_context_setup(install_bundled_font)
        .build_ui_state(|ui, w: &mut ServerWindow| w.show(ui), server_window);
    let client_window = ClientWindow::new(runtime.handle().clone(), Lang::Zh);
    let mut client = Harness::builder()
        .with_size([600.0, 500.0])
        .with_max_steps(64)
        .with_context_setup(install_bundled_font)
        .build_ui_state(|ui, w: &mut ClientWindow| w.show(ui), client_window);

    type_into(&mut server, "端口：", "abc");
    click(&mut server, "启动服务器");
    type_into(&mut server, "端口：", "0");
    click(&mut server, "启动服务器");
    wait_for(&mut server, "listening", |h| {
        h.state().local_addr().is_some()
    });
    let port = server.state().local_addr().map_or(0, |a| a.port());
    type_into(&mut client, "服务器IP：", "host name");
    click(&mut client, "连接服务器");
    type_into(&mut client, "服务器IP：", "127.0.0.1");
    type_into(&mut client, "端口：", &port.to_string());
    click(&mut client, "连接服务器");
    wait_both(&mut server, &mut client, "the connection", |s, c| {
        s.client_count() == 1 && c.is_connected()
    });
    send_message(&mut client, "你好，服务器！（全角）“引号”…");
    wait_both(&mut server, &mut client, "the message", |s, _| {
        s.history().contains("（全角）“引号”…")
    });
    click(&mut client, "断开连接");
    click(&mut server, "停止服务器");
    wait_for(&mut server, "stopped", |h| {
        h.state().history().contains("服务器已停止")
    });
    server.run();
    client.run();
}

/// install_fonts finds this machine's Chinese font or falls back to the bundled one; either
/// way Chinese renders.
#[test]
fn install_fonts_renders_chinese() {
    let mut harness = Harness::builder()
        .with_context_setup(install_fonts)
        .build_ui(|ui| {
            ui.label("服务器 客户端 连接状态： 历史信息 发送的信息");
        });
    harness.run();
    harness.get_by_label("服务器 客户端 连接状态： 历史信息 发送的信息");
}
