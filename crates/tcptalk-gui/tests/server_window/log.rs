//! The log file: every history entry, with its peer and direction.

use std::io::Write;

use tcptalk_gui::Lang;

use crate::common::*;
use crate::{connect_client, start_listening, wait_for_history};

#[test]
fn log_file_gets_every_history_entry() {
    let runtime = runtime();
    let mut harness = server_harness(&runtime, Lang::Zh);
    let path = std::env::temp_dir().join(format!("tcptalk-gui-log-{}.txt", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let log = tcptalk_gui::SharedLog::open(&path).expect("open the log");
    harness.state_mut().set_log(Some(log));
    let port = start_listening(&mut harness);
    let mut client = connect_client(&mut harness, port, 1);
    let me = client.local_addr().expect("address").to_string();
    client
        .write_all("日志里的消息\n".as_bytes())
        .expect("write");
    wait_for_history(&mut harness, "客户端发送消息为：日志里的消息");
    send_message(&mut harness, "第一行\n第二行");
    read_exactly(&mut client, "第一行\n第二行".as_bytes());

    // The session writes the log as entries come and flushes it when it has nothing waiting.
    let sent = format!(" -> {me} 第一行\\n第二行\n");
    let deadline = std::time::Instant::now() + PATIENCE;
    let text = loop {
        let text = std::fs::read_to_string(&path).expect("read the log");
        if text.contains(&sent) || std::time::Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    let _ = std::fs::remove_file(&path);
    assert_eq!(
        text.lines().count(),
        harness.state().history().len(),
        "{text}"
    );
    // Events in the log's one wording, whatever the window's language.
    assert!(
        text.contains(&format!(" -- listening on [::]:{port}\n")),
        "{text}"
    );
    assert!(text.contains(&format!(" -- {me} connected\n")), "{text}");
    // The log names the peer and the direction; the window's words are not repeated in it.
    assert!(text.contains(&format!(" <- {me} 日志里的消息\n")), "{text}");
    assert!(
        text.contains(&format!(" -> {me} 第一行\\n第二行\n")),
        "{text}"
    );
}
