//! The sending tools in the client window, in English: a timer to the server that ends when
//! the server leaves, and a saved command sent with a click.

mod common;

use std::net::TcpListener;
use std::time::Duration;

use common::*;
use egui_kittest::kittest::Queryable;
use tcptalk_gui::Lang;

#[test]
fn a_timer_to_the_server_ends_when_the_server_leaves() {
    let runtime = runtime();
    let mut harness = client_harness(&runtime, Lang::En);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    type_into(&mut harness, "Server IP:", "127.0.0.1");
    type_into(&mut harness, "Port:", &port.to_string());
    click(&mut harness, "Connect");
    let (mut server, _) = listener.accept().expect("accept");
    server
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    wait_for(&mut harness, "the connection", |h| h.state().is_connected());

    type_into(&mut harness, "Message to send", "AT");
    click(&mut harness, "Line end");
    click(&mut harness, "CR (\\r)");
    type_into(&mut harness, "Every (ms)", "20");
    type_into(&mut harness, "Times", "3");
    click(&mut harness, "Start");
    read_exactly(&mut server, b"AT\rAT\rAT\r");
    wait_for(&mut harness, "the timer to end", |h| {
        !h.state().pane().periodic_running()
    });
    assert!(
        harness
            .state()
            .history()
            .contains("Repeat ended (done) after 3 sends")
    );

    type_into(&mut harness, "Times", "");
    click(&mut harness, "Start");
    read_exactly(&mut server, b"AT\r");
    drop(server);
    wait_for(&mut harness, "the timer to end with the connection", |h| {
        !h.state().pane().periodic_running()
    });
    wait_for(&mut harness, "the notice", |h| {
        h.state()
            .history()
            .contains("Repeat ended (nobody to send to)")
    });
    // Nothing to send to: the controls say so.
    wait_for(&mut harness, "disconnected", |h| !h.state().is_connected());
    assert!(is_disabled(&harness, "Start"));
    let _ = harness.get_by_label("Send file");
}
