//! Helpers shared by the window tests: harnesses with the real fonts, bounded waits, and
//! loopback peers (the python3 peers and free ports are tcptalk-testkit's, re-exported here).
#![allow(dead_code)]

use std::io::{ErrorKind, Read};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use tcptalk_gui::{ClientWindow, Lang, ServerWindow, install_fonts};
use tcptalk_net::Runtime;
#[allow(unused_imports)]
pub use tcptalk_testkit::{Peer, free_port};

/// How long a wait may take before the test fails: generous for a loaded 2-core machine.
pub const PATIENCE: Duration = Duration::from_secs(5);
const STEP_PAUSE: Duration = Duration::from_millis(10);

pub fn runtime() -> Runtime {
    Runtime::new().expect("engine runtime")
}

pub fn server_harness(runtime: &Runtime, lang: Lang) -> Harness<'static, ServerWindow> {
    let window = ServerWindow::new(runtime.handle().clone(), lang);
    Harness::builder()
        .with_size([600.0, 500.0])
        .with_max_steps(64)
        .with_context_setup(install_fonts)
        .build_ui_state(|ui, window: &mut ServerWindow| window.show(ui), window)
}

pub fn client_harness(runtime: &Runtime, lang: Lang) -> Harness<'static, ClientWindow> {
    let window = ClientWindow::new(runtime.handle().clone(), lang);
    Harness::builder()
        .with_size([600.0, 500.0])
        .with_max_steps(64)
        .with_context_setup(install_fonts)
        .build_ui_state(|ui, window: &mut ClientWindow| window.show(ui), window)
}

/// Runs frames until `done` holds, failing the test after [`PATIENCE`]. The engine works on
/// its own threads, so a condition may need several frames and some real time.
#[track_caller]
pub fn wait_for<S>(
    harness: &mut Harness<'_, S>,
    what: &str,
    mut done: impl FnMut(&Harness<'_, S>) -> bool,
) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        harness.step();
        if done(harness) {
            harness.step();
            return;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {PATIENCE:?} waiting for {what}"
        );
        std::thread::sleep(STEP_PAUSE);
    }
}

/// Runs frames for `duration` (to give something the chance to happen that must not).
pub fn run_for<S>(harness: &mut Harness<'_, S>, duration: Duration) {
    let deadline = Instant::now() + duration;
    while Instant::now() < deadline {
        harness.step();
        std::thread::sleep(STEP_PAUSE);
    }
}

/// Replaces the text of the field labelled `label`, as a person would: focus, select all, type.
pub fn type_into<S>(harness: &mut Harness<'_, S>, label: &str, text: &str) {
    harness.get_by_label(label).focus();
    settle(harness);
    harness.key_press_modifiers(Modifiers::COMMAND, Key::A);
    settle(harness);
    if text.is_empty() {
        harness.key_press(Key::Backspace);
    } else {
        harness.get_by_label(label).type_text(text);
    }
    settle(harness);
}

pub fn click<S>(harness: &mut Harness<'_, S>, label: &str) {
    harness.get_by_label(label).click();
    settle(harness);
}

/// Types `text` into 发送的信息 and clicks 发送信息, as a person sends a message.
pub fn send_message<S>(harness: &mut Harness<'_, S>, text: &str) {
    type_into(harness, "发送的信息", text);
    click(harness, "发送信息");
}

/// Runs frames until the window is idle, or for a bounded number of frames while something
/// animates on purpose (the spinner while connecting).
pub fn settle<S>(harness: &mut Harness<'_, S>) {
    let _ = harness.run_ok();
}

pub fn is_disabled<S>(harness: &Harness<'_, S>, label: &str) -> bool {
    harness.get_by_label(label).accesskit_node().is_disabled()
}

/// Connects a plain std client with a read timeout.
pub fn connect_std(port: u16) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to the window's server");
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .expect("read timeout");
    stream
}

/// Reads from `stream` until `expected` bytes arrived, for at most [`PATIENCE`].
#[track_caller]
pub fn read_exactly(stream: &mut TcpStream, expected: &[u8]) {
    let deadline = Instant::now() + PATIENCE;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while got.len() < expected.len() {
        assert!(
            Instant::now() < deadline,
            "timed out: got {:?}, expected {:?}",
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(expected)
        );
        match stream.read(&mut buf) {
            Ok(0) => panic!(
                "connection closed after {:?}, expected {:?}",
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(expected)
            ),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(err) if matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(err) => panic!("read failed: {err}"),
        }
    }
    assert_eq!(got, expected);
}

/// Asserts that nothing arrives on `stream` for a short while.
#[track_caller]
pub fn assert_nothing_arrives(stream: &mut TcpStream) {
    let mut buf = [0u8; 256];
    match stream.read(&mut buf) {
        Ok(0) => panic!("connection closed unexpectedly"),
        Ok(n) => panic!("unexpected bytes: {:?}", String::from_utf8_lossy(&buf[..n])),
        Err(err) if matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
        Err(err) => panic!("read failed: {err}"),
    }
}

/// Waits until the peer closes `stream` (read returns 0), for at most [`PATIENCE`].
#[track_caller]
pub fn wait_for_eof(stream: &mut TcpStream) {
    let deadline = Instant::now() + PATIENCE;
    let mut buf = [0u8; 256];
    loop {
        assert!(
            Instant::now() < deadline,
            "the window never closed the connection"
        );
        match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(err) if matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(err) if err.kind() == ErrorKind::ConnectionReset => return,
            Err(err) => panic!("read failed: {err}"),
        }
    }
}

/// The problem the window shows in red; fails the test if there is none.
#[track_caller]
pub fn notice_of(pane: &tcptalk_gui::Pane) -> String {
    pane.notice().expect("a notice").to_string()
}

/// The same digits as an IME's full-width characters: ８８９９.
pub fn full_width(digits: &str) -> String {
    digits
        .chars()
        .map(|c| char::from_u32(u32::from(c) - u32::from('0') + 0xFF10).unwrap_or(c))
        .collect()
}
