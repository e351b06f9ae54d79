//! 自动回复 in the server window: a rule answers the client, with its capture; a regex that
//! does not compile is shown at the rule while the rules in force stay; rules survive a restart.

use std::io::Write;
use std::time::Duration;

use egui_kittest::kittest::Queryable;
use tcptalk_gui::Lang;
use tcptalk_session::MatchKind;

use crate::common::*;
use crate::{connect_client, start_listening, wait_for_history};

#[test]
fn a_rule_answers_the_client_and_a_bad_regex_is_shown_at_its_rule() {
    let dir = std::env::temp_dir().join(format!("tcptalk-gui-rules-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("server-rules.toml");
    let runtime = runtime();
    {
        let mut harness = server_harness(&runtime, Lang::Zh);
        harness.state_mut().pane_mut().set_rules_file(path.clone());
        let port = start_listening(&mut harness);
        let mut client = connect_client(&mut harness, port, 1);
        click(&mut harness, "自动回复");
        let _ = harness.get_by_label("添加规则");
        harness.get_by_label_contains("规则匹配当前分帧（line）");
        harness.state_mut().pane_mut().add_rule(
            MatchKind::Regex,
            r"^GET (\w+)",
            "VALUE $1=42\n",
            false,
            0,
        );
        settle(&mut harness);
        client.write_all(b"GET temp\r\n").expect("write");
        read_exactly(&mut client, b"VALUE temp=42\n");
        wait_for_history(&mut harness, "服务器端发送消息为：VALUE temp=42");
        wait_for(&mut harness, "a hit", |h| {
            h.state().pane().rule_hits(0) == Some(1)
        });
        let _ = harness.get_by_label("命中 1");

        // A second rule with a regex that does not compile: shown at the rule, the first
        // rule still answers.
        harness
            .state_mut()
            .pane_mut()
            .add_rule(MatchKind::Regex, "(unclosed", "x", false, 0);
        settle(&mut harness);
        let problem = harness
            .state()
            .pane()
            .rule_problem(1)
            .unwrap_or_default()
            .to_string();
        assert!(problem.contains("regex"), "{problem}");
        harness.get_by_label_contains("the regex does not compile");
        client.write_all(b"GET volts\n").expect("write");
        read_exactly(&mut client, b"VALUE volts=42\n");
        // Nothing matches: nothing is sent.
        client.write_all(b"hello\n").expect("write");
        assert_nothing_arrives(&mut client);
    }
    // Kept: only the valid rules were written.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !std::fs::read_to_string(&path).is_ok_and(|text| text.contains("GET")) {
        assert!(std::time::Instant::now() < deadline, "rules not written");
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut harness = server_harness(&runtime, Lang::Zh);
    harness.state_mut().pane_mut().set_rules_file(path.clone());
    let port = start_listening(&mut harness);
    let mut client = connect_client(&mut harness, port, 1);
    client.write_all(b"GET amps\n").expect("write");
    read_exactly(&mut client, b"VALUE amps=42\n");
    drop(harness);
    let _ = std::fs::remove_dir_all(&dir);
}
