//! One log format for every front end: the same traffic into the server window and into the
//! terminal server gives the same `--log` lines, apart from times and port numbers.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tcptalk_gui::{Lang, ServerWindow, SharedLog, install_fonts};
use tcptalk_testkit::Peer;

use crate::{BIN, Lines, Proc, WAIT, json, temp_dir};

/// Text, Chinese, CRLF, a tab, an escape sequence, a character split between two writes, and
/// a last line with no line end, from python3's socket module over IPv4 to the default
/// (dual-stack) listener, which then closes.
fn python_client(port: u16) -> Peer {
    Peer::python_code(&format!(
        r#"
import socket, time
s = socket.create_connection(("127.0.0.1", {port}))
s.sendall(b"hello world\r\n" + "你好，世界\n".encode() + b"tab\there\n\x1b[31mred\x1b[0m\n\xe4\xb8")
time.sleep(0.05)
s.sendall(b"\xad\xe6\x96\x87\npartial last line")
time.sleep(0.3)
s.close()
print("done", flush=True)
"#
    ))
}

/// A log line without its time, with every port number as `P`.
fn comparable(line: &str) -> String {
    let rest = line.splitn(4, ' ').nth(3).unwrap_or(line);
    let mut out = String::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == ':' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('P');
            while chars.peek().is_some_and(char::is_ascii_digit) {
                chars.next();
            }
        }
    }
    out
}

fn comparable_lines(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).expect("read the log");
    text.lines().map(comparable).collect()
}

/// Waits until the file at `path` has a line containing `needle`.
fn wait_for_line(path: &Path, needle: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if text.contains(needle) {
            return;
        }
        assert!(Instant::now() < deadline, "no {needle:?} in {text}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn terminal_log(path: &Path) -> Vec<String> {
    let mut cmd = Command::new(BIN);
    cmd.args([
        "server", "--no-gui", "--json", "--once", "--port", "0", "--log",
    ])
    .arg(path)
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(Stdio::piped());
    let mut server = Proc::spawn(&mut cmd);
    let mut lines = Lines::new(server.child.stderr.take().expect("stderr"));
    let port = json(&lines.expect("\"listening\""))["port"]
        .as_u64()
        .expect("port") as u16;
    let mut client = python_client(port);
    assert_eq!(client.line(), "done");
    assert_eq!(server.wait(), 0);
    comparable_lines(path)
}

fn window_log(path: &Path) -> Vec<String> {
    let runtime = tcptalk_net::Runtime::new().expect("runtime");
    let mut window = ServerWindow::new(runtime.handle().clone(), Lang::Zh);
    window.set_port(0);
    window.set_log(Some(SharedLog::open(path).expect("open the log")));
    window.listen_on_start();
    let mut harness = egui_kittest::Harness::builder()
        .with_size([600.0, 500.0])
        .with_context_setup(install_fonts)
        .build_ui_state(|ui, window: &mut ServerWindow| window.show(ui), window);
    let step_until = |harness: &mut egui_kittest::Harness<'_, ServerWindow>,
                      what: &str,
                      done: &dyn Fn(&ServerWindow) -> bool| {
        let deadline = Instant::now() + WAIT;
        while !done(harness.state()) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            harness.step();
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    step_until(&mut harness, "listening", &|w| w.local_addr().is_some());
    let port = harness.state().local_addr().expect("listening").port();
    let mut client = python_client(port);
    assert_eq!(client.line(), "done");
    step_until(&mut harness, "the client leaving", &|w| {
        w.history().contains("客户端已断开")
    });
    harness.state_mut().shutdown();
    step_until(&mut harness, "the server stopping", &|w| {
        w.history().contains("服务器已停止")
    });
    wait_for_line(path, "server stopped");
    comparable_lines(path)
}

#[test]
fn the_window_and_the_terminal_write_the_same_log_for_the_same_traffic() {
    let dir = temp_dir("same-log");
    let terminal = terminal_log(&dir.join("terminal.log"));
    let window = window_log(&dir.join("window.log"));
    let _ = std::fs::remove_dir_all(&dir);
    let expected = [
        "-- listening on [::]:P",
        "-- 127.0.0.1:P connected",
        "<- 127.0.0.1:P hello world",
        "<- 127.0.0.1:P 你好，世界",
        "<- 127.0.0.1:P tab\there",
        "<- 127.0.0.1:P \\x1B[31mred\\x1B[0m",
        "<- 127.0.0.1:P 中文",
        "<- 127.0.0.1:P partial last line",
        "-- 127.0.0.1:P disconnected (closed by peer, received 75 bytes, sent 0 bytes)",
        "-- server stopped",
    ];
    assert_eq!(terminal, expected, "the terminal's log");
    assert_eq!(window, terminal, "the window's log, line for line");
}
