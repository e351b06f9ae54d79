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
