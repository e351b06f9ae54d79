//! Arguments: bad ones are refused with one clear line before anything starts, friendly ones
//! (spaces, an IME's full-width digits, `[::1]`) are accepted.

use std::net::TcpListener;
use std::process::{Command, Stdio};

use crate::{BIN, Lines, Proc};

fn run_args(args: &[&str]) -> (i32, String) {
    let out = Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run tcptalk");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_ports_exit_2_with_a_clear_message() {
    for (port, words) in [
        ("abc", "not a port number"),
        ("70000", "65535"),
        ("65536", "65535"),
        ("99999999999", "65535"),
        ("-1", "-1"),
        ("", "no port"),
    ] {
        for role in ["server", "client"] {
            let (code, err) = run_args(&[role, "--no-gui", "--port", port]);
            assert_eq!(code, 2, "{role} --port {port:?}: {err}");
            assert!(
                err.to_lowercase().contains(words),
                "{role} --port {port:?}: message lacks {words:?}: {err}"
            );
        }
    }
    let (code, err) = run_args(&["client", "--no-gui", "--port", "0"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn bad_addresses_exit_2_and_start_nothing() {
    for host in ["999.1.1.1", "host name", "", "1.2.3", ":::1::"] {
        let (code, err) = run_args(&["client", "--no-gui", host]);
        assert_eq!(code, 2, "client {host:?}: {err}");
        assert!(!err.contains("connecting"), "{err}");
        let (code, err) = run_args(&["server", "--no-gui", "--bind", host]);
        assert_eq!(code, 2, "server --bind {host:?}: {err}");
        assert!(!err.contains("listening"), "{err}");
    }
}

/// The other flags: a bad timeout or language is refused before anything starts (exit 2), a
/// log file that cannot be opened is named (exit 1), each with one clear line.
#[test]
fn bad_flags_exit_with_a_clear_message() {
    for timeout in ["abc", "0", "--timeout=-1", "1e300", "nan", ""] {
        let flag = if timeout.starts_with("--") {
            timeout.to_string()
        } else {
            format!("--timeout={timeout}")
        };
        let (code, err) = run_args(&["client", "--no-gui", "127.0.0.1", "--port", "1", &flag]);
        assert_eq!(code, 2, "{flag}: {err}");
        assert!(err.contains("is not a timeout"), "{flag}: {err}");
        assert!(!err.contains("connecting"), "{flag}: {err}");
    }
    let (code, err) = run_args(&["--lang", "xx", "client", "--no-gui"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("zh, en"), "{err}");
    let (code, err) = run_args(&[
        "server",
        "--no-gui",
        "--port",
        "0",
        "--log",
        "/nonexistent-dir/x.log",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("cannot open the log file /nonexistent-dir/x.log"),
        "{err}"
    );
    assert!(!err.contains("listening"), "{err}");
}

/// Inputs a person may well type that are fine: each must get past argument checking and
/// reach the network (a listen, or a connect attempt to a port where nothing listens).
#[test]
fn friendly_inputs_are_accepted() {
    let closed_port = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
        .to_string();
    for host in ["127.0.0.1", "localhost", "::1", "[::1]", " 127.0.0.1 "] {
        let out = Command::new(BIN)
            .args(["client", "--no-gui", "--json", host, "--port", &closed_port])
            .stdin(Stdio::null())
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{host:?}: {stderr}");
        assert!(
            stderr.contains("\"connecting\""),
            "{host:?} never tried: {stderr}"
        );
        assert!(stderr.contains("refused"), "{host:?}: {stderr}");
    }
    for port in [" 8899 ", "８８９９", "0"] {
        let (code, err) = run_args(&["server", "--no-gui", "--port", port, "--bind", "300.0.0.1"]);
        // The bad bind address is reported, which shows the port itself was accepted.
        assert_eq!(code, 2, "{port:?}: {err}");
        assert!(err.contains("--bind"), "{port:?} was rejected: {err}");
    }
}

#[test]
fn full_width_port_from_a_chinese_ime_is_accepted() {
    let (mut proc, mut lines, _) = {
        let mut cmd = Command::new(BIN);
        cmd.args([
            "server",
            "--no-gui",
            "--json",
            "--bind",
            "127.0.0.1",
            "--port",
            " ０ ",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
        let mut proc = Proc::spawn(&mut cmd);
        let lines = Lines::new(proc.child.stderr.take().expect("stderr"));
        (proc, lines, 0)
    };
    lines.expect("\"listening\"");
    let _ = proc.child.kill();
}
