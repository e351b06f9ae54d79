//! The server window (服务器), driven by its labels like a person would, against real clients
//! on the loopback interface.
//!
//! One test binary; the tests are in the modules by topic, the helpers they share are here.

#[path = "../common/mod.rs"]
mod common;

mod backpressure;
mod capture;
mod clients;
mod framing;
mod lang;
mod listen;
mod load;
mod log;
mod receive;
mod replies;
mod search;
mod send;
mod sending;
mod transport;

use std::time::Duration;

use common::*;
use egui_kittest::Harness;
use tcptalk_gui::ServerWindow;

/// Types a free port and clicks 启动服务器; returns the port once the history says it listens.
fn start_listening(harness: &mut Harness<'_, ServerWindow>) -> u16 {
    let port = free_port();
    type_into(harness, "端口：", &port.to_string());
    click(harness, "启动服务器");
    wait_for(harness, "the server to listen", |h| {
        h.state().local_addr().is_some()
    });
    port
}

fn wait_for_history(harness: &mut Harness<'_, ServerWindow>, text: &str) {
    wait_for(harness, &format!("history line {text:?}"), |h| {
        h.state().history().contains(text)
    });
}

/// Connects a std client and waits until the window lists `count` clients.
fn connect_client(
    harness: &mut Harness<'_, ServerWindow>,
    port: u16,
    count: usize,
) -> std::net::TcpStream {
    let client = connect_std(port);
    wait_for_clients(harness, count);
    client
}

fn wait_for_clients(harness: &mut Harness<'_, ServerWindow>, count: usize) {
    wait_for(harness, &format!("{count} clients"), |h| {
        h.state().client_count() == count
    });
}

/// The slowest frame run until `until` holds (at most 30 s), while the engine keeps
/// delivering events.
fn slowest_frame(
    harness: &mut Harness<'_, ServerWindow>,
    until: impl Fn(&ServerWindow) -> bool,
) -> Duration {
    slowest_frame_within(harness, Duration::from_secs(30), until)
}

fn slowest_frame_within(
    harness: &mut Harness<'_, ServerWindow>,
    limit: Duration,
    until: impl Fn(&ServerWindow) -> bool,
) -> Duration {
    let deadline = std::time::Instant::now() + limit;
    let mut slowest = Duration::ZERO;
    while !until(harness.state()) {
        assert!(std::time::Instant::now() < deadline, "timed out");
        let started = std::time::Instant::now();
        harness.step();
        slowest = slowest.max(started.elapsed());
        std::thread::sleep(Duration::from_millis(2));
    }
    slowest
}
