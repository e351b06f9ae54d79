//! Several sessions in one window, driven as a person does: ＋ → 新建服务器 / 新建客户端, a
//! second server listening on its own port with its own history, × to close it; and the
//! history's wrapping and its split, moved with the keyboard and the mouse.

mod common;

use std::io::Write;
use std::net::TcpStream;

use common::{PATIENCE, click, free_port, runtime, server_harness, type_into, wait_for};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use tcptalk_gui::tabs::{Page, SessionTabs, TabSetup};
use tcptalk_gui::{Lang, ServerWindow, install_fonts};

const NEW_SESSION: &str = "新建会话：再开一个服务器或客户端（标签页）";

fn tabs_harness(runtime: &tcptalk_net::Runtime) -> Harness<'static, SessionTabs> {
    let first = ServerWindow::new(runtime.handle().clone(), Lang::Zh);
    let setup = TabSetup::new(runtime.handle().clone(), egui::ViewportId::ROOT);
    let tabs = SessionTabs::new(Page::Server(Box::new(first)), setup);
    Harness::builder()
        .with_size([800.0, 560.0])
        .with_max_steps(64)
        .with_context_setup(install_fonts)
        .build_ui_state(|ui, tabs: &mut SessionTabs| tabs.show(ui, Lang::Zh), tabs)
}

fn history_of(tabs: &SessionTabs, index: usize) -> String {
    match tabs.page(index) {
        Some(Page::Server(server)) => server.history().to_text(),
        Some(Page::Client(client)) => client.history().to_text(),
        None => String::new(),
    }
}

#[test]
fn three_sessions_in_tabs_each_with_its_own_history() {
    let runtime = runtime();
    let mut harness = tabs_harness(&runtime);
    click(&mut harness, NEW_SESSION);
    click(&mut harness, "新建服务器");
    click(&mut harness, NEW_SESSION);
    click(&mut harness, "新建客户端");
    assert_eq!(harness.state().len(), 3);
    assert_eq!(harness.state().active(), 2, "a new tab is shown at once");
    for name in ["服务器 1", "服务器 2", "客户端 1"] {
        assert_eq!(harness.query_all_by_label(name).count(), 1, "tab {name}");
    }
    assert!(matches!(harness.state().page(2), Some(Page::Client(_))));

    // 服务器 2 listens on a port of its own; what its client sends is in its history only.
    click(&mut harness, "服务器 2");
    assert_eq!(harness.state().active(), 1);
    // A screen reader hears the shown tab as selected, the others as not, and none as a
    // checked toggle.
    for (name, selected) in [("服务器 1", false), ("服务器 2", true), ("客户端 1", false)]
    {
        let tab = harness.get_by_label(name);
        let node = tab.accesskit_node();
        assert_eq!(node.role(), egui::accesskit::Role::Tab, "{name}");
        assert_eq!(node.is_selected(), Some(selected), "{name} selected");
        assert_eq!(node.toggled(), None, "{name} is not a toggle");
    }
    let port = free_port();
    type_into(&mut harness, "端口：", &port.to_string());
    click(&mut harness, "启动服务器");
    wait_for(
        &mut harness,
        "服务器 2 listening",
        |h| matches!(h.state().page(1), Some(Page::Server(server)) if server.local_addr().is_some()),
    );
    let mut peer = TcpStream::connect(("127.0.0.1", port)).expect("connect to 服务器 2");
    peer.write_all("只给第二个服务器\n".as_bytes())
        .expect("send");
    wait_for(&mut harness, "the line in 服务器 2's history", |h| {
        history_of(h.state(), 1).contains("只给第二个服务器")
    });
    assert!(!history_of(harness.state(), 0).contains("只给第二个服务器"));
    assert!(!history_of(harness.state(), 2).contains("只给第二个服务器"));

    // × ends the session: the peer sees the connection close, and the tab is gone.
    click(&mut harness, "关闭此会话 服务器 2");
    assert_eq!(harness.state().len(), 2);
    peer.set_read_timeout(Some(PATIENCE)).expect("timeout");
    let mut rest = Vec::new();
    let closed = std::io::Read::read_to_end(&mut peer, &mut rest);
    assert!(
        closed.is_ok(),
        "the closed tab's connection ended: {closed:?}"
    );
    assert_eq!(harness.query_all_by_label("服务器 2").count(), 0);
    harness.state_mut().shutdown();
}

#[test]
fn long_rows_wrap_inside_the_history_and_run_on_when_wrapping_is_off() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let port = free_port();
    type_into(&mut harness, "端口：", &port.to_string());
    click(&mut harness, "启动服务器");
    wait_for(&mut harness, "listening", |h| {
        h.state().local_addr().is_some()
    });
    let long = "很长的一行 a very long row ".repeat(20);
    let mut peer = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    peer.write_all(format!("{long}\n").as_bytes())
        .expect("send");
    wait_for(&mut harness, "the long row", |h| {
        h.state().history().contains("很长的一行")
    });
    let width = |harness: &Harness<'_, ServerWindow>| {
        let row = harness.get_by_label_contains("很长的一行 a very long row");
        row.rect().width()
    };
    let wrapped = width(&harness);
    assert!(
        wrapped > 100.0 && wrapped <= 600.0,
        "wrapped, the row fits the 600-point window: {wrapped}"
    );
    click(&mut harness, "分帧：自动");
    click(&mut harness, "自动换行");
    harness.key_press(egui::Key::Escape);
    common::settle(&mut harness);
    let run_on = width(&harness);
    assert!(
        run_on > 1000.0,
        "unwrapped, the row runs past the edge: {run_on}"
    );
    harness.state_mut().shutdown();
}

/// The strip between the history and the message box moves with the keyboard (Tab to it, Up /
/// Down) and with the mouse, and stops before it pushes the controls under the message box out
/// of the window.
#[test]
fn the_split_moves_with_the_keyboard_and_the_mouse_within_bounds() {
    const SPLIT: &str = "拖动调整历史信息与发送框的高度";
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let split_y =
        |harness: &Harness<'_, ServerWindow>| harness.get_by_label(SPLIT).rect().center().y;
    // Tab's stand-in: focus the split, then press `key` `times` times, a frame each.
    let press = |harness: &mut Harness<'_, ServerWindow>, key, times| {
        harness.get_by_label(SPLIT).focus();
        harness.run_ok();
        for _ in 0..times {
            harness.key_press(key);
            harness.run_ok();
        }
    };
    let start = split_y(&harness);

    press(&mut harness, egui::Key::ArrowUp, 3);
    let raised = split_y(&harness);
    assert!(
        raised < start - 30.0,
        "three Up presses give the message box about three lines: {start} → {raised}"
    );

    let from = harness.get_by_label(SPLIT).rect().center();
    harness.drag_at(from);
    harness.run_ok();
    harness.hover_at(from + egui::vec2(0.0, 60.0));
    harness.run_ok();
    harness.drop_at(from + egui::vec2(0.0, 60.0));
    harness.run_ok();
    let dragged = split_y(&harness);
    assert!(
        (dragged - (raised + 60.0)).abs() < 2.0,
        "dragged 60 points down: {raised} → {dragged}"
    );

    press(&mut harness, egui::Key::ArrowDown, 40);
    let lowest = split_y(&harness);
    press(&mut harness, egui::Key::ArrowDown, 1);
    assert_eq!(
        split_y(&harness),
        lowest,
        "the message box keeps its least height"
    );
    let status = harness.get_by_label("连接状态：").rect();
    assert!(
        status.max.y <= 500.0,
        "the status row is still inside the 500-point window: {status:?}"
    );
    harness.state_mut().shutdown();
}

/// The tabs a person added are there again at the next start, each with its own port and
/// kind, behind the window's own first tab; what is remembered survives serialisation.
#[test]
fn added_tabs_are_remembered_with_their_settings() {
    let runtime = runtime();
    let mut harness = tabs_harness(&runtime);
    click(&mut harness, NEW_SESSION);
    click(&mut harness, "新建服务器");
    type_into(&mut harness, "端口：", "9123");
    click(&mut harness, NEW_SESSION);
    click(&mut harness, "新建客户端");
    type_into(&mut harness, "端口：", "9124");
    let saved = harness.state().saved();
    assert_eq!(saved.len(), 2, "{saved:?}");
    assert!(saved.iter().all(|tab| tab.in_server_window));
    assert!(saved[0].server && !saved[1].server, "{saved:?}");
    assert_eq!(saved[0].settings.server_port, "9123");
    assert_eq!(saved[1].settings.client_port, "9124");

    let settings = tcptalk_gui::Settings {
        tabs: saved,
        ..tcptalk_gui::Settings::default()
    };
    let json = serde_json::to_string(&settings).expect("serialise");
    let read: tcptalk_gui::Settings = serde_json::from_str(&json).expect("read back");
    assert_eq!(read, settings);

    // The next start: a fresh window, its saved tabs opened again, its own tab shown.
    let mut next = tabs_harness(&runtime);
    next.state_mut().restore(&read.tabs, Lang::Zh);
    next.run();
    assert_eq!(next.state().len(), 3);
    assert_eq!(next.state().active(), 0);
    for name in ["服务器 1", "服务器 2", "客户端 1"] {
        assert_eq!(next.query_all_by_label(name).count(), 1, "tab {name}");
    }
    let again = next.state().saved();
    assert_eq!(again[0].settings.server_port, "9123");
    assert_eq!(again[1].settings.client_port, "9124");
    // A client window's tab bar takes none of the server window's tabs.
    let client = tcptalk_gui::ClientWindow::new(runtime.handle().clone(), Lang::Zh);
    let setup = TabSetup::new(runtime.handle().clone(), egui::ViewportId::ROOT);
    let mut client_tabs = SessionTabs::new(Page::Client(Box::new(client)), setup);
    client_tabs.restore(&read.tabs, Lang::Zh);
    assert_eq!(client_tabs.len(), 1);
    next.state_mut().shutdown();
    client_tabs.shutdown();
}
