//! The window in English, and switching the language in the window.

use std::io::Write;

use egui_kittest::kittest::Queryable;
use tcptalk_gui::Lang;

use crate::common::*;
use crate::wait_for_clients;

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

/// At the default width every control of the history's tool row has its own room in both
/// languages: a field squeezed past its label once drew 保存到 over 分帧.
#[test]
fn the_history_tool_row_fits_the_default_width_in_both_languages() {
    let runtime = runtime();
    let rows = [
        (
            Lang::Zh,
            [
                "十六进制显示",
                "时间戳",
                "分帧：自动",
                "保存到：",
                "导出",
                "保存历史",
                "复制全部",
                "清空",
            ],
        ),
        (
            Lang::En,
            [
                "Show hex",
                "Timestamps",
                "Framing: Auto",
                "Save to:",
                "Export",
                "Save",
                "Copy all",
                "Clear",
            ],
        ),
    ];
    for (lang, labels) in rows {
        let harness = server_harness(&runtime, lang);
        let placed: Vec<(&str, egui::Rect)> = labels
            .iter()
            .map(|label| (*label, harness.get_by_label(label).rect()))
            .collect();
        for (i, (a, rect_a)) in placed.iter().enumerate() {
            assert!(
                rect_a.width() >= 20.0 && rect_a.max.x <= 600.0,
                "{a} is visible inside the window: {rect_a:?}"
            );
            for (b, rect_b) in &placed[i + 1..] {
                let overlap = rect_a.intersect(*rect_b);
                assert!(
                    overlap.width() <= 0.5 || overlap.height() <= 0.5,
                    "{lang:?}: {a} {rect_a:?} overlaps {b} {rect_b:?}"
                );
            }
        }
    }
}
