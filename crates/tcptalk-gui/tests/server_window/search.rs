//! 搜索 in the server window: Ctrl+F, matches counted in the background, 下一个 scrolls to them.

use std::io::Write;

use egui::{Key, Modifiers};
use egui_kittest::kittest::{NodeT, Queryable};
use tcptalk_gui::Lang;

use crate::common::*;
use crate::{connect_client, start_listening, wait_for_history};

#[test]
fn ctrl_f_finds_every_match_and_next_scrolls_to_it() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let port = start_listening(&mut harness);
    let mut client = connect_client(&mut harness, port, 1);
    let mut text = String::new();
    for i in 0..5000 {
        let tag = if i % 500 == 3 { "ALARM" } else { "ok" };
        text.push_str(&format!("line {i} {tag}\n"));
    }
    client.write_all(text.as_bytes()).expect("write");
    wait_for_history(&mut harness, "line 4999 ok");

    harness.key_press_modifiers(Modifiers::COMMAND, Key::F);
    settle(&mut harness);
    type_into(&mut harness, "搜索", "alarm");
    wait_for(&mut harness, "the search", |h| {
        h.state().pane().search_matches() == Some((10, true))
    });
    harness.get_by_label("0/10");
    click(&mut harness, "下一个");
    click(&mut harness, "下一个");
    harness.get_by_label("2/10");
    // The second match is on screen.
    wait_for(&mut harness, "the match on screen", |h| {
        h.query_by_label_contains("line 503 ALARM").is_some()
    });
    click(&mut harness, "上一个");
    harness.get_by_label("1/10");
    // 只显示匹配: the history shows the ten alarms and nothing else; unticked, all again.
    click(&mut harness, "只显示匹配");
    let rows: Vec<String> = harness
        .query_all_by_label_contains("客户端发送消息为：line")
        .filter_map(|node| node.accesskit_node().value())
        .collect();
    assert!(
        rows.len() >= 3 && rows.iter().all(|row| row.contains("ALARM")),
        "{rows:?}"
    );
    assert_eq!(harness.state().history().len(), 5002, "nothing dropped");
    click(&mut harness, "只显示匹配");
    assert!(harness.query_all_by_label_contains(" ok").count() > 0);
    // One client's entries only: this one's, so all ten again.
    click(&mut harness, "对方");
    let me = client.local_addr().expect("addr").to_string();
    click(&mut harness, &me);
    wait_for(&mut harness, "the search by peer", |h| {
        h.state().pane().search_matches() == Some((10, true))
    });
    // Bad hex is refused, saying where.
    click(&mut harness, "十六进制");
    let notice = notice_of(harness.state().pane());
    assert!(notice.contains("无法搜索"), "{notice}");
    click(&mut harness, "关闭");
    assert!(harness.query_by_label("下一个").is_none());
}
