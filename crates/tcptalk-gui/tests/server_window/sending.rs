//! The sending tools in the server window, driven by label as a person would: 行尾, 校验,
//! 转义, 定时发送, 发送文件, 常用指令, and Up / Down recall.

use std::io::Read;
use std::time::Duration;

use egui::Key;
use egui_kittest::kittest::{NodeT, Queryable};
use tcptalk_gui::{Lang, SharedBook};

use crate::common::*;
use crate::{connect_client, start_listening, wait_for_history};

/// Picks `choice` in the menu labelled `label`.
fn choose(
    harness: &mut egui_kittest::Harness<'_, tcptalk_gui::ServerWindow>,
    label: &str,
    choice: &str,
) {
    click(harness, label);
    click(harness, choice);
}

#[test]
fn every_new_control_is_found_by_its_label() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    for label in [
        "行尾",
        "校验",
        "转义",
        "间隔(毫秒)",
        "次数",
        "开始",
        "文件：",
        "浏览…",
        "发送文件",
        "常用指令",
    ] {
        let _ = harness.get_by_label(label);
    }
    // Nobody connected: nothing to start or send.
    assert!(is_disabled(&harness, "开始"));
    assert!(is_disabled(&harness, "发送文件"));
    click(&mut harness, "常用指令");
    for label in ["名称", "添加当前消息", "导入…", "导出…"] {
        let _ = harness.get_by_label(label);
    }
}

#[test]
fn a_modbus_frame_gets_its_crc_and_the_history_shows_it_apart() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let port = start_listening(&mut harness);
    let mut client = connect_client(&mut harness, port, 1);
    click(&mut harness, "十六进制发送");
    choose(&mut harness, "校验", "CRC-16/MODBUS");
    send_message(&mut harness, "01 03 00 0A 00 02");
    read_exactly(
        &mut client,
        &[0x01, 0x03, 0x00, 0x0A, 0x00, 0x02, 0xE4, 0x09],
    );
    wait_for_history(
        &mut harness,
        "服务器端发送消息为：[HEX] 01 03 00 0A 00 02 [E4 09]",
    );

    // Text, escapes, a line end after the checksum.
    click(&mut harness, "十六进制发送");
    click(&mut harness, "转义");
    choose(&mut harness, "校验", "XOR8");
    choose(&mut harness, "行尾", "CRLF (\\r\\n)");
    send_message(&mut harness, r"A\x54");
    read_exactly(&mut client, &[b'A', b'T', b'A' ^ b'T', b'\r', b'\n']);
    wait_for_history(&mut harness, "服务器端发送消息为：AT [15] \\r\\n");

    // A bad escape sends nothing and says where.
    send_message(&mut harness, r"ab\q");
    let notice = notice_of(harness.state().pane());
    assert!(
        notice.contains("转义有误") && notice.contains("第 3 个字符"),
        "{notice}"
    );
    assert_nothing_arrives(&mut client);
}

#[test]
fn periodic_send_runs_counts_and_stops_and_bad_fields_are_refused() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let port = start_listening(&mut harness);
    let mut client = connect_client(&mut harness, port, 1);
    type_into(&mut harness, "发送的信息", "ping");
    choose(&mut harness, "行尾", "LF (\\n)");

    type_into(&mut harness, "间隔(毫秒)", "0");
    click(&mut harness, "开始");
    let notice = notice_of(harness.state().pane());
    assert!(notice.contains("间隔“0”不对"), "{notice}");
    assert!(!harness.state().pane().periodic_running());

    type_into(&mut harness, "间隔(毫秒)", "10");
    type_into(&mut harness, "次数", "5");
    click(&mut harness, "开始");
    wait_for(&mut harness, "the timer to finish", |h| {
        !h.state().pane().periodic_running()
    });
    read_exactly(&mut client, b"ping\nping\nping\nping\nping\n");
    wait_for_history(&mut harness, "定时发送结束（已完成），共发送 5 次");

    // Without a count it goes on until 停止.
    type_into(&mut harness, "次数", "");
    click(&mut harness, "开始");
    wait_for(&mut harness, "a few sends", |h| {
        h.state()
            .pane()
            .periodic_sent()
            .is_some_and(|sent| sent >= 3)
    });
    let _ = harness.get_by_label_contains("已发送");
    click(&mut harness, "停止");
    wait_for(&mut harness, "the timer to stop", |h| {
        !h.state().pane().periodic_running()
    });
    wait_for_history(&mut harness, "定时发送结束（已停止）");
    client
        .set_read_timeout(Some(Duration::from_millis(300)))
        .expect("timeout");
    let mut rest = Vec::new();
    let _ = client.read_to_end(&mut rest);
    assert!(
        rest.chunks(5).all(|chunk| chunk == b"ping\n"),
        "whole messages"
    );
}

#[test]
fn a_file_is_sent_whole_and_named_in_the_history() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let port = start_listening(&mut harness);
    let mut client = connect_client(&mut harness, port, 1);
    let dir = std::env::temp_dir().join(format!("tcptalk-gui-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("固件.bin");
    let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, &data).expect("write");

    click(&mut harness, "发送文件");
    assert!(notice_of(harness.state().pane()).contains("请先填写"));
    type_into(&mut harness, "文件：", "/nonexistent/固件.bin");
    click(&mut harness, "发送文件");
    wait_for(&mut harness, "the failure", |h| {
        !h.state().pane().file_sending()
    });
    wait_for_history(&mut harness, "打不开 /nonexistent/固件.bin");

    type_into(&mut harness, "文件：", &path.display().to_string());
    click(&mut harness, "发送文件");
    read_exactly(&mut client, &data);
    wait_for(&mut harness, "the transfer to end", |h| {
        !h.state().pane().file_sending()
    });
    wait_for_history(&mut harness, "已发送文件 固件.bin：1000000 字节");
    std::fs::remove_dir_all(&dir).expect("cleaned up");
}

#[test]
fn a_file_to_a_client_that_does_not_read_shows_progress_and_can_be_cancelled() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let port = start_listening(&mut harness);
    let _client = connect_client(&mut harness, port, 1);
    let dir = std::env::temp_dir().join(format!("tcptalk-gui-cancel-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("big.bin");
    std::fs::write(&path, vec![7u8; 64 << 20]).expect("write");
    type_into(&mut harness, "文件：", &path.display().to_string());
    click(&mut harness, "发送文件");
    // The client never reads: the transfer stalls part way, and says how far it got.
    wait_for(&mut harness, "the progress bar", |h| {
        h.query_by_label_contains("剩余").is_some()
    });
    let shown = harness
        .get_by_label_contains("剩余")
        .accesskit_node()
        .label()
        .unwrap_or_default();
    assert!(shown.contains("/ 67.1 MB"), "{shown}");
    click(&mut harness, "取消发送");
    wait_for(&mut harness, "the cancel", |h| {
        !h.state().pane().file_sending()
    });
    wait_for_history(&mut harness, "文件 big.bin 没有完整发送：已取消，已发送");
    assert!(!is_disabled(&harness, "发送文件"));
    std::fs::remove_dir_all(&dir).expect("cleaned up");
}

#[test]
fn up_and_down_bring_back_earlier_messages() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let port = start_listening(&mut harness);
    let mut client = connect_client(&mut harness, port, 1);
    send_message(&mut harness, "first");
    send_message(&mut harness, "second");
    read_exactly(&mut client, b"firstsecond");
    type_into(&mut harness, "发送的信息", "draft");
    for (key, expect) in [
        (Key::ArrowUp, "second"),
        (Key::ArrowUp, "first"),
        (Key::ArrowUp, "first"),
        (Key::ArrowDown, "second"),
        (Key::ArrowDown, "draft"),
    ] {
        harness.key_press(key);
        settle(&mut harness);
        assert_eq!(harness.state().pane().message(), expect);
    }
}

#[test]
fn saved_commands_send_with_a_click_or_alt_number_and_survive_a_restart() {
    let dir = std::env::temp_dir().join(format!("tcptalk-gui-book-{}", std::process::id()));
    let path = dir.join("commands.toml");
    let _ = std::fs::remove_dir_all(&dir);
    let runtime = runtime();
    {
        let mut harness = server_harness(&runtime, Lang::Zh);
        harness
            .state_mut()
            .pane_mut()
            .set_command_book(SharedBook::open(path.clone()).0);
        click(&mut harness, "常用指令");
        click(&mut harness, "十六进制发送");
        choose(&mut harness, "校验", "CRC-16/MODBUS");
        type_into(&mut harness, "发送的信息", "01 03 00 0A 00 02");
        click(&mut harness, "添加当前消息");
        assert!(notice_of(harness.state().pane()).contains("名称"));
        type_into(&mut harness, "名称", "读寄存器");
        click(&mut harness, "添加当前消息");
        type_into(&mut harness, "名称", "second");
        click(&mut harness, "添加当前消息");
        let _ = harness.get_by_label("1 读寄存器");
        // Reordered: second moves up.
        harness
            .get_all_by_label("上移")
            .nth(1)
            .expect("two commands")
            .click();
        settle(&mut harness);
        assert_eq!(harness.state().pane().saved_commands()[0].name, "second");
        harness
            .get_all_by_label("上移")
            .nth(1)
            .expect("two commands")
            .click();
        settle(&mut harness);
    }
    // Written in the background, newest last: wait for the file to hold both commands in
    // their final order (an earlier order may be on disk for a moment), then start again.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let in_order = |text: &str| {
        text.matches("\nname = ").count() == 2 && text.find("读寄存器") < text.find("second")
    };
    while !std::fs::read_to_string(&path).is_ok_and(|text| in_order(&text)) {
        assert!(
            std::time::Instant::now() < deadline,
            "book not written in its final order"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut harness = server_harness(&runtime, Lang::Zh);
    harness
        .state_mut()
        .pane_mut()
        .set_command_book(SharedBook::open(path.clone()).0);
    let saved = harness.state().pane().saved_commands();
    assert_eq!(saved.len(), 2);
    let port = start_listening(&mut harness);
    let mut client = connect_client(&mut harness, port, 1);
    click(&mut harness, "常用指令");
    click(&mut harness, "1 读寄存器");
    read_exactly(
        &mut client,
        &[0x01, 0x03, 0x00, 0x0A, 0x00, 0x02, 0xE4, 0x09],
    );
    harness.key_press_modifiers(egui::Modifiers::ALT, Key::Num1);
    settle(&mut harness);
    read_exactly(
        &mut client,
        &[0x01, 0x03, 0x00, 0x0A, 0x00, 0x02, 0xE4, 0x09],
    );

    // Export, then import the exported file: the commands are there twice.
    let exported = dir.join("exported.toml");
    harness
        .state_mut()
        .pane_mut()
        .export_commands(exported.clone());
    harness.state_mut().pane_mut().import_commands(exported);
    assert_eq!(harness.state().pane().saved_commands().len(), 4);
    // A file with a mistake is refused whole, saying which command.
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "[[command]]\nname = \"x\"\nbody = \"0G\"\nhex = true\n",
    )
    .expect("write");
    harness.state_mut().pane_mut().import_commands(bad);
    settle(&mut harness);
    let notice = notice_of(harness.state().pane());
    assert!(
        notice.contains("command 1") && notice.contains("\"x\""),
        "{notice}"
    );
    assert_eq!(harness.state().pane().saved_commands().len(), 4);
    drop(harness);
    std::thread::sleep(Duration::from_millis(200));
    let _ = std::fs::remove_dir_all(&dir);
}
