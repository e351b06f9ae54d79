//! 分帧 and 时间戳 in the server window: an idle-gap view in hex cuts where the client paused;
//! a bad value is refused at the field; times and direction marks are on the rows.

use std::io::Write;
use std::time::Duration;

use egui_kittest::kittest::{NodeT, Queryable};
use tcptalk_gui::{Lang, TimeStyle};

use crate::common::*;
use crate::{connect_client, start_listening, wait_for_history};

#[test]
fn an_idle_gap_view_in_hex_cuts_where_the_client_paused() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let port = start_listening(&mut harness);
    let mut client = connect_client(&mut harness, port, 1);
    click(&mut harness, "十六进制显示");
    harness.get_by_label_contains("分帧：自动").click();
    settle(&mut harness);
    click(&mut harness, "空闲间隔");
    type_into(&mut harness, "空闲(毫秒)", "50");
    // Leaving the field applies it.
    harness.key_press(egui::Key::Escape);
    settle(&mut harness);
    wait_for_history(&mut harness, "从现在起，收到的数据空闲间隔 50 毫秒分帧");
    for (bytes, pause) in [(&b"AB"[..], 0), (b"CD", 10), (b"EF", 200)] {
        std::thread::sleep(Duration::from_millis(pause));
        client.write_all(bytes).expect("write");
    }
    wait_for_history(&mut harness, "[HEX] 41 42 43 44");
    wait_for_history(&mut harness, "[HEX] 45 46");
    // What is shown has its time and its direction in front.
    let rows: Vec<String> = harness
        .query_all_by_label_contains("[HEX] 4")
        .filter_map(|node| node.accesskit_node().value())
        .collect();
    assert!(
        rows.iter()
            .any(|row| row.contains("] 收← [") && row.ends_with("[HEX] 41 42 43 44")),
        "{rows:?}"
    );
}

#[test]
fn a_bad_framing_value_is_refused_and_times_can_be_relative_or_off() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let port = start_listening(&mut harness);
    let mut client = connect_client(&mut harness, port, 1);
    harness.get_by_label_contains("分帧：自动").click();
    settle(&mut harness);
    click(&mut harness, "长度前缀");
    type_into(&mut harness, "长度头", "3xe");
    // Leaving the field (here with a click on the menu's own 长度前缀) applies it.
    click(&mut harness, "长度前缀");
    let problem = harness
        .state()
        .pane()
        .framing_problem()
        .unwrap_or_default()
        .to_string();
    assert!(problem.contains("长度头“3xe”不对"), "{problem}");
    click(&mut harness, "按行");
    harness.key_press(egui::Key::Escape);
    settle(&mut harness);

    client.write_all(b"one\ntwo\n").expect("write");
    wait_for_history(&mut harness, "two");
    harness
        .state_mut()
        .pane_mut()
        .set_time_style(TimeStyle::SincePrevious);
    settle(&mut harness);
    assert!(harness.query_all_by_label_contains("[+0.").count() >= 2);
    harness
        .state_mut()
        .pane_mut()
        .set_time_style(TimeStyle::Off);
    settle(&mut harness);
    let row = harness
        .get_by_label_contains("客户端发送消息为：two")
        .accesskit_node()
        .value()
        .unwrap_or_default();
    assert!(row.starts_with('['), "{row}");
    assert!(!row.contains("收←"), "{row}");
}

#[test]
fn the_status_bar_counts_rx_and_tx_and_opens_the_rate_graph() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let port = start_listening(&mut harness);
    let mut client = connect_client(&mut harness, port, 1);
    client.write_all(b"one\ntwo\n").expect("write");
    wait_for_history(&mut harness, "two");
    send_message(&mut harness, "ok");
    read_exactly(&mut client, b"ok");
    wait_for(&mut harness, "the counters", |h| {
        h.query_by_label("收 8 B/2 发 2 B/1").is_some()
    });
    // A click shows the rate graph, whose 计数清零 counts from zero again.
    click(&mut harness, "收 8 B/2 发 2 B/1");
    let _ = harness.get_by_label("对象");
    let _ = harness.get_by_label("时间");
    click(&mut harness, "计数清零");
    wait_for(&mut harness, "the counters at zero", |h| {
        h.query_by_label("收 0 B/0 发 0 B/0").is_some()
    });
    // The graph can follow one client.
    click(&mut harness, "对象");
    let client_name = format!("127.0.0.1:{}", client.local_addr().expect("addr").port());
    click(&mut harness, &client_name);
    assert_eq!(
        harness
            .get_by_label("对象")
            .accesskit_node()
            .value()
            .as_deref(),
        Some(client_name.as_str())
    );
    // The client list says since when and how long ago it was last active.
    harness.get_by_label("已连接的客户端（1）").click();
    settle(&mut harness);
    let _ = harness.get_by_label("连接时间");
    let _ = harness.get_by_label("最后活动");
}
